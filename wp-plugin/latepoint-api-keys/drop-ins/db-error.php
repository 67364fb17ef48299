<?php
/**
 * WordPress drop-in (copy to wp-content/db-error.php): what WordPress sends
 * when it cannot reach its database. It dies before any plugin loads, so only
 * a drop-in can answer then. Requests to the LatePoint API get the API's own
 * 503 service_unavailable envelope with Retry-After, and their audit rows are
 * spooled; every other request gets a plain 503 page. The work is the plugin's
 * (LatePointApi\Audit\Db_Outage), so this copy never goes stale.
 *
 * @package LatePointApi
 */

$lpapi_autoload = array_filter(
	array(
		( defined( 'WP_PLUGIN_DIR' ) ? WP_PLUGIN_DIR : WP_CONTENT_DIR . '/plugins' ) . '/latepoint-api-keys/includes/autoload.php',
		dirname( __DIR__ ) . '/includes/autoload.php', // This file inside the plugin (or linked from it).
	),
	'is_readable'
);

if ( $lpapi_autoload ) {
	require_once reset( $lpapi_autoload );
	LatePointApi\Audit\Db_Outage::answer( $_SERVER, $_GET );
	return;
}

// The plugin is gone: a plain 503.
if ( ! headers_sent() ) {
	http_response_code( 503 );
	header( 'Retry-After: 30' );
	header( 'Content-Type: text/html; charset=UTF-8' );
}
echo '<!DOCTYPE html><meta charset="utf-8"><title>Temporarily unavailable</title><h1>Temporarily unavailable</h1><p>The site cannot reach its database. Please try again in a moment.</p>';
