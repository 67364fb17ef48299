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
use LatePointApi\Support\Storage_Error;
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
		$service = self::service( $service_id );
		if ( null === $service ) {
			throw new Not_Found_Error( __( 'No service with this id.', 'latepoint-api-keys' ) );
		}
		if ( null !== $agent_id && null === self::row( 'agents', $agent_id ) ) {
			throw new Not_Found_Error( __( 'No agent with this id.', 'latepoint-api-keys' ) );
		}
		$settings = self::settings();
		$interval = self::interval( $service, $settings );
		$capacity = self::capacity( $service );
		if ( $attendees > max( 1, $capacity['max'] ) ) {
			/* translators: %d: the service's capacity_max */
			throw new Validation_Error( array( 'attendees' => sprintf( __( 'At most %d for this service (its capacity_max).', 'latepoint-api-keys' ), max( 1, $capacity['max'] ) ) ) );
		}
		$none      = array( 'slots' => array(), 'interval' => $interval );
		$resources = 'active' === $service['status'] ? self::resources( $service_id, $agent_id, $location_id ) : array();
		$window    = self::window( $settings );
		// The booking form's calendar: from today (or the earliest possible booking's date) to the latest possible booking's date.
		$date_from = max( $date_from, $window['first_date'] );
		$date_to   = null === $window['last_date'] ? $date_to : min( $date_to, $window['last_date'] );
		if ( ! $resources || $date_from > $date_to ) {
			return $none;
		}
		$grid  = self::grid( $service, $resources, $date_from, $date_to, self::service_request( $service ), $settings, $window, null );
		$tz    = wp_timezone();
		$utc   = new \DateTimeZone( 'UTC' );
		$slots = array();
		foreach ( $grid['days'] as $date => $day ) {
			$midnight = new \DateTimeImmutable( $date . ' 00:00:00', $tz );
			foreach ( $day as $resource => $starts ) {
				list( $agent, $location ) = array_map( 'intval', explode( '|', $resource ) );
				foreach ( $starts as $t => $slot ) {
					if ( ! self::offers( $slot, $capacity, $attendees ) ) {
						continue;
					}
					$local   = $midnight->setTime( intdiv( $t, 60 ), $t % 60 );
					$slots[] = array(
						'start_date'         => $date,
						'start_time'         => Dates::hhmm( $t ),
						'end_time'           => Dates::hhmm( $t + $grid['duration'] ),
						'start_datetime'     => $local->format( 'c' ),
						'start_datetime_utc' => $local->setTimezone( $utc )->format( 'Y-m-d\TH:i:s\Z' ),
						'service_id'         => $service_id,
						'agent_id'           => $agent,
						'location_id'        => $location,
						'capacity_left'      => $capacity['max'] - $slot['booked'],
						'_sort'              => $local->getTimestamp(),
					);
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
			self::lock( $agents, self::is_on( $settings, 'one_agent_at_location' ) ? $locations : array() );
		}
		$booked   = self::booked_periods( $agents, $locations, $settings, $from, $to, $ignore_id, $lock );
		$blocked  = self::blocked_periods( $service_id, $resources, $from, $to, $window );
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

	/**
	 * [agent_id, location_id] of every resource of the service: its
	 * agents_services rows whose agent and location are active, optionally
	 * only one agent's or one location's.
	 *
	 * @return array<int, array{0: int, 1: int}>
	 */
	public static function resources( int $service_id, ?int $agent_id, ?int $location_id ): array {
		global $wpdb;
		$sql = 'SELECT DISTINCT s.agent_id, s.location_id FROM ' . Tables::name( 'agents_services' ) . ' s JOIN ' . Tables::name( 'agents' ) . ' a ON a.id = s.agent_id JOIN ' . Tables::name( 'locations' ) . " l ON l.id = s.location_id WHERE a.status = 'active' AND l.status = 'active' AND " . $wpdb->prepare( 's.service_id = %d', $service_id );
		if ( null !== $agent_id ) {
			$sql .= $wpdb->prepare( ' AND s.agent_id = %d', $agent_id );
		}
		if ( null !== $location_id ) {
			$sql .= $wpdb->prepare( ' AND s.location_id = %d', $location_id );
		}
		$rows = $wpdb->get_results( $sql . ' ORDER BY s.agent_id, s.location_id', ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared -- $sql is built above from literals, Tables::name() and $wpdb->prepare().
		self::check();
		$out = array();
		foreach ( (array) $rows as $row ) {
			$out[] = array( (int) $row['agent_id'], (int) $row['location_id'] );
		}
		return $out;
	}

	/** The service row with its block meta (block_meta: the meta's value or null), or null. */
	public static function service( int $id ): ?array {
		global $wpdb;
		$row = $wpdb->get_row(
			$wpdb->prepare(
				'SELECT s.id, s.status, s.duration, s.buffer_before, s.buffer_after, s.timeblock_interval, s.capacity_min, s.capacity_max, (SELECT m.meta_value FROM ' . Tables::name( 'service_meta' ) . ' m WHERE m.object_id = s.id AND m.meta_key = %s ORDER BY m.id LIMIT 1) AS block_meta FROM ' . Tables::name( 'services' ) . ' s WHERE s.id = %d',
				self::BLOCK_META,
				$id
			),
			ARRAY_A
		);
		self::check();
		return $row ? $row : null;
	}

	/** id and status of an agent or location, or null. */
	public static function row( string $table, int $id ): ?array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT id, status FROM ' . Tables::name( $table ) . ' WHERE id = %d', $id ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $table is 'agents' or 'locations' from this plugin's callers.
		self::check();
		return $row ? $row : null;
	}

	/** The LatePoint settings availability reads, in one query; as LatePoint, the first row of a name counts. */
	public static function settings(): array {
		global $wpdb;
		$in   = implode( ', ', array_fill( 0, count( self::SETTINGS ), '%s' ) );
		$rows = $wpdb->get_results( $wpdb->prepare( 'SELECT name, value FROM ' . Tables::name( 'settings' ) . " WHERE name IN ({$in}) ORDER BY id", self::SETTINGS ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.InterpolatedVariable -- $in is a list of %s placeholders, one per name of self::SETTINGS.
		self::check();
		$out = array();
		foreach ( (array) $rows as $row ) {
			$out[ $row['name'] ] = $out[ $row['name'] ] ?? (string) $row['value'];
		}
		return $out;
	}

	/** Whether a LatePoint on/off setting is on. */
	public static function is_on( array $settings, string $name ): bool {
		return 'on' === ( $settings[ $name ] ?? '' );
	}

	/**
	 * The statuses whose bookings block time: the setting
	 * timeslot_blocking_statuses split on commas (approved when the site has no
	 * such row: LatePoint writes approved when it installs), then LatePoint's
	 * filter latepoint_get_timeslot_blocking_statuses.
	 *
	 * @return string[]
	 */
	public static function blocking_statuses( array $settings ): array {
		$statuses = isset( $settings['timeslot_blocking_statuses'] ) ? explode( ',', $settings['timeslot_blocking_statuses'] ) : array( 'approved' );
		/** LatePoint's own filter of the blocking statuses (its add-ons may use it). */
		$statuses = apply_filters( 'latepoint_get_timeslot_blocking_statuses', $statuses );
		return array_values( array_unique( array_filter( array_map( 'trim', array_map( 'strval', (array) $statuses ) ), 'strlen' ) ) );
	}

	/** One slot: what the applied bookings and the blocked periods of its day put in its buffered span. */
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
				if ( $p['location_id'] !== $location && self::is_on( $settings, 'one_location_at_time' ) ) {
					$full = true;
				} elseif ( $p['location_id'] === $location && $p['service_id'] !== $service_id && ! self::is_on( $settings, 'multiple_services_at_time' ) ) {
					$full = true;
				}
			} elseif ( $p['location_id'] === $location && self::is_on( $settings, 'one_agent_at_location' ) ) {
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

	/**
	 * Row locks for a booking check inside the write transaction: the agents'
	 * rows (and the locations' when one agent at a location blocks the
	 * others), so that two writes for the same agent take turns, and the
	 * second reads what the first wrote.
	 *
	 * @param int[] $agents
	 * @param int[] $locations
	 */
	private static function lock( array $agents, array $locations ): void {
		global $wpdb;
		foreach ( array( 'agents' => $agents, 'locations' => $locations ) as $table => $ids ) {
			if ( $ids ) {
				$wpdb->get_col( 'SELECT id FROM ' . Tables::name( $table ) . ' WHERE id IN (' . implode( ',', array_map( 'intval', $ids ) ) . ') ORDER BY id FOR UPDATE' ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared -- a fixed table name and an integer list.
				self::check();
			}
		}
	}

	/**
	 * The blocking bookings that can count for these resources, by day (as
	 * LatePoint: bookings starting in the range, each on its start date and
	 * also on its end date when that differs, with its own minutes), then
	 * LatePoint's filter latepoint_get_booked_periods when LatePoint is loaded.
	 *
	 * @param int[] $agents
	 * @param int[] $locations
	 * @return array<string, array[]>
	 */
	private static function booked_periods( array $agents, array $locations, array $settings, string $from, string $to, ?int $ignore_id, bool $lock ): array {
		global $wpdb;
		$statuses = self::blocking_statuses( $settings );
		$rows     = array();
		if ( $statuses ) {
			$who = 'agent_id IN (' . implode( ',', array_map( 'intval', $agents ) ) . ')';
			if ( self::is_on( $settings, 'one_agent_at_location' ) ) {
				$who .= ' OR location_id IN (' . implode( ',', array_map( 'intval', $locations ) ) . ')';
			}
			$sql  = 'SELECT id, agent_id, service_id, location_id, start_date, end_date, start_time, end_time, buffer_before, buffer_after, total_attendees FROM ' . Tables::name( 'bookings' )
				. ' WHERE status IN (' . implode( ',', array_fill( 0, count( $statuses ), '%s' ) ) . ') AND start_date BETWEEN %s AND %s AND (' . $who . ')'
				. ( null === $ignore_id ? '' : ' AND id <> ' . (int) $ignore_id )
				. ' ORDER BY start_time, end_time, service_id, id' . ( $lock ? ' FOR UPDATE' : '' );
			$rows = $wpdb->get_results( $wpdb->prepare( $sql, array_merge( $statuses, array( $from, $to ) ) ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $sql is literal SQL over Tables::name() and integer lists, with the placeholders of its arguments.
			self::check();
		}
		$periods = array();
		foreach ( (array) $rows as $row ) {
			$periods[] = array(
				'id'            => (int) $row['id'],
				'agent_id'      => (int) $row['agent_id'],
				'service_id'    => (int) $row['service_id'],
				'location_id'   => (int) $row['location_id'],
				'start_date'    => (string) $row['start_date'],
				'end_date'      => (string) $row['end_date'],
				'start'         => (int) $row['start_time'],
				'end'           => (int) $row['end_time'],
				'buffer_before' => (int) $row['buffer_before'],
				'buffer_after'  => (int) $row['buffer_after'],
				'attendees'     => null === $row['total_attendees'] ? 1 : (int) $row['total_attendees'],
			);
		}
		$periods = self::filter_booked( $periods, $statuses, $from, $to, $ignore_id );
		$by_day  = array();
		foreach ( $periods as $p ) {
			$by_day[ $p['start_date'] ][] = $p;
			if ( '' !== $p['end_date'] && $p['end_date'] !== $p['start_date'] ) {
				$by_day[ $p['end_date'] ][] = $p;
			}
		}
		return $by_day;
	}

	/**
	 * Blocked periods by day: from midnight to the end of the earliest
	 * booking block (now + earliest_possible_booking, at least now) on each
	 * day up to that block's date, for every agent ("own"); then what
	 * LatePoint's filter latepoint_blocked_periods_for_range adds when
	 * LatePoint is loaded (add-ons' busy times).
	 *
	 * @return array<string, array<int, array{start: int, end: int, agent_id: int, own: bool}>>
	 */
	private static function blocked_periods( int $service_id, array $resources, string $from, string $to, array $window ): array {
		$out = array();
		foreach ( self::dates( $from, $to ) as $date ) {
			$out[ $date ] = array();
			if ( $date >= $window['today'] && $date <= $window['block_end_date'] ) {
				$out[ $date ][] = array(
					'start'    => 0,
					'end'      => $date < $window['block_end_date'] ? 1440 : $window['block_end_minute'],
					'agent_id' => 0,
					'own'      => true,
				);
			}
		}
		return self::filter_blocked( $out, $service_id, $resources, $from, $to );
	}

	/** Whether LatePoint is loaded and someone listens to one of its period filters. */
	private static function latepoint_filter( string $hook ): bool {
		return has_filter( $hook ) && class_exists( 'LatePoint\\Misc\\Filter' ) && class_exists( 'LatePoint\\Misc\\BookedPeriod' ) && class_exists( 'OsConnectorModel' );
	}

	/**
	 * LatePoint's latepoint_get_booked_periods filter over the booked periods,
	 * with its own objects (when LatePoint is loaded and the filter is used).
	 */
	private static function filter_booked( array $periods, array $statuses, string $from, string $to, ?int $ignore_id ): array {
		if ( ! self::latepoint_filter( 'latepoint_get_booked_periods' ) ) {
			return $periods;
		}
		$objects = array();
		$ids     = array();
		foreach ( $periods as $p ) {
			$objects[]                               = new \LatePoint\Misc\BookedPeriod(
				array(
					'start_date'      => $p['start_date'],
					'end_date'        => '' === $p['end_date'] ? $p['start_date'] : $p['end_date'],
					'start_time'      => $p['start'],
					'end_time'        => $p['end'],
					'buffer_before'   => $p['buffer_before'],
					'buffer_after'    => $p['buffer_after'],
					'total_attendees' => $p['attendees'],
					'agent_id'        => $p['agent_id'],
					'service_id'      => $p['service_id'],
					'location_id'     => $p['location_id'],
				)
			);
			$ids[ spl_object_id( end( $objects ) ) ] = $p['id'];
		}
		$filter = new \LatePoint\Misc\Filter( array( 'date_from' => $from, 'date_to' => $to, 'statuses' => $statuses, 'exclude_booking_ids' => null === $ignore_id ? array() : array( $ignore_id ) ) );
		$out    = array();
		/** LatePoint's own filter of the booked periods (its add-ons may use it). */
		foreach ( (array) apply_filters( 'latepoint_get_booked_periods', $objects, $filter ) as $o ) {
			$get   = static fn ( string $name, $default = 0 ) => is_object( $o ) ? ( $o->$name ?? $default ) : ( is_array( $o ) ? ( $o[ $name ] ?? $default ) : $default );
			$out[] = array(
				'id'            => is_object( $o ) ? ( $ids[ spl_object_id( $o ) ] ?? null ) : null,
				'agent_id'      => (int) $get( 'agent_id' ),
				'service_id'    => (int) $get( 'service_id' ),
				'location_id'   => (int) $get( 'location_id' ),
				'start_date'    => (string) $get( 'start_date', '' ),
				'end_date'      => (string) $get( 'end_date', '' ),
				'start'         => (int) $get( 'start_time' ),
				'end'           => (int) $get( 'end_time' ),
				'buffer_before' => (int) $get( 'buffer_before' ),
				'buffer_after'  => (int) $get( 'buffer_after' ),
				'attendees'     => (int) $get( 'total_attendees', 1 ),
			);
		}
		return $out;
	}

	/**
	 * LatePoint's latepoint_blocked_periods_for_range filter (add-ons' busy
	 * times), given LatePoint's own objects for the range, the earliest
	 * booking block among them, and a filter naming the resources (when
	 * LatePoint is loaded and the filter is used). The block is kept whatever
	 * the filter returns.
	 */
	private static function filter_blocked( array $by_day, int $service_id, array $resources, string $from, string $to ): array {
		if ( ! self::latepoint_filter( 'latepoint_blocked_periods_for_range' ) ) {
			return $by_day;
		}
		$grouped = array();
		$ours    = array();
		foreach ( $by_day as $date => $periods ) {
			$grouped[ $date ] = array();
			foreach ( $periods as $p ) {
				$object                           = new \LatePoint\Misc\BlockedPeriod( array( 'start_time' => $p['start'], 'end_time' => $p['end'], 'start_date' => $date, 'end_date' => $date ) );
				$ours[ spl_object_id( $object ) ] = true;
				$grouped[ $date ][]               = $object;
			}
		}
		$connections = array();
		foreach ( $resources as list( $agent, $location ) ) {
			$connection              = new \OsConnectorModel();
			$connection->agent_id    = $agent;
			$connection->service_id  = $service_id;
			$connection->location_id = $location;
			$connections[]           = $connection;
		}
		$filter = new \LatePoint\Misc\Filter( array( 'connections' => $connections, 'date_from' => $from, 'date_to' => $to ) );
		/** LatePoint's own filter of the blocked periods (its add-ons add busy times there). */
		foreach ( (array) apply_filters( 'latepoint_blocked_periods_for_range', $grouped, $filter ) as $date => $periods ) {
			foreach ( is_array( $periods ) && isset( $by_day[ $date ] ) ? $periods : array() as $o ) {
				if ( is_object( $o ) && ! isset( $ours[ spl_object_id( $o ) ] ) ) {
					$by_day[ $date ][] = array( 'start' => (int) ( $o->start_time ?? 0 ), 'end' => (int) ( $o->end_time ?? 0 ), 'agent_id' => (int) ( $o->agent_id ?? 0 ), 'own' => false );
				}
			}
		}
		return $by_day;
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
