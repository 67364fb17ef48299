<?php
/**
 * Thrown by services; the REST layer answers it with HTTP 404.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

defined( 'ABSPATH' ) || exit;

/**
 * See the file comment.
 */
final class Not_Found_Error extends \RuntimeException {}
