<?php
/**
 * When a booking may take place: its times from a start and the service, and
 * the check that LatePoint's booking form would offer its slot, for its
 * number of attendees (the same engine as GET /availability: Availability).
 * Knows nothing of REST.
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
	 * Throws a 409 slot_unavailable (details.reason says why, see refusal())
	 * unless LatePoint's booking form would offer this booking's slot for its
	 * total_attendees, not counting the booking $ignore_id (the one being
	 * changed).
	 *
	 * Call inside the write transaction: it locks the agent's row (and the
	 * location's, when the setting one_agent_at_location is on) and the
	 * bookings it reads, so concurrent writes for the same agent take turns
	 * and each sees the ones before it.
	 *
	 * @param array $b       the booking: agent_id, service_id, location_id, start_date, start_time, duration, buffer_before, buffer_after, total_attendees
	 * @param array $service its service row (its duration stands in for a booking without one)
	 */
	public static function check( array $b, array $service, ?int $ignore_id ): void {
		$refusal = self::refusal( $b + array( 'duration' => $service['duration'] ?? 1 ), $ignore_id, true );
		if ( null !== $refusal ) {
			throw new Conflict_Error( 'slot_unavailable', $refusal['message'], $refusal['details'] );
		}
	}

	/**
	 * Why LatePoint's booking form would not offer this booking's slot, or
	 * null when it would. details.reason is one of: service_not_found,
	 * service_inactive, agent_not_found, agent_inactive, location_inactive
	 * (missing or not active), service_not_offered (the agent does not offer
	 * the service at that location), past (the start is before now), too_late
	 * (the date is after latest_possible_booking's), too_early (before now +
	 * earliest_possible_booking, the booking's buffer before included),
	 * agent_not_working (start + duration outside the working hours),
	 * not_on_grid (within working hours but not one of the slot starts, every
	 * details.interval minutes from the start of a work period), blocked (a
	 * blocked period, from a LatePoint add-on), overlap (another booking
	 * blocks the time completely; details.conflicting_booking_id), capacity
	 * (not enough places: details.capacity_max, capacity_left, attendees, and
	 * minimum_reached when capacity_min already fills the slot).
	 *
	 * @param bool $lock lock the rows that decide it (inside a write transaction)
	 * @return array{message: string, details: array}|null
	 */
	public static function refusal( array $b, ?int $ignore_id = null, bool $lock = false ): ?array {
		$agent_id    = (int) $b['agent_id'];
		$location_id = (int) $b['location_id'];
		$date        = (string) $b['start_date'];
		$t           = (int) $b['start_time'];
		$attendees   = max( 1, (int) ( $b['total_attendees'] ?? 1 ) );
		$service     = Availability_Data::service( (int) $b['service_id'] );
		$refused     = self::refused_resource( $service, $agent_id, $location_id );
		if ( null !== $refused ) {
			return $refused;
		}
		$settings = Availability_Data::settings();
		$window   = Availability::window( $settings );
		if ( $date < $window['today'] || ( $date === $window['today'] && $t < $window['now_minute'] ) ) {
			return self::no( 'past', __( 'The start is in the past.', 'latepoint-api-keys' ) );
		}
		if ( null !== $window['last_date'] && $date > $window['last_date'] ) {
			return self::no( 'too_late', __( 'The date is after the latest possible booking.', 'latepoint-api-keys' ), array( 'latest_date' => $window['last_date'] ) );
		}
		$earliest = array( 'earliest' => $window['block_end']->format( 'c' ) );
		if ( $date < $window['first_date'] ) {
			return self::no( 'too_early', __( 'The start is earlier than the earliest possible booking.', 'latepoint-api-keys' ), $earliest );
		}
		$request  = array(
			'duration'      => max( 1, (int) $b['duration'] ),
			'buffer_before' => max( 0, (int) ( $b['buffer_before'] ?? 0 ) ),
			'buffer_after'  => max( 0, (int) ( $b['buffer_after'] ?? 0 ) ),
		);
		$grid     = Availability::grid( $service, array( array( $agent_id, $location_id ) ), $date, $date, $request, $settings, $window, $ignore_id, $lock );
		$slot     = $grid['days'][ $date ][ $agent_id . '|' . $location_id ][ $t ] ?? null;
		$capacity = Availability::capacity( $service );
		if ( null === $slot ) {
			if ( $grid['schedule']->covers( $agent_id, $location_id, $date, $t, $request['duration'] ) ) {
				/* translators: %d: minutes */
				return self::no( 'not_on_grid', sprintf( __( 'Slots start every %d minutes from the start of the working hours; this start is not one of them.', 'latepoint-api-keys' ), $grid['interval'] ), array( 'interval' => $grid['interval'] ) );
			}
			return self::no( 'agent_not_working', __( 'The agent does not work at that time.', 'latepoint-api-keys' ) );
		}
		if ( $slot['window'] ) {
			return self::no( 'too_early', __( 'The start is earlier than the earliest possible booking.', 'latepoint-api-keys' ), $earliest );
		}
		if ( $slot['blocked'] ) {
			return self::no( 'blocked', __( 'That time is blocked.', 'latepoint-api-keys' ) );
		}
		if ( Availability::offers( $slot, $capacity, $attendees ) ) {
			return null;
		}
		if ( $slot['overlap'] ) {
			return self::no( 'overlap', __( 'Another booking blocks that time.', 'latepoint-api-keys' ), null === $slot['overlap_id'] ? array() : array( 'conflicting_booking_id' => $slot['overlap_id'] ) );
		}
		$details = array(
			'capacity_max'  => $capacity['max'],
			'capacity_left' => max( 0, $capacity['max'] - $slot['booked'] ),
			'attendees'     => $attendees,
		);
		if ( $slot['booked'] >= $capacity['blocking'] && $capacity['blocking'] < $capacity['max'] ) {
			$details['minimum_reached'] = true;
		}
		return self::no( 'capacity', __( 'Not enough places left in that slot.', 'latepoint-api-keys' ), $details );
	}

	/** A refusal for the service, agent and location themselves, or null when they can take bookings. */
	private static function refused_resource( ?array $service, int $agent_id, int $location_id ): ?array {
		if ( null === $service ) {
			return self::no( 'service_not_found', __( 'The service does not exist.', 'latepoint-api-keys' ) );
		}
		if ( 'active' !== $service['status'] ) {
			return self::no( 'service_inactive', __( 'The service is not active.', 'latepoint-api-keys' ) );
		}
		$agent = Availability_Data::row( 'agents', $agent_id );
		if ( null === $agent ) {
			return self::no( 'agent_not_found', __( 'The agent does not exist.', 'latepoint-api-keys' ) );
		}
		if ( 'active' !== $agent['status'] ) {
			return self::no( 'agent_inactive', __( 'The agent is not active.', 'latepoint-api-keys' ) );
		}
		$location = Availability_Data::row( 'locations', $location_id );
		if ( null === $location || 'active' !== $location['status'] ) {
			return self::no( 'location_inactive', __( 'The location does not exist or is not active.', 'latepoint-api-keys' ) );
		}
		if ( ! Availability_Data::resources( (int) $service['id'], $agent_id, $location_id ) ) {
			return self::no( 'service_not_offered', __( 'The agent does not offer this service at this location.', 'latepoint-api-keys' ) );
		}
		return null;
	}

	/** @return array{message: string, details: array} */
	private static function no( string $reason, string $message, array $extra = array() ): array {
		return array(
			'message' => $message,
			'details' => array( 'reason' => $reason ) + $extra,
		);
	}
}
