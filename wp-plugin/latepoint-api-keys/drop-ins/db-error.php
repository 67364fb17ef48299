<?php
/**
 * WordPress drop-in (copy to wp-content/db-error.php): what WordPress sends
 * when it cannot reach its database. It dies before any plugin loads, so only
 * a drop-in can answer then. Requests to the LatePoint API get the API's own
 * 503 service_unavailable envelope with Retry-After; every other request gets
 * a plain 503 page.
 *
 * @package LatePointApi
 */

$lpapi_uri = isset( $_SERVER['REQUEST_URI'] ) ? (string) $_SERVER['REQUEST_URI'] : '';
$lpapi_id  = 'req_' . bin2hex( random_bytes( 12 ) );

if ( ! headers_sent() ) {
	http_response_code( 503 );
	header( 'Retry-After: 30' );
	header( 'Cache-Control: no-store' );
	header( 'X-Request-Id: ' . $lpapi_id );
}
if ( false !== strpos( $lpapi_uri, '/wp-json/latepoint-api/' ) || false !== strpos( rawurldecode( $lpapi_uri ), 'rest_route=/latepoint-api/' ) ) {
	if ( ! headers_sent() ) {
		header( 'Content-Type: application/json; charset=UTF-8' );
	}
	echo json_encode(
		array(
			'status' => 'error',
			'error'  => array(
				'code'       => 'service_unavailable',
				'message'    => 'The database is unavailable; try again shortly.',
				'details'    => new stdClass(),
				'request_id' => $lpapi_id,
			),
		)
	);
	return;
}
if ( ! headers_sent() ) {
	header( 'Content-Type: text/html; charset=UTF-8' );
}
echo '<!DOCTYPE html><meta charset="utf-8"><title>Temporarily unavailable</title><h1>Temporarily unavailable</h1><p>The site cannot reach its database. Please try again in a moment.</p>';
