<?php
/**
 * A webhook URL that the plugin will not deliver to.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Webhooks;

use LatePointApi\Support\Coded_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Carries a machine code (`not_http`, `has_credentials`, `no_host`, `bad_host`,
 * `bad_port`, `bad_url`, `unresolvable`, `forbidden_address`) and, for
 * `forbidden_address`, the address and why it is refused.
 */
final class Destination_Error extends Coded_Error {}
