<?php
/**
 * Thrown by services; the REST layer answers it with HTTP 503.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

defined( 'ABSPATH' ) || exit;

/**
 * See the file comment.
 */
final class Storage_Error extends \RuntimeException {}
