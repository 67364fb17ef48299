<?php
/**
 * Plugin Name: LatePoint API Keys — lean lane
 * Description: Answers LatePoint API Keys' API-key reads before other plugins and the theme load (the same code as the full path, booted lighter). Put here, and removed, by the LatePoint API Keys plugin; turn the lane off under LatePoint > API Settings > Settings.
 *
 * A must-use plugin, written into wp-content/mu-plugins by the plugin
 * (LatePointApi\Lane\Lane_Loader) from its drop-ins/lean-lane-loader.php,
 * with the two values below filled in (as shipped they are empty, and an
 * empty version never matches the plugin's). It does nothing itself: once every
 * must-use plugin has loaded, it hands the request to the plugin's
 * LatePointApi\Lane\Lane::enter(), which serves it or returns, leaving the
 * request to WordPress's full boot. When the plugin is gone, it does nothing.
 *
 * @package LatePointApi
 */

defined( 'ABSPATH' ) || exit;

// Written by Lane_Loader: the plugin version this loader belongs to, and the plugin's basename.
define( 'LPAPI_LANE_LOADER_VERSION', '' );
define( 'LPAPI_LANE_LOADER_PLUGIN', 'latepoint-api-keys/latepoint-api-keys.php' );

add_action(
	'muplugins_loaded',
	static function (): void {
		$autoload = WP_PLUGIN_DIR . '/' . dirname( LPAPI_LANE_LOADER_PLUGIN ) . '/includes/autoload.php';
		if ( ! is_readable( $autoload ) ) {
			return;
		}
		require_once $autoload;
		if ( is_callable( array( 'LatePointApi\\Lane\\Lane', 'enter' ) ) ) {
			LatePointApi\Lane\Lane::enter( LPAPI_LANE_LOADER_VERSION, LPAPI_LANE_LOADER_PLUGIN );
		}
	},
	PHP_INT_MAX
);
