<?php
/**
 * What availability reads from LatePoint's tables, in a fixed number of
 * queries: the service (with its meta), its resources (agents offering it at
 * active locations), the settings the rules use, the blocking bookings of the
 * range (locked for a booking check) and the blocked periods (the booking
 * window's, and LatePoint's add-ons' through its own filters when LatePoint
 * is loaded). Availability applies the rules to them.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Storage_Error;

defined( 'ABSPATH' ) || exit;

/**
 * The data of availability.
 */
final class Availability_Data {

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
		self::check_read();
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
				Availability::BLOCK_META,
				$id
			),
			ARRAY_A
		);
		self::check_read();
		return $row ? $row : null;
	}

	/** id and status of an agent or location, or null. */
	public static function row( string $table, int $id ): ?array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT id, status FROM ' . Tables::name( $table ) . ' WHERE id = %d', $id ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $table is 'agents' or 'locations' from this plugin's callers.
		self::check_read();
		return $row ? $row : null;
	}

	/** The LatePoint settings availability reads (Tables::first_settings()); as LatePoint, the first row of a name counts. */
	public static function settings(): array {
		return Tables::first_settings( Availability::SETTINGS );
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

	/**
	 * Row locks for a booking check inside the write transaction: the agents'
	 * rows (and the locations' when one agent at a location blocks the
	 * others), so that two writes for the same agent take turns, and the
	 * second reads what the first wrote.
	 *
	 * @param int[] $agents
	 * @param int[] $locations
	 */
	public static function lock( array $agents, array $locations ): void {
		global $wpdb;
		foreach ( array( 'agents' => $agents, 'locations' => $locations ) as $table => $ids ) {
			if ( $ids ) {
				$wpdb->get_col( 'SELECT id FROM ' . Tables::name( $table ) . ' WHERE id IN (' . implode( ',', array_map( 'intval', $ids ) ) . ') ORDER BY id FOR UPDATE' ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared -- a fixed table name and an integer list.
				self::check_read();
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
	public static function booked_periods( array $agents, array $locations, array $settings, string $from, string $to, ?int $ignore_id, bool $lock ): array {
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
			self::check_read();
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
	public static function blocked_periods( int $service_id, array $resources, string $from, string $to, array $window ): array {
		$out = array();
		foreach ( Availability::dates( $from, $to ) as $date ) {
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

	/** Throws a Storage_Error when the last query failed. */
	public static function check_read(): void {
		global $wpdb;
		if ( '' !== $wpdb->last_error ) {
			throw new Storage_Error( 'A LatePoint table could not be read.' );
		}
	}
}
