<?php
/**
 * A write that needs LatePoint itself (its models, hooks and processes) on a
 * site where LatePoint is not active: 503 latepoint_inactive over REST.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

defined( 'ABSPATH' ) || exit;

/**
 * LatePoint is not active.
 */
final class LatePoint_Inactive_Error extends \RuntimeException {}
