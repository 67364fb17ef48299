<?php
/**
 * A request that clashes with the current state (a 409 over REST).
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

defined( 'ABSPATH' ) || exit;

/**
 * Carries the API error code (`conflict`, `email_taken`, …) and details.
 */
final class Conflict_Error extends Coded_Error {}
