<?php
/**
 * When a booking may take place: its times from a start and the service, and
 * the check that its slot is free (LatePoint's rules, in Availability, and
 * the agent's blocking bookings). Knows nothing of REST.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Conflict_Error;
use LatePointApi\Support\Dates;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Slots of bookings.
 */
final class Booking_Slots {

	/**
	 * The booking's times from a date, a start minute and the service.
	 *
	 * @return array<string, mixed>
	 */
	public static function times( string $date, int $start, array $service ): array {
		$duration = max( 1, (int) $service['duration'] );
		$end      = $start + $duration;
		if ( $end > 24 * 60 ) {
			throw new Validation_Error( array( 'start_time' => __( 'The booking would end after midnight; pick an earlier start.', 'latepoint-api-keys' ) ) );
		}
		return array(
			'start_date'         => $date,
			'end_date'           => $date,
			'start_time'         => $start,
			'end_time'           => $end,
			'duration'           => $duration,
			'start_datetime_utc' => Dates::utc( $date, $start ),
			'end_datetime_utc'   => Dates::utc( $date, $end ),
		);
	}

	/**
	 * Throws a 409 slot_unavailable when the slot is taken: Availability's
	 * full check when it is there, and always the overlap check against the
	 * agent's blocking bookings (buffers of both sides included; bookings of the
	 * same service at the same start share its capacity).
	 *
	 * Call inside the write transaction: it locks the agent's bookings around the date.
	 */
	public static function check( array $b, array $service, ?int $ignore_id ): void {
		global $wpdb;
		if ( class_exists( Availability::class ) ) {
			$conflict = Availability::slot_conflict( (int) $b['agent_id'], (int) $b['service_id'], (int) $b['location_id'], $b['start_date'], (int) $b['start_time'], (int) $b['duration'], (int) $b['total_attendees'], $ignore_id );
			if ( null !== $conflict ) {
				throw new Conflict_Error( 'slot_unavailable', (string) ( $conflict['message'] ?? __( 'This slot is not available.', 'latepoint-api-keys' ) ), (array) ( $conflict['details'] ?? array() ) );
			}
		}
		$day      = new \DateTimeImmutable( $b['start_date'] );
		$from     = $day->modify( '-1 day' )->format( 'Y-m-d' );
		$to       = $day->modify( '+1 day' )->format( 'Y-m-d' );
		$rows     = $wpdb->get_results( $wpdb->prepare( 'SELECT id, service_id, start_date, start_time, end_date, end_time, buffer_before, buffer_after, status, total_attendees FROM ' . Tables::name( 'bookings' ) . ' WHERE agent_id = %d AND start_date BETWEEN %s AND %s FOR UPDATE', (int) $b['agent_id'], $from, $to ), ARRAY_A );
		$blocking = Tables::blocking_statuses();
		$base     = $day->getTimestamp();
		$abs      = static fn ( string $date, int $minute ) => intdiv( ( new \DateTimeImmutable( $date ) )->getTimestamp() - $base, 60 ) + $minute;
		$start    = (int) $b['start_time'] - (int) $b['buffer_before'];
		$end      = (int) $b['end_time'] + (int) $b['buffer_after'];
		$capacity = max( 1, (int) ( $service['capacity_max'] ?? 1 ) );
		$used     = 0;
		foreach ( $rows ?: array() as $row ) {
			if ( (int) $row['id'] === $ignore_id || ! in_array( $row['status'], $blocking, true ) ) {
				continue;
			}
			$row_start = $abs( $row['start_date'], (int) $row['start_time'] );
			$row_end   = $abs( $row['end_date'] ?: $row['start_date'], (int) $row['end_time'] );
			if ( $row_start - (int) $row['buffer_before'] >= $end || $start >= $row_end + (int) $row['buffer_after'] ) {
				continue;
			}
			if ( (int) $row['service_id'] === (int) $b['service_id'] && $row_start === (int) $b['start_time'] ) {
				$used += max( 1, (int) $row['total_attendees'] );
				continue;
			}
			throw new Conflict_Error( 'slot_unavailable', __( 'The agent has another booking at this time.', 'latepoint-api-keys' ), array( 'reason' => 'booked', 'conflicting_booking_id' => (int) $row['id'] ) );
		}
		if ( $used + (int) $b['total_attendees'] > $capacity ) {
			throw new Conflict_Error( 'slot_unavailable', __( 'This slot is full.', 'latepoint-api-keys' ), array( 'reason' => 'capacity', 'capacity' => $capacity, 'booked_attendees' => $used ) );
		}
	}
}
