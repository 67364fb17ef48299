<?php
/**
 * Free slots of a LatePoint service, computed as LatePoint does
 * (LatePoint's own rules, read from its code),
 * and the check of one proposed booking that the bookings code shares.
 *
 * A call runs a fixed number of queries whatever the date range: the
 * service, its agents (agents_services joined to active agents), the
 * locations, the settings, the work periods (Schedule) and the
 * blocking bookings.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Dates;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Storage_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Availability of slots.
 */
final class Availability {

	/** Longest range of one availability call, in days (both ends included). */
	const MAX_DAYS = 31;
	/** LatePoint's default slot interval when neither the service nor the settings give one. */
	const DEFAULT_INTERVAL = 30;

	/**
	 * Free slots of a service between two dates (site-local, Y-m-d, both included).
	 *
	 * @return array{slots: array[], interval: int}
	 * @throws Not_Found_Error When the service (or the given agent) does not exist.
	 */
	public static function slots( int $service_id, string $date_from, string $date_to, ?int $agent_id = null, ?int $location_id = null ): array {
		$service = self::service( $service_id );
		if ( null === $service ) {
			throw new Not_Found_Error( __( 'No service with this id.', 'latepoint-api-keys' ) );
		}
		if ( null !== $agent_id && null === self::agent( $agent_id ) ) {
			throw new Not_Found_Error( __( 'No agent with this id.', 'latepoint-api-keys' ) );
		}
		$settings = self::settings();
		$interval = (int) $service['timeblock_interval'] > 0 ? (int) $service['timeblock_interval'] : ( (int) ( $settings['timeblock_interval'] ?? 0 ) > 0 ? (int) $settings['timeblock_interval'] : self::DEFAULT_INTERVAL );
		if ( 'active' !== $service['status'] ) {
			return array( 'slots' => array(), 'interval' => $interval );
		}
		$pairs = self::agent_locations( $service_id, $agent_id, $location_id );
		if ( ! $pairs ) {
			return array( 'slots' => array(), 'interval' => $interval );
		}

		$tz       = wp_timezone();
		$now      = new \DateTimeImmutable( 'now', $tz );
		$earliest = self::relative( $now, $settings['earliest_possible_booking'] ?? '' );
		$earliest = null !== $earliest && $earliest > $now ? $earliest : $now;
		$latest   = self::relative( $now, $settings['latest_possible_booking'] ?? '' );
		// Clip the range to the booking window (whole days; the minutes are checked per slot).
		$date_from = max( $date_from, $earliest->format( 'Y-m-d' ) );
		if ( null !== $latest ) {
			$date_to = min( $date_to, $latest->format( 'Y-m-d' ) );
		}
		if ( $date_from > $date_to ) {
			return array( 'slots' => array(), 'interval' => $interval );
		}

		$agent_ids    = array_values( array_unique( array_column( $pairs, 0 ) ) );
		$location_ids = array_values( array_unique( array_column( $pairs, 1 ) ) );
		$schedule     = Schedule::load( $agent_ids, $service_id, $location_ids, $date_from, $date_to );
		$bookings     = self::bookings( $agent_ids, Tables::parse_blocking_statuses( (string) ( $settings['timeslot_blocking_statuses'] ?? '' ) ), $date_from, $date_to, null );

		$duration = max( 1, (int) $service['duration'] );
		$before   = max( 0, (int) $service['buffer_before'] );
		$after    = max( 0, (int) $service['buffer_after'] );
		$capacity = max( 1, (int) $service['capacity_max'] );
		$utc      = new \DateTimeZone( 'UTC' );
		$min_ts   = $earliest->getTimestamp();
		$max_ts   = null === $latest ? PHP_INT_MAX : $latest->getTimestamp();

		$slots = array();
		foreach ( self::dates( $date_from, $date_to ) as $date ) {
			$day      = Dates::day_index( $date );
			$midnight = new \DateTimeImmutable( $date . ' 00:00:00', $tz );
			foreach ( $pairs as list( $agent, $location ) ) {
				$seen = array();
				foreach ( $schedule->periods( $agent, $location, $date ) as list( $start, $end ) ) {
					for ( $t = $start; $t + $duration <= $end; $t += $interval ) {
						if ( isset( $seen[ $t ] ) ) {
							continue;
						}
						$seen[ $t ] = true;
						$local      = $midnight->setTime( intdiv( $t, 60 ), $t % 60 );
						$ts         = $local->getTimestamp();
						if ( $ts < $min_ts || $ts > $max_ts ) {
							continue;
						}
						$used = self::used( $bookings[ $agent ] ?? array(), $service_id, $date, $t, $day * 1440 + $t - $before, $day * 1440 + $t + $duration + $after );
						if ( null === $used || $capacity - $used < 1 ) {
							continue;
						}
						$slots[] = array(
							'date'               => $date,
							'start_time'         => Dates::hhmm( $t ),
							'end_time'           => Dates::hhmm( $t + $duration ),
							'start_datetime'     => $local->format( 'c' ),
							'start_datetime_utc' => $local->setTimezone( $utc )->format( 'Y-m-d\TH:i:s\Z' ),
							'agent_id'           => $agent,
							'location_id'        => $location,
							'capacity_left'      => $capacity - $used,
							'_sort'              => $ts,
						);
					}
				}
			}
		}
		usort(
			$slots,
			static function ( $a, $b ) {
				return array( $a['_sort'], $a['agent_id'], $a['location_id'] ) <=> array( $b['_sort'], $b['agent_id'], $b['location_id'] );
			}
		);
		foreach ( $slots as &$slot ) {
			unset( $slot['_sort'] );
		}
		unset( $slot );
		return array( 'slots' => $slots, 'interval' => $interval );
	}

	/**
	 * Checks one proposed booking: null when it can be booked, otherwise
	 * a slot_unavailable error with details.reason one of service_not_found,
	 * service_inactive, agent_not_found, agent_inactive, service_not_offered
	 * (agent not connected to the service at that location), agent_not_working
	 * (start + duration outside the agent's work periods), overlap (a blocking
	 * booking, buffers of both included), capacity (same service and start,
	 * not enough places left). The booking window settings
	 * (earliest/latest_possible_booking, past times) are not checked here.
	 *
	 * @param string   $date              Site-local Y-m-d.
	 * @param int      $start_minute      Minutes from midnight.
	 * @param int      $duration          Minutes.
	 * @param int|null $ignore_booking_id A booking being moved, not counted against itself.
	 * @return array{code: string, message: string, details: array}|null
	 */
	public static function slot_conflict( int $agent_id, int $service_id, int $location_id, string $date, int $start_minute, int $duration, int $attendees = 1, ?int $ignore_booking_id = null ): ?array {
		$service = self::service( $service_id );
		if ( null === $service ) {
			return self::conflict( 'service_not_found', __( 'The service does not exist.', 'latepoint-api-keys' ) );
		}
		if ( 'active' !== $service['status'] ) {
			return self::conflict( 'service_inactive', __( 'The service is not active.', 'latepoint-api-keys' ) );
		}
		$agent = self::agent( $agent_id );
		if ( null === $agent ) {
			return self::conflict( 'agent_not_found', __( 'The agent does not exist.', 'latepoint-api-keys' ) );
		}
		if ( 'active' !== $agent['status'] ) {
			return self::conflict( 'agent_inactive', __( 'The agent is not active.', 'latepoint-api-keys' ) );
		}
		$offered = false;
		foreach ( self::agent_locations( $service_id, $agent_id, null ) as list( , $location ) ) {
			$offered = $offered || $location === $location_id;
		}
		if ( ! $offered ) {
			return self::conflict( 'service_not_offered', __( 'The agent does not offer this service at this location.', 'latepoint-api-keys' ) );
		}
		$schedule = Schedule::load( array( $agent_id ), $service_id, array( $location_id ), $date, $date );
		if ( ! $schedule->covers( $agent_id, $location_id, $date, $start_minute, $duration ) ) {
			return self::conflict( 'agent_not_working', __( 'The agent does not work at that time.', 'latepoint-api-keys' ) );
		}
		$settings = self::settings();
		$bookings = self::bookings( array( $agent_id ), Tables::parse_blocking_statuses( (string) ( $settings['timeslot_blocking_statuses'] ?? '' ) ), $date, $date, $ignore_booking_id );
		$day      = Dates::day_index( $date );
		$used     = self::used(
			$bookings[ $agent_id ] ?? array(),
			$service_id,
			$date,
			$start_minute,
			$day * 1440 + $start_minute - max( 0, (int) $service['buffer_before'] ),
			$day * 1440 + $start_minute + $duration + max( 0, (int) $service['buffer_after'] )
		);
		if ( null === $used ) {
			return self::conflict( 'overlap', __( 'The agent already has a booking at that time.', 'latepoint-api-keys' ) );
		}
		$capacity = max( 1, (int) $service['capacity_max'] );
		if ( $capacity - $used < max( 1, $attendees ) ) {
			return self::conflict(
				'capacity',
				__( 'Not enough places left in that slot.', 'latepoint-api-keys' ),
				array(
					'capacity_max'  => $capacity,
					'capacity_left' => max( 0, $capacity - $used ),
				)
			);
		}
		return null;
	}

	/**
	 * Attendees already in the slot, or null when the slot is blocked: a
	 * booking of the same service starting at the same time uses up places,
	 * any other overlapping booking (buffers of both sides included) blocks.
	 *
	 * @param array[] $bookings the agent's blocking bookings
	 */
	private static function used( array $bookings, int $service_id, string $date, int $start, int $from, int $to ): ?int {
		$used = 0;
		foreach ( $bookings as $b ) {
			if ( $b['from'] >= $to || $b['to'] <= $from ) {
				continue;
			}
			if ( $b['service_id'] === $service_id && $b['start_date'] === $date && $b['start_time'] === $start ) {
				$used += $b['attendees'];
				continue;
			}
			return null;
		}
		return $used;
	}

	/** @return array{code: string, message: string, details: array} */
	private static function conflict( string $reason, string $message, array $extra = array() ): array {
		return array(
			'code'    => 'slot_unavailable',
			'message' => $message,
			'details' => array( 'reason' => $reason ) + $extra,
		);
	}

	/** The service row, or null. */
	private static function service( int $id ): ?array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT id, status, duration, buffer_before, buffer_after, timeblock_interval, capacity_max FROM ' . Tables::name( 'services' ) . ' WHERE id = %d', $id ), ARRAY_A );
		self::check();
		return $row ? $row : null;
	}

	/** The agent row (id, status), or null. */
	private static function agent( int $id ): ?array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT id, status FROM ' . Tables::name( 'agents' ) . ' WHERE id = %d', $id ), ARRAY_A );
		self::check();
		return $row ? $row : null;
	}

	/**
	 * [agent_id, location_id] pairs that offer the service: agents_services
	 * rows of active agents; a row without a location stands for every
	 * location; locations that exist but are not active are left out.
	 *
	 * @return array<int, array{0: int, 1: int}>
	 */
	private static function agent_locations( int $service_id, ?int $agent_id, ?int $location_id ): array {
		global $wpdb;
		$sql = 'SELECT s.agent_id, s.location_id FROM ' . Tables::name( 'agents_services' ) . ' s JOIN ' . Tables::name( 'agents' ) . " a ON a.id = s.agent_id WHERE a.status = 'active' AND " . $wpdb->prepare( 's.service_id = %d', $service_id );
		if ( null !== $agent_id ) {
			$sql .= $wpdb->prepare( ' AND s.agent_id = %d', $agent_id );
		}
		$rows = $wpdb->get_results( $sql . ' ORDER BY s.agent_id, s.location_id', ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared -- $sql is built above from literals, Tables::name() and $wpdb->prepare().
		self::check();
		$locations = $wpdb->get_results( 'SELECT id, status FROM ' . Tables::name( 'locations' ), ARRAY_A );
		self::check();
		$active   = array();
		$inactive = array();
		foreach ( (array) $locations as $loc ) {
			if ( 'active' === $loc['status'] ) {
				$active[] = (int) $loc['id'];
			} else {
				$inactive[ (int) $loc['id'] ] = true;
			}
		}
		$pairs = array();
		foreach ( (array) $rows as $row ) {
			$loc  = (int) $row['location_id'];
			$locs = $loc > 0 ? array( $loc ) : ( $active ? $active : array( 0 ) );
			foreach ( $locs as $l ) {
				if ( isset( $inactive[ $l ] ) || ( null !== $location_id && $l !== $location_id ) ) {
					continue;
				}
				$pairs[ $row['agent_id'] . '|' . $l ] = array( (int) $row['agent_id'], $l );
			}
		}
		return array_values( $pairs );
	}

	/** The LatePoint settings availability needs, in one query (the newest row of a name wins). */
	private static function settings(): array {
		global $wpdb;
		$rows = $wpdb->get_results( 'SELECT name, value FROM ' . Tables::name( 'settings' ) . " WHERE name IN ('timeslot_blocking_statuses', 'timeblock_interval', 'earliest_possible_booking', 'latest_possible_booking') ORDER BY id", ARRAY_A );
		self::check();
		$out = array();
		foreach ( (array) $rows as $row ) {
			$out[ $row['name'] ] = (string) $row['value'];
		}
		return $out;
	}

	/**
	 * Blocking bookings of these agents near the range (a day either side, for
	 * buffers and bookings over midnight), by agent, each with its blocked
	 * span in absolute minutes (day index × 1440 + minute), buffers included.
	 *
	 * @return array<int, array[]>
	 */
	private static function bookings( array $agent_ids, array $statuses, string $date_from, string $date_to, ?int $ignore_id ): array {
		global $wpdb;
		if ( ! $agent_ids || ! $statuses ) {
			return array();
		}
		$from = gmdate( 'Y-m-d', ( Dates::day_index( $date_from ) - 1 ) * 86400 );
		$to   = gmdate( 'Y-m-d', ( Dates::day_index( $date_to ) + 1 ) * 86400 );
		$sql  = 'SELECT id, agent_id, service_id, start_date, end_date, start_time, end_time, duration, buffer_before, buffer_after, total_attendees FROM ' . Tables::name( 'bookings' )
			. ' WHERE agent_id IN (' . implode( ',', array_map( 'intval', $agent_ids ) ) . ')'
			. ' AND status IN (' . implode( ',', array_fill( 0, count( $statuses ), '%s' ) ) . ')'
			. ' AND start_date <= %s AND COALESCE(end_date, start_date) >= %s';
		$args = array_merge( $statuses, array( $to, $from ) );
		if ( null !== $ignore_id ) {
			$sql   .= ' AND id <> %d';
			$args[] = $ignore_id;
		}
		$rows = $wpdb->get_results( $wpdb->prepare( $sql, $args ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $sql is literal SQL over Tables::name() with the placeholders of $args.
		self::check();
		$out = array();
		foreach ( (array) $rows as $row ) {
			if ( ! Dates::is_date( (string) $row['start_date'] ) ) {
				continue;
			}
			$start     = (int) $row['start_time'];
			$end       = null === $row['end_time'] ? $start + (int) $row['duration'] : (int) $row['end_time'];
			$start_day = Dates::day_index( (string) $row['start_date'] );
			$end_day   = Dates::is_date( (string) $row['end_date'] ) ? Dates::day_index( (string) $row['end_date'] ) : $start_day;
			$abs_from  = $start_day * 1440 + $start;
			$abs_to    = $end_day * 1440 + $end;
			if ( $abs_to < $abs_from ) {
				$abs_to += 1440;
			}
			$out[ (int) $row['agent_id'] ][] = array(
				'service_id' => (int) $row['service_id'],
				'start_date' => (string) $row['start_date'],
				'start_time' => $start,
				'attendees'  => max( 1, (int) $row['total_attendees'] ),
				'from'       => $abs_from - max( 0, (int) $row['buffer_before'] ),
				'to'         => $abs_to + max( 0, (int) $row['buffer_after'] ),
			);
		}
		return $out;
	}

	/** now modified by a setting such as "+2 hours", or null when unset or not understood. */
	private static function relative( \DateTimeImmutable $now, string $modifier ): ?\DateTimeImmutable {
		$modifier = trim( $modifier );
		if ( '' === $modifier ) {
			return null;
		}
		try {
			$when = @$now->modify( $modifier ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- an invalid modifier in LatePoint's setting warns; false means no limit.
		} catch ( \Throwable $e ) {
			return null;
		}
		return $when instanceof \DateTimeImmutable ? $when : null;
	}

	/** @return string[] every Y-m-d from $from to $to */
	private static function dates( string $from, string $to ): array {
		$out = array();
		for ( $d = Dates::day_index( $from ), $last = Dates::day_index( $to ); $d <= $last; $d++ ) {
			$out[] = Dates::date_of( $d );
		}
		return $out;
	}

	/** Throws a Storage_Error when the last query failed. */
	private static function check(): void {
		global $wpdb;
		if ( '' !== $wpdb->last_error ) {
			throw new Storage_Error( 'A LatePoint table could not be read.' );
		}
	}
}
