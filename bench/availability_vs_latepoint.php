<?php
/**
 * The plugin's availability engine against LatePoint's own, side by side in one run: a month of free
 * slots of one service for 3 agents, each engine called the way it is used (the plugin:
 * Availability::slots(), one call for the range; LatePoint: its booking form's calendar, one
 * OsResourceHelper::get_resources_grouped_by_day() for the range, then per day its ordered slots and
 * BookingSlot::can_accomodate()). Reported as times, queries and the ratio; both must find the same
 * slots, or the run says so and fails.
 *
 * Needs a stack with real LatePoint (WordPress 6.5):
 *
 *     LPAPI_WP=6.5 scripts/stack.sh start
 *     LPAPI_WP=6.5 scripts/stack.sh php bench/availability_vs_latepoint.php
 *
 * Its data (3 agents working Monday to Saturday 09:00-17:00, a 45-minute service with a 15-minute
 * buffer after, 40 approved bookings over the month) is written inside a transaction that is rolled
 * back at the end: the site is left as it was.
 */

use LatePointApi\LatePoint\Availability;

if ( ! class_exists( 'OsResourceHelper' ) ) {
	fwrite( STDERR, "LatePoint is not active on this stack: start it with LPAPI_WP=6.5 (scripts/get-latepoint.sh first).\n" );
	exit( 2 );
}

global $wpdb;
$p   = $wpdb->prefix . 'latepoint_';
$now = current_time( 'mysql' );
$wpdb->query( 'START TRANSACTION' );
$insert = static function ( string $table, array $row ) use ( $wpdb, $p, $now ): int {
	$wpdb->insert( $p . $table, $row + array( 'created_at' => $now, 'updated_at' => $now ) );
	return (int) $wpdb->insert_id;
};

try {
	$location = (int) OsLocationHelper::get_default_location_id();
	$service  = $insert( 'services', array( 'name' => 'Bench cut', 'duration' => 45, 'buffer_before' => 0, 'buffer_after' => 15, 'capacity_min' => 1, 'capacity_max' => 1, 'charge_amount' => 30, 'timeblock_interval' => 15, 'status' => 'active', 'visibility' => 'visible' ) );
	$customer = $insert( 'customers', array( 'first_name' => 'Bench', 'last_name' => 'Customer', 'email' => 'bench.' . bin2hex( random_bytes( 4 ) ) . '@example.com', 'status' => 'active' ) );
	$agents   = array();
	for ( $a = 1; $a <= 3; $a++ ) {
		$agents[] = $agent = $insert( 'agents', array( 'first_name' => "Bench{$a}", 'last_name' => 'Agent', 'email' => "bench.agent{$a}." . bin2hex( random_bytes( 3 ) ) . '@example.com', 'status' => 'active' ) );
		$insert( 'agents_services', array( 'agent_id' => $agent, 'service_id' => $service, 'location_id' => $location ) );
		for ( $day = 1; $day <= 7; $day++ ) {
			$insert( 'work_periods', array( 'agent_id' => $agent, 'service_id' => 0, 'location_id' => 0, 'start_time' => 7 === $day ? 0 : 540, 'end_time' => 7 === $day ? 0 : 1020, 'week_day' => $day ) );
		}
	}
	$zone = wp_timezone();
	$from = ( new DateTimeImmutable( 'tomorrow', $zone ) )->format( 'Y-m-d' );
	$to   = ( new DateTimeImmutable( $from, $zone ) )->modify( '+30 days' )->format( 'Y-m-d' );
	for ( $i = 0; $i < 40; $i++ ) {
		$date  = ( new DateTimeImmutable( $from, $zone ) )->modify( '+' . ( $i % 30 ) . ' days' )->format( 'Y-m-d' );
		$start = 540 + 60 * ( $i % 7 );
		$insert( 'bookings', array( 'booking_code' => 'BENCH' . $i, 'start_date' => $date, 'end_date' => $date, 'start_time' => $start, 'end_time' => $start + 45, 'buffer_before' => 0, 'buffer_after' => 15, 'duration' => 45, 'status' => 'approved', 'customer_id' => $customer, 'service_id' => $service, 'agent_id' => $agents[ $i % 3 ], 'location_id' => $location, 'total_attendees' => 1 ) );
	}

	$queries = 0;
	add_filter(
		'query',
		static function ( $q ) use ( &$queries ) {
			++$queries;
			return $q;
		}
	);
	$ours = static function () use ( $service, $from, $to ): array {
		$found = array();
		foreach ( Availability::slots( $service, $from, $to )['slots'] as $slot ) {
			$found[] = $slot['start_date'] . ' ' . $slot['start_time'] . ' ' . $slot['agent_id'];
		}
		return $found;
	};
	$latepoints = static function () use ( $service, $from, $to ): array {
		$model   = new OsServiceModel( $service );
		$request = new \LatePoint\Misc\BookingRequest(
			array(
				'service_id'      => $service,
				'agent_id'        => 0,
				'location_id'     => 0,
				'duration'        => (int) $model->duration,
				'buffer_before'   => (int) $model->buffer_before,
				'buffer_after'    => (int) $model->buffer_after,
				'total_attendees' => 1,
				'start_date'      => $from,
			)
		);
		$found = array();
		foreach ( OsResourceHelper::get_resources_grouped_by_day( $request, new OsWpDateTime( $from ), new OsWpDateTime( $to ) ) as $date => $resources ) {
			foreach ( $resources as $resource ) {
				foreach ( OsResourceHelper::get_ordered_booking_slots_from_resources( array( $resource ) ) as $slot ) {
					if ( $slot->can_accomodate( 1 ) ) {
						$found[] = sprintf( '%s %02d:%02d %d', $date, intdiv( $slot->start_time, 60 ), $slot->start_time % 60, $resource->agent_id );
					}
				}
			}
		}
		return $found;
	};

	$measure = static function ( callable $engine ) use ( &$queries ): array {
		$queries = 0;
		$start   = hrtime( true );
		$found   = $engine();
		return array( ( hrtime( true ) - $start ) / 1e6, $queries, $found );
	};
	// Each engine's first call in this process (what one request pays), then 30 calls each, alternating.
	$first = array( 'plugin' => $measure( $ours ), 'latepoint' => $measure( $latepoints ) );
	$times = array( 'plugin' => array(), 'latepoint' => array() );
	for ( $i = 0; $i < 30; $i++ ) {
		foreach ( array( 'plugin' => $ours, 'latepoint' => $latepoints ) as $name => $engine ) {
			$times[ $name ][] = $measure( $engine );
		}
	}
	$median = static function ( array $runs ): float {
		$ms = array_column( $runs, 0 );
		sort( $ms );
		return $ms[ intdiv( count( $ms ), 2 ) ];
	};
	$a = array_unique( $first['plugin'][2] );
	$b = array_unique( $first['latepoint'][2] );
	sort( $a );
	sort( $b );
	printf( "a month of slots (%s to %s), 1 service, 3 agents, 40 bookings: plugin %d slots, LatePoint %d distinct slots\n", $from, $to, count( $a ), count( $b ) );
	printf( "  first call:  plugin %.2f ms, %d queries; LatePoint %.2f ms, %d queries\n", $first['plugin'][0], $first['plugin'][1], $first['latepoint'][0], $first['latepoint'][1] );
	printf( "  median of 30: plugin %.2f ms, %d queries; LatePoint %.2f ms, %d queries\n", $median( $times['plugin'] ), end( $times['plugin'] )[1], $median( $times['latepoint'] ), end( $times['latepoint'] )[1] );
	printf( "  ratio (LatePoint / plugin): first call %.1fx, median %.1fx\n", $first['latepoint'][0] / max( 0.001, $first['plugin'][0] ), $median( $times['latepoint'] ) / max( 0.001, $median( $times['plugin'] ) ) );
	$same = $a === $b;
	echo $same ? "  same slots: yes\n" : "  same slots: NO\n    plugin only: " . implode( ', ', array_slice( array_diff( $a, $b ), 0, 10 ) ) . "\n    LatePoint only: " . implode( ', ', array_slice( array_diff( $b, $a ), 0, 10 ) ) . "\n";
} finally {
	$wpdb->query( 'ROLLBACK' );
}
exit( $same ? 0 : 1 );
