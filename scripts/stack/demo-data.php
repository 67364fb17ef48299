<?php
/**
 * `make run`: LatePoint's tables with a small, realistic dataset in the LOCAL
 * stack's site, so every endpoint can be tried at once. Never run on a real
 * site (the plugin never creates LatePoint's tables). Idempotent: does nothing
 * when the demo agents exist. Runs through `scripts/stack.sh php`.
 *
 * Dataset: 3 agents (one with her own hours, one with a custom day off next
 * Wednesday), 4 services (buffers, a group class with capacity 6, one
 * disabled), a location, weekday hours 09:00–17:00 for everyone, 4 customers
 * and a few bookings next week, each as LatePoint 5 stores one: order, order
 * item and booking rows.
 */

require_once __DIR__ . '/latepoint-fixture.php';

// With real LatePoint, its own tables are there (and must keep LatePoint's definitions); the stand-in
// tables are only for a site without it.
$lpapi_real_latepoint = class_exists( 'OsModel' ) && ! defined( 'LPAPI_STAND_IN_MODELS' );
if ( ! $lpapi_real_latepoint ) {
	LatePointApi\Fixture\create_latepoint_tables();
}

global $wpdb;
$p   = $wpdb->prefix . 'latepoint_';
$now = current_time( 'mysql', true );
if ( (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$p}agents WHERE email LIKE '%@demo.example'" ) > 0 ) {
	echo "==> LatePoint demo data already present\n";
	return;
}
$insert = static function ( string $table, array $row ) use ( $wpdb, $p, $now ): int {
	$wpdb->insert( $p . $table, $row + array( 'created_at' => $now, 'updated_at' => $now ) );
	return (int) $wpdb->insert_id;
};

$location = $lpapi_real_latepoint ? (int) OsLocationHelper::get_default_location_id() : $insert( 'locations', array( 'name' => 'Main Location', 'full_address' => '12 Harbour Street, Brighton', 'status' => 'active' ) );
$agents   = array();
foreach ( array( array( 'Maria', 'Lopez', 'Senior stylist' ), array( 'James', 'Chen', 'Colour specialist' ), array( 'Aisha', 'Okafor', 'Yoga teacher' ) ) as list( $first, $last, $title ) ) {
	$agents[ $first ] = $insert(
		'agents',
		array(
			'first_name'   => $first,
			'last_name'    => $last,
			'display_name' => "{$first} {$last}",
			'title'        => $title,
			'email'        => strtolower( $first ) . '@demo.example',
			'phone'        => '+44 1273 000' . count( $agents ),
			'status'       => 'active',
		)
	);
}
$service = static function ( string $name, int $duration, int $before, int $after, int $capacity, float $price, string $status = 'active', ?int $interval = null ) use ( $insert ): int {
	return $insert(
		'services',
		array(
			'name'                => $name,
			'short_description'   => "{$name} ({$duration} min)",
			'duration'            => $duration,
			'buffer_before'       => $before,
			'buffer_after'        => $after,
			'capacity_min'        => 1,
			'capacity_max'        => $capacity,
			'price_min'           => $price,
			'price_max'           => $price,
			'charge_amount'       => $price,
			'timeblock_interval'  => $interval,
			'status'              => $status,
			'visibility'          => 'visible',
		)
	);
};
$services = array(
	'Haircut'      => $service( 'Haircut', 45, 0, 15, 1, 35.0 ),
	'Colour'       => $service( 'Colour and style', 120, 0, 15, 1, 110.0, 'active', 60 ),
	'Yoga'         => $service( 'Group yoga class', 60, 0, 0, 6, 12.0, 'active', 60 ),
	'Consultation' => $service( 'Free consultation', 15, 0, 0, 1, 0.0, 'disabled' ),
);
foreach ( array( array( 'Maria', 'Haircut' ), array( 'Maria', 'Colour' ), array( 'James', 'Haircut' ), array( 'James', 'Colour' ), array( 'Aisha', 'Yoga' ), array( 'Maria', 'Consultation' ) ) as list( $agent, $name ) ) {
	$insert( 'agents_services', array( 'agent_id' => $agents[ $agent ], 'service_id' => $services[ $name ], 'location_id' => $location, 'is_custom_hours' => 0 ) );
}
// General hours: Monday–Friday 09:00–17:00 for everyone (wildcards), Saturday 10:00–14:00.
for ( $day = 1; $day <= 5; $day++ ) {
	$insert( 'work_periods', array( 'agent_id' => 0, 'service_id' => 0, 'location_id' => 0, 'start_time' => 540, 'end_time' => 1020, 'week_day' => $day ) );
}
$insert( 'work_periods', array( 'agent_id' => 0, 'service_id' => 0, 'location_id' => 0, 'start_time' => 600, 'end_time' => 840, 'week_day' => 6 ) );
// Aisha keeps her own hours: mornings only, Monday to Thursday (her rows replace the general ones).
for ( $day = 1; $day <= 4; $day++ ) {
	$insert( 'work_periods', array( 'agent_id' => $agents['Aisha'], 'service_id' => 0, 'location_id' => 0, 'start_time' => 420, 'end_time' => 720, 'week_day' => $day ) );
}
// James takes next Wednesday off (a custom date, 0–0).
$tz        = wp_timezone();
$monday    = new DateTimeImmutable( 'monday next week', $tz );
$wednesday = $monday->modify( '+2 days' )->format( 'Y-m-d' );
$insert( 'work_periods', array( 'agent_id' => $agents['James'], 'service_id' => 0, 'location_id' => 0, 'start_time' => 0, 'end_time' => 0, 'week_day' => 3, 'custom_date' => $wednesday ) );
foreach ( array( 'timeblock_interval' => '30', 'timeslot_blocking_statuses' => 'approved' ) as $name => $value ) {
	if ( null === $wpdb->get_var( $wpdb->prepare( "SELECT id FROM {$p}settings WHERE name = %s", $name ) ) ) {
		$insert( 'settings', array( 'name' => $name, 'value' => $value ) );
	}
}

$customers = array();
foreach ( array( array( 'Olivia', 'Brown', 'olivia.brown@demo.example', '+44 7700 900001' ), array( 'Noah', 'Wilson', 'noah.wilson@demo.example', '+44 7700 900002' ), array( 'Amelia', 'Taylor', 'amelia.taylor@demo.example', '+44 7700 900003' ), array( 'Leo', 'Davies', 'leo.davies@demo.example', '+44 7700 900004' ) ) as list( $first, $last, $email, $phone ) ) {
	$customers[ $first ] = $insert( 'customers', array( 'first_name' => $first, 'last_name' => $last, 'email' => $email, 'phone' => $phone, 'status' => 'active', 'is_guest' => 0 ) );
}

$book = static function ( string $customer, string $agent, string $service_name, DateTimeImmutable $day, int $start, int $attendees = 1, string $status = 'approved' ) use ( $insert, $wpdb, $p, $customers, $agents, $services, $location, $lpapi_real_latepoint ): void {
	if ( $lpapi_real_latepoint ) {
		// Through LatePoint's models, as an API write: its codes, prices, activities and processes.
		LatePointApi\LatePoint\Booking_Writes::create(
			array(
				'customer_id'     => $customers[ $customer ],
				'service_id'      => $services[ $service_name ],
				'agent_id'        => $agents[ $agent ],
				'location_id'     => $location,
				'start_date'      => $day->format( 'Y-m-d' ),
				'start_time'      => sprintf( '%02d:%02d', intdiv( $start, 60 ), $start % 60 ),
				'total_attendees' => $attendees,
				'status'          => $status,
			)
		);
		return;
	}
	$svc   = $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$p}services WHERE id = %d", $services[ $service_name ] ), ARRAY_A );
	$end   = $start + (int) $svc['duration'];
	$local = $day->setTime( intdiv( $start, 60 ), $start % 60 );
	$utc   = static fn ( DateTimeImmutable $t ) => $t->setTimezone( new DateTimeZone( 'UTC' ) )->format( 'Y-m-d H:i:s' );
	$total = (float) $svc['charge_amount'] * $attendees;
	$code  = strtoupper( wp_generate_password( 7, false ) );
	$order = $insert( 'orders', array( 'subtotal' => $total, 'total' => $total, 'status' => 'open', 'fulfillment_status' => 'not_fulfilled', 'payment_status' => 'not_paid', 'customer_id' => $customers[ $customer ], 'confirmation_code' => $code ) );
	$row   = array(
		'customer_id'   => $customers[ $customer ],
		'agent_id'      => $agents[ $agent ],
		'location_id'   => $location,
		'service_id'    => (int) $svc['id'],
		'start_date'    => $day->format( 'Y-m-d' ),
		'start_time'    => $start,
		'end_date'      => $day->format( 'Y-m-d' ),
		'end_time'      => $end,
		'status'        => $status,
		'buffer_before' => (int) $svc['buffer_before'],
		'buffer_after'  => (int) $svc['buffer_after'],
		'duration'      => (int) $svc['duration'],
	);
	$item  = $insert( 'order_items', array( 'order_id' => $order, 'variant' => 'booking', 'item_data' => wp_json_encode( $row ), 'subtotal' => $total, 'total' => $total ) );
	$insert(
		'bookings',
		$row + array(
			'booking_code'       => $code,
			'start_datetime_utc' => $utc( $local ),
			'end_datetime_utc'   => $utc( $local->modify( '+' . $svc['duration'] . ' minutes' ) ),
			'order_item_id'      => $item,
			'total_attendees'    => $attendees,
		)
	);
};
$book( 'Olivia', 'Maria', 'Haircut', $monday, 600 );                 // Mon 10:00
$book( 'Noah', 'Maria', 'Colour', $monday, 780 );                    // Mon 13:00
$book( 'Amelia', 'James', 'Haircut', $monday->modify( '+1 day' ), 570 );
$book( 'Leo', 'Aisha', 'Yoga', $monday, 480, 4 );                    // Mon 08:00, 4 of 6 places
$book( 'Olivia', 'Aisha', 'Yoga', $monday->modify( '+1 day' ), 480, 2 );
$book( 'Noah', 'James', 'Haircut', $monday->modify( '+3 days' ), 660, 1, 'pending' );

printf( "==> LatePoint demo data: 3 agents, 4 services, 4 customers, 6 bookings from %s (James is off on %s)\n", $monday->format( 'Y-m-d' ), $wednesday );
