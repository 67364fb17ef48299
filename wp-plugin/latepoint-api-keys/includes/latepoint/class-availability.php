<?php
/**
 * Free slots of a LatePoint service, computed as LatePoint 5's booking form
 * computes them (its rules, written here in the plugin's own code, so reads
 * need nothing of LatePoint loaded), and the parts the booking check
 * (Booking_Slots) shares.
 *
 * A resource is an agent offering the service at a location (an
 * agents_services row whose agent and location are active). Per resource and
 * day: the work periods (Schedule); candidate starts from each period's start
 * every `interval` minutes while start + duration fits; each candidate's span
 * is [start - buffer_before, start + duration + buffer_after]. Each blocking
 * booking of that day whose own buffered span overlaps it (strictly: touching
 * is no overlap) counts:
 *
 * - same agent, service and location: its total_attendees are booked;
 * - same agent, another location: the slot is full only with the setting
 *   one_location_at_time on;
 * - same agent and location, another service: full unless the setting
 *   multiple_services_at_time is on;
 * - another agent, same location: full only with one_agent_at_location on.
 *
 * A blocked period (now to now + earliest_possible_booking, and add-ons'
 * periods) overlapping the span fills the slot. A slot is offered for N
 * attendees when booked < the blocking capacity (capacity_max, or capacity_min
 * when the service's meta block_timeslot_when_minimum_capacity_met is on;
 * 0 counts as 1) and capacity_max - booked >= N.
 *
 * A call runs a fixed number of queries whatever the date range: the
 * service (with its meta), the agent, the settings, the resources, the work
 * periods and the blocking bookings (plus the row locks of a booking check).
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Dates;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Availability of slots.
 */
final class Availability {

	/** Longest range of one availability call, in days (both ends included). */
	const MAX_DAYS = 31;
	/** LatePoint's default slot interval when neither the service nor the settings give one. */
	const DEFAULT_INTERVAL = 30;
	/** The LatePoint settings availability reads. */
	const SETTINGS = array( 'timeslot_blocking_statuses', 'timeblock_interval', 'earliest_possible_booking', 'latest_possible_booking', 'one_location_at_time', 'one_agent_at_location', 'multiple_services_at_time' );
	/** The service meta that makes capacity_min the blocking capacity. */
	const BLOCK_META = 'block_timeslot_when_minimum_capacity_met';

	/**
	 * Free slots of a service between two dates (site-local, Y-m-d, both
	 * included) for this many attendees.
	 *
	 * @return array{slots: array[], interval: int}
	 * @throws Not_Found_Error When the service (or the given agent) does not exist.
	 * @throws Validation_Error When $attendees is more than the service's capacity_max.
	 */
	public static function slots( int $service_id, string $date_from, string $date_to, ?int $agent_id = null, ?int $location_id = null, int $attendees = 1 ): array {
		$service = Availability_Data::service( $service_id );
		if ( null === $service ) {
			throw new Not_Found_Error( __( 'No service with this id.', 'latepoint-api-keys' ) );
		}
		if ( null !== $agent_id && null === Availability_Data::row( 'agents', $agent_id ) ) {
			throw new Not_Found_Error( __( 'No agent with this id.', 'latepoint-api-keys' ) );
		}
		$settings = Availability_Data::settings();
		$interval = self::interval( $service, $settings );
		$capacity = self::capacity( $service );
		if ( $attendees > max( 1, $capacity['max'] ) ) {
			/* translators: %d: the service's capacity_max */
			throw new Validation_Error( array( 'attendees' => sprintf( __( 'At most %d for this service (its capacity_max).', 'latepoint-api-keys' ), max( 1, $capacity['max'] ) ) ) );
		}
		$none      = array( 'slots' => array(), 'interval' => $interval );
		$resources = 'active' === $service['status'] ? Availability_Data::resources( $service_id, $agent_id, $location_id ) : array();
		$window    = self::window( $settings );
		// The booking form's calendar: from today (or the earliest possible booking's date) to the latest possible booking's date.
		$date_from = max( $date_from, $window['first_date'] );
		$date_to   = null === $window['last_date'] ? $date_to : min( $date_to, $window['last_date'] );
		if ( ! $resources || $date_from > $date_to ) {
			return $none;
		}
		$grid  = self::grid( $service, $resources, $date_from, $date_to, self::service_request( $service ), $settings, $window, null );
		$tz    = wp_timezone();
		$slots = array();
		foreach ( $grid['days'] as $date => $day ) {
			$clock = self::clock( $date, $tz );
			foreach ( $day as $resource => $starts ) {
				list( $agent, $location ) = array_map( 'intval', explode( '|', $resource ) );
				foreach ( $starts as $t => $slot ) {
					if ( ! self::offers( $slot, $capacity, $attendees ) ) {
						continue;
					}
					list( $ts, $local, $utc ) = $clock( $t );
					$slots[ sprintf( '%011d|%010d|%010d', $ts + 20000000000, $agent, $location ) ] = array(
						'start_date'         => $date,
						'start_time'         => Dates::hhmm( $t ),
						'end_time'           => Dates::hhmm( $t + $grid['duration'] ),
						'start_datetime'     => $local,
						'start_datetime_utc' => $utc,
						'service_id'         => $service_id,
						'agent_id'           => $agent,
						'location_id'        => $location,
						'capacity_left'      => $capacity['max'] - $slot['booked'],
					);
				}
			}
		}
		ksort( $slots, SORT_STRING );
		$slots = array_values( $slots );
		return array( 'slots' => $slots, 'interval' => $interval );
	}

	/**
	 * Every candidate slot of these resources on these days, with what is
	 * booked in it (LatePoint's build of bookable slots). A candidate is
	 * offered when offers() says so.
	 *
	 * @param array                $service   service() row
	 * @param array<int, int[]>    $resources [agent_id, location_id] pairs (resources())
	 * @param array<string, int>   $request   duration, buffer_before, buffer_after of the booking asked for
	 * @param array<string, mixed> $settings  settings()
	 * @param array<string, mixed> $window    window()
	 * @param ?int                 $ignore_id a booking not counted (the one being changed)
	 * @param bool                 $lock      lock the rows that decide the slot (inside a write transaction)
	 * @return array{days: array<string, array<string, array<int, array{booked: int, window: bool, blocked: bool, overlap: bool, overlap_id: ?int}>>>, schedule: Schedule, interval: int, duration: int}
	 *         days: date => "agent|location" => start minute => slot, sorted by start
	 */
	public static function grid( array $service, array $resources, string $from, string $to, array $request, array $settings, array $window, ?int $ignore_id, bool $lock = false ): array {
		$service_id = (int) $service['id'];
		$agents     = array_values( array_unique( array_column( $resources, 0 ) ) );
		$locations  = array_values( array_unique( array_column( $resources, 1 ) ) );
		$schedule   = Schedule::load( $agents, $service_id, $locations, $from, $to );
		if ( $lock ) {
			Availability_Data::lock( $agents, Availability_Data::is_on( $settings, 'one_agent_at_location' ) ? $locations : array() );
		}
		$booked   = Availability_Data::booked_periods( $agents, $locations, $settings, $from, $to, $ignore_id, $lock );
		$blocked  = Availability_Data::blocked_periods( $service_id, $resources, $from, $to, $window );
		$interval = self::interval( $service, $settings );
		$max      = self::capacity( $service )['max'];
		$days     = array();
		foreach ( self::dates( $from, $to ) as $date ) {
			foreach ( $resources as list( $agent, $location ) ) {
				$applied = self::applied( $booked[ $date ] ?? array(), $service_id, $agent, $location, $settings, $max );
				$slots   = array();
				foreach ( $schedule->periods( $agent, $location, $date ) as list( $start, $end ) ) {
					for ( $t = $start; $t <= $end - $request['duration']; $t += $interval ) {
						$slots[ $t ] = $slots[ $t ] ?? self::slot( $t, $request, $applied, $blocked[ $date ] ?? array(), $agent, $max );
					}
				}
				ksort( $slots );
				$days[ $date ][ $agent . '|' . $location ] = $slots;
			}
		}
		return array( 'days' => $days, 'schedule' => $schedule, 'interval' => $interval, 'duration' => $request['duration'] );
	}

	/** Whether a grid() slot is offered for $attendees (LatePoint's can_accomodate). */
	public static function offers( array $slot, array $capacity, int $attendees ): bool {
		return $slot['booked'] < $capacity['blocking'] && $capacity['max'] - $slot['booked'] >= $attendees;
	}

	/**
	 * The service's capacities: max (capacity_max; LatePoint's model default 1 when
	 * NULL), min (capacity_min, 0 as 1) and blocking (what fills a slot:
	 * capacity_min with the block meta on, else capacity_max, 0 as 1).
	 *
	 * @return array{max: int, min: int, blocking: int}
	 */
	public static function capacity( array $service ): array {
		$max = null === $service['capacity_max'] ? 1 : (int) $service['capacity_max'];
		$min = max( 1, (int) $service['capacity_min'] );
		return array(
			'max'      => $max,
			'min'      => $min,
			'blocking' => 'on' === $service['block_meta'] ? $min : ( 0 === $max ? 1 : $max ),
		);
	}

	/** Minutes between slot starts: the service's own, else the setting timeblock_interval, else 30. */
	public static function interval( array $service, array $settings ): int {
		$own     = (int) $service['timeblock_interval'];
		$setting = (int) ( $settings['timeblock_interval'] ?? 0 );
		return $own > 0 ? $own : ( $setting > 0 ? $setting : self::DEFAULT_INTERVAL );
	}

	/** The duration and buffers of a booking of the service as its booking form asks for it. */
	public static function service_request( array $service ): array {
		return array(
			'duration'      => max( 1, (int) $service['duration'] ),
			'buffer_before' => max( 0, (int) $service['buffer_before'] ),
			'buffer_after'  => max( 0, (int) $service['buffer_after'] ),
		);
	}

	/**
	 * The booking window in the site's time zone: now; the end of the
	 * earliest-possible-booking block (now + the setting, never before now);
	 * the first bookable date (today, or that block's date); the last
	 * bookable date (the latest_possible_booking setting's date; null: none).
	 *
	 * @return array{now: \DateTimeImmutable, today: string, now_minute: int, block_end: \DateTimeImmutable, block_end_date: string, block_end_minute: int, first_date: string, last_date: ?string}
	 */
	public static function window( array $settings ): array {
		$now       = new \DateTimeImmutable( 'now', wp_timezone() );
		$earliest  = self::relative( $now, (string) ( $settings['earliest_possible_booking'] ?? '' ) );
		$latest    = self::relative( $now, (string) ( $settings['latest_possible_booking'] ?? '' ) );
		$block_end = null !== $earliest && $earliest > $now ? $earliest : $now;
		return array(
			'now'              => $now,
			'today'            => $now->format( 'Y-m-d' ),
			'now_minute'       => self::minute_of( $now ),
			'block_end'        => $block_end,
			'block_end_date'   => $block_end->format( 'Y-m-d' ),
			'block_end_minute' => self::minute_of( $block_end ),
			'first_date'       => $block_end->format( 'Y-m-d' ),
			'last_date'        => null === $latest ? null : $latest->format( 'Y-m-d' ),
		);
	}

	/** One slot: what the applied bookings and the blocked periods of its day put in its buffered span. */
	/**
	 * Minute of day => [timestamp, local ISO 8601 with offset, UTC "…Z"] for one date of the site's
	 * time zone: by arithmetic on a day without a clock change, by DateTime on a day with one.
	 *
	 * @return callable(int): array{0: int, 1: string, 2: string}
	 */
	private static function clock( string $date, \DateTimeZone $tz ): callable {
		$midnight = new \DateTimeImmutable( $date . ' 00:00:00', $tz );
		$offset   = $midnight->getOffset();
		if ( $midnight->setTime( 23, 59 )->getOffset() !== $offset ) {
			$utc = new \DateTimeZone( 'UTC' );
			// A local time that occurs twice is its later moment, one that does not occur the moment an
			// hour on, as PHP (and LatePoint's own UTC times of bookings) read them.
			return static function ( int $t ) use ( $date, $tz, $utc ): array {
				$local = \DateTimeImmutable::createFromFormat( 'Y-m-d H:i:s', sprintf( '%s %02d:%02d:00', $date, intdiv( $t, 60 ), $t % 60 ), $tz );
				return array( $local->getTimestamp(), $local->format( 'c' ), $local->setTimezone( $utc )->format( 'Y-m-d\TH:i:s\Z' ) );
			};
		}
		$base = $midnight->getTimestamp();
		$sign = $offset < 0 ? '-' : '+';
		$zone = sprintf( '%s%02d:%02d', $sign, intdiv( abs( $offset ), 3600 ), intdiv( abs( $offset ) % 3600, 60 ) );
		return static function ( int $t ) use ( $base, $date, $zone ): array {
			$ts = $base + 60 * $t;
			return array( $ts, sprintf( '%sT%02d:%02d:00%s', $date, intdiv( $t, 60 ), $t % 60, $zone ), gmdate( 'Y-m-d\TH:i:s\Z', $ts ) );
		};
	}

	private static function slot( int $t, array $request, array $applied, array $blocked, int $agent, int $max ): array {
		$from = $t - $request['buffer_before'];
		$to   = $t + $request['duration'] + $request['buffer_after'];
		$slot = array( 'booked' => 0, 'window' => false, 'blocked' => false, 'overlap' => false, 'overlap_id' => null );
		foreach ( $applied as $p ) {
			if ( $p['from'] >= $to || $p['to'] <= $from ) {
				continue;
			}
			$slot['booked']     = $p['other_service'] ? $max : $slot['booked'] + $p['attendees'];
			$slot['overlap_id'] = $slot['overlap_id'] ?? ( $p['full'] ? $p['id'] : null );
			$slot['overlap']    = $slot['overlap'] || $p['full'];
		}
		foreach ( $blocked as $p ) {
			if ( ( 0 !== $p['agent_id'] && $p['agent_id'] !== $agent ) || $p['start'] >= $to || $p['end'] <= $from ) {
				continue;
			}
			$slot['booked']                           = $max;
			$slot[ $p['own'] ? 'window' : 'blocked' ] = true;
		}
		return $slot;
	}

	/**
	 * The booked periods of a day that count for one resource (the rules in
	 * the file comment), each with what it puts into an overlapping slot.
	 */
	private static function applied( array $periods, int $service_id, int $agent, int $location, array $settings, int $max ): array {
		$out = array();
		foreach ( $periods as $p ) {
			$full = null;
			if ( $p['agent_id'] === $agent && $p['service_id'] === $service_id && $p['location_id'] === $location ) {
				$full = false;
			} elseif ( $p['agent_id'] === $agent ) {
				if ( $p['location_id'] !== $location && Availability_Data::is_on( $settings, 'one_location_at_time' ) ) {
					$full = true;
				} elseif ( $p['location_id'] === $location && $p['service_id'] !== $service_id && ! Availability_Data::is_on( $settings, 'multiple_services_at_time' ) ) {
					$full = true;
				}
			} elseif ( $p['location_id'] === $location && Availability_Data::is_on( $settings, 'one_agent_at_location' ) ) {
				$full = true;
			}
			if ( null === $full ) {
				continue;
			}
			$other = $p['service_id'] !== $service_id;
			$out[] = array(
				'from'          => $p['start'] - $p['buffer_before'],
				'to'            => $p['end'] + $p['buffer_after'],
				'other_service' => $other,
				'attendees'     => $full ? $max : $p['attendees'],
				'full'          => $full || $other,
				'id'            => $p['id'],
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

	/** Minutes from midnight of a time (seconds dropped, as LatePoint). */
	private static function minute_of( \DateTimeImmutable $when ): int {
		return (int) $when->format( 'G' ) * 60 + (int) $when->format( 'i' );
	}

	/** @return string[] every Y-m-d from $from to $to */
	public static function dates( string $from, string $to ): array {
		$out = array();
		for ( $d = Dates::day_index( $from ), $last = Dates::day_index( $to ); $d <= $last; $d++ ) {
			$out[] = Dates::date_of( $d );
		}
		return $out;
	}

}
