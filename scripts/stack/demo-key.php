<?php
/**
 * `make run`: makes a fresh demo key (revoking the previous demo key) and
 * prints it with the admin URL and a ready curl. Runs inside WordPress
 * through `scripts/stack.sh php`. The key is printed here, once, and stored
 * nowhere (the site keeps its hash).
 */

use LatePointApi\Keys\Key_Service;
use LatePointApi\Keys\Permissions;

if ( ! class_exists( Key_Service::class ) ) {
	fwrite( STDERR, "The LatePoint API Keys plugin is not active.\n" );
	exit( 1 );
}
const DEMO_NAME = 'Demo key (make run)';
foreach ( Key_Service::list( array( 'search' => DEMO_NAME, 'status' => 'active' ), 0, 100 )['items'] as $old ) {
	if ( DEMO_NAME === $old['name'] ) {
		Key_Service::revoke( $old['id'], 1 );
	}
}
$created = Key_Service::create(
	array(
		'name'        => DEMO_NAME,
		'description' => 'Made by make run; revoked by the next make run.',
		'environment' => 'live',
		'permissions' => Permissions::ALL,
	),
	1
);
$me      = rest_url( 'latepoint-api/v1/me' );
$info    = LatePointApi\Support\Core::info();
printf( "\n==> the product is running\n" );
printf( "    admin page    %s  (log in: %s / %s)\n", admin_url( 'options-general.php?page=latepoint-api-settings' ), getenv( 'LPAPI_ADMIN_USER' ) ?: 'admin', getenv( 'LPAPI_ADMIN_PASSWORD' ) ?: '(see scripts/stack.sh env)' );
printf( "    environment   %s (WP_ENVIRONMENT_TYPE): test keys work here; they get 403 environment_mismatch only in production\n", wp_get_environment_type() );
printf( "    native core   %s\n", $info['native'] ? 'lpapi ' . $info['version'] . ', shared-memory rate limits' : 'off: pure-PHP fallback' );
printf( "    demo key      %s  (full access; shown once, only its hash is stored)\n", $created['key'] );
printf( "\n    curl -s -H 'X-API-Key: %s' %s\n", $created['key'], $me );
global $wpdb;
$lp = $wpdb->prefix . 'latepoint_';
if ( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $lp . 'services' ) ) ) {
	$service  = (int) $wpdb->get_var( "SELECT id FROM {$lp}services WHERE name = 'Haircut' ORDER BY id LIMIT 1" );
	$agent    = (int) $wpdb->get_var( "SELECT id FROM {$lp}agents WHERE first_name = 'Maria' ORDER BY id LIMIT 1" );
	$customer = (int) $wpdb->get_var( "SELECT id FROM {$lp}customers ORDER BY id LIMIT 1" );
	$monday   = ( new DateTimeImmutable( 'monday next week', wp_timezone() ) )->format( 'Y-m-d' );
	$friday   = ( new DateTimeImmutable( 'friday next week', wp_timezone() ) )->format( 'Y-m-d' );
	$base     = rest_url( 'latepoint-api/v1' );
	printf( "\n    # free Haircut slots next week\n    curl -s -H 'X-API-Key: %s' '%s/availability?service_id=%d&date_from=%s&date_to=%s'\n", $created['key'], $base, $service, $monday, $friday );
	printf( "\n    # book Maria for a Haircut next Friday at 11:00\n    curl -s -H 'X-API-Key: %s' -H 'Content-Type: application/json' -X POST %s/bookings \\\n      -d '{\"customer_id\":%d,\"service_id\":%d,\"agent_id\":%d,\"start_date\":\"%s\",\"start_time\":\"11:00\"}'\n", $created['key'], $base, $customer, $service, $agent, $friday );
	printf( "\n    The whole API: %s/openapi.json\n", $base );
}
echo "\n";
