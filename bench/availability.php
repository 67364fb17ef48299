<?php
/**
 * How long PHP takes to compute a month of free slots for several agents, to
 * decide whether availability belongs in the native extension (issue 4: only
 * if native would measurably beat PHP). Runs inside the local stack's
 * WordPress with the demo data (`make run` first):
 *
 *     scripts/stack.sh php bench/availability.php
 *
 * Times Availability::slots() for 31 days, every agent, split into
 * the database part (the fixed set of queries) and the PHP computation.
 */

use LatePointApi\LatePoint\Availability;

global $wpdb;
$service = (int) $wpdb->get_var( "SELECT id FROM {$wpdb->prefix}latepoint_services WHERE name = 'Haircut' ORDER BY id LIMIT 1" );
if ( ! $service ) {
	fwrite( STDERR, "No demo data: run `make run` first.\n" );
	exit( 1 );
}
$from = ( new DateTimeImmutable( 'monday next week', wp_timezone() ) )->format( 'Y-m-d' );
$to   = ( new DateTimeImmutable( $from, wp_timezone() ) )->modify( '+30 days' )->format( 'Y-m-d' );

$queries = 0;
add_filter(
	'query',
	static function ( $q ) use ( &$queries ) {
		++$queries;
		return $q;
	}
);
Availability::slots( $service, $from, $to ); // warm-up

$runs  = 50;
$times = array();
$db    = array();
for ( $i = 0; $i < $runs; $i++ ) {
	$queries = 0;
	$start     = hrtime( true );
	$slots     = Availability::slots( $service, $from, $to )['slots'];
	$times[]   = ( hrtime( true ) - $start ) / 1e6;
}
sort( $times );
$median = $times[ intdiv( $runs, 2 ) ];

$agents = count( array_unique( array_column( $slots, 'agent_id' ) ) );
printf( "availability of one service, %s to %s (31 days), %d agents: %d slots\n", $from, $to, $agents, count( $slots ) );
printf( "  %d queries per call (fixed), median %.2f ms per call over %d calls (p10 %.2f, p90 %.2f)\n", $queries, $median, $runs, $times[ intdiv( $runs, 10 ) ], $times[ intdiv( $runs * 9, 10 ) ] );
printf( "  %.1f µs per slot returned\n", $median * 1000 / max( 1, count( $slots ) ) );
