<?php
/**
 * Plugin Name:       LatePoint API Keys
 * Description:       A REST API for LatePoint bookings, customers, agents, services and availability, protected by API keys managed under LatePoint > API Settings.
 * Version:           0.2.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * License:           GPL-2.0-or-later
 * Text Domain:       latepoint-api-keys
 *
 * @package LatePointApi
 */

defined( 'ABSPATH' ) || exit;

define( 'LPAPI_PLUGIN_VERSION', '0.2.0' );
define( 'LPAPI_PLUGIN_FILE', __FILE__ );
define( 'LPAPI_PLUGIN_DIR', __DIR__ );

require_once __DIR__ . '/includes/autoload.php';

// The pure-PHP lpapi_* functions, for hosts without the extension.
require_once __DIR__ . '/includes/fallback/functions.php';

register_activation_hook( __FILE__, array( LatePointApi\Plugin::class, 'activate' ) );
register_deactivation_hook( __FILE__, array( LatePointApi\Plugin::class, 'deactivate' ) );

LatePointApi\Plugin::boot();
