<?php
/**
 * LatePoint's working hours (latepoint_work_periods), resolved as LatePoint
 * 5 resolves them for a resource (an agent, a service, a location) on a day:
 *
 * - a row applies when each of its agent / service / location is 0 (any) or
 *   the resource's own; a row with a custom_date applies only on that date,
 *   and any row only on the weekday its week_day names;
 * - a row's weight is +1 for each of agent, service and location it names,
 *   +3 for a custom date; the applicable rows are taken in the order custom
 *   date first, then agent, service, location (each highest id first), then
 *   start time, and the first one fixes the weight: rows of another weight
 *   are ignored;
 * - rows of that weight naming the same agent / service / location form a
 *   group (its periods are kept side by side); each further combination is
 *   another group, and the groups are intersected;
 * - a 0–0 row of that weight makes the day off;
 * - when the site has no general weekly rows at all (agent, service and
 *   location 0, no custom date), LatePoint writes 8:00–17:00 for every
 *   weekday on its first read; this class reads as if those rows were there
 *   (it writes nothing).
 *
 * Times are minutes from midnight. One query loads every row needed for any
 * set of agents and locations over any date range.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Storage_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Loaded work periods for one service and some agents/locations.
 */
final class Schedule {

	/** LatePoint's default working hours, written when a site has no general rows: 8:00–17:00. */
	const DEFAULT_START = 480;
	const DEFAULT_END   = 1020;

	/** @var array<int, array[]> rows by week_day (1–7), in LatePoint's order */
	private $rows = array();
	/** @var int */
	private $service_id;
	/** @var array<string, array> memo of resolved days */
	private $memo = array();

	/**
	 * @param array[] $rows work period rows (id, agent_id, service_id, location_id, start_time, end_time, week_day, custom_date)
	 */
	public function __construct( array $rows, int $service_id ) {
		$this->service_id = $service_id;
		$general          = false;
		$list             = array();
		foreach ( $rows as $row ) {
			$date = (string) ( $row['custom_date'] ?? '' );
			if ( ( '' !== $date && 1 !== preg_match( '/^\d{4}-\d{2}-\d{2}$/', $date ) ) || str_starts_with( $date, '0000' ) ) {
				continue; // Never equal to a day: LatePoint's query never finds such a row.
			}
			$row     = array(
				'id'          => (int) ( $row['id'] ?? 0 ),
				'agent_id'    => (int) $row['agent_id'],
				'service_id'  => (int) $row['service_id'],
				'location_id' => (int) $row['location_id'],
				'start_time'  => (int) $row['start_time'],
				'end_time'    => (int) $row['end_time'],
				'week_day'    => (int) $row['week_day'],
				'custom_date' => '' === $date ? null : $date,
			);
			$general = $general || ( 0 === $row['agent_id'] && 0 === $row['service_id'] && 0 === $row['location_id'] && null === $row['custom_date'] );
			$list[]  = $row;
		}
		if ( ! $general ) {
			for ( $day = 1; $day <= 7; $day++ ) {
				$list[] = array(
					'id'          => 0,
					'agent_id'    => 0,
					'service_id'  => 0,
					'location_id' => 0,
					'start_time'  => self::DEFAULT_START,
					'end_time'    => self::DEFAULT_END,
					'week_day'    => $day,
					'custom_date' => null,
				);
			}
		}
		// LatePoint's ORDER BY custom_date DESC, agent_id DESC, service_id DESC, location_id DESC, start_time ASC (then id).
		usort(
			$list,
			static function ( array $a, array $b ): int {
				return array( null !== $b['custom_date'], $b['agent_id'], $b['service_id'], $b['location_id'], $a['start_time'], $a['id'] )
					<=> array( null !== $a['custom_date'], $a['agent_id'], $a['service_id'], $a['location_id'], $b['start_time'], $b['id'] );
			}
		);
		foreach ( $list as $row ) {
			$this->rows[ $row['week_day'] ][] = $row;
		}
	}

	/**
	 * Loads, in one query, the rows that can apply to these agents, this
	 * service (0 = only rows for any service) and these locations, with the
	 * custom dates between $date_from and $date_to (null: every custom date).
	 *
	 * @param int[] $agent_ids
	 * @param int[] $location_ids
	 */
	public static function load( array $agent_ids, int $service_id, array $location_ids, ?string $date_from = null, ?string $date_to = null ): self {
		global $wpdb;
		$agents    = array_values( array_unique( array_merge( array( 0 ), array_map( 'intval', $agent_ids ) ) ) );
		$locations = array_values( array_unique( array_merge( array( 0 ), array_map( 'intval', $location_ids ) ) ) );
		$services  = array_values( array_unique( array( 0, $service_id ) ) );
		$table     = $wpdb->prefix . 'latepoint_work_periods';
		$in        = static function ( array $ids ): string {
			return implode( ',', array_map( 'intval', $ids ) );
		};
		$sql       = "SELECT id, agent_id, service_id, location_id, start_time, end_time, week_day, custom_date FROM {$table}"
			. ' WHERE agent_id IN (' . $in( $agents ) . ') AND service_id IN (' . $in( $services ) . ') AND location_id IN (' . $in( $locations ) . ')';
		if ( null !== $date_from && null !== $date_to ) {
			// The general rows (any agent, service and location) are always read: whether there are any decides LatePoint's default hours.
			$sql .= $wpdb->prepare( ' AND (custom_date IS NULL OR custom_date BETWEEN %s AND %s)', $date_from, $date_to );
		}
		$rows = $wpdb->get_results( $sql, ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared -- $sql is built above from literals, $wpdb->prefix, integer lists and $wpdb->prepare().
		if ( null === $rows || '' !== $wpdb->last_error ) {
			throw new Storage_Error( 'Work periods could not be read.' );
		}
		return new self( $rows, $service_id );
	}

	/** 1 = Monday … 7 = Sunday, of a Y-m-d date. */
	public static function week_day( string $date ): int {
		return (int) ( new \DateTimeImmutable( $date . ' 00:00:00', new \DateTimeZone( 'UTC' ) ) )->format( 'N' );
	}

	/**
	 * The resolved work periods of an agent at a location on a date: a list
	 * of [start, end] minute pairs, sorted (they may overlap: a slot needs to
	 * fit in one of them); empty = not working.
	 *
	 * @return array<int, array{0: int, 1: int}>
	 */
	public function periods( int $agent_id, int $location_id, string $date ): array {
		$key = $agent_id . '|' . $location_id . '|' . $date;
		if ( ! isset( $this->memo[ $key ] ) ) {
			$this->memo[ $key ] = $this->resolve( $agent_id, $location_id, self::week_day( $date ), $date );
		}
		return $this->memo[ $key ];
	}

	/**
	 * The resolved weekly periods of a weekday (ignoring custom dates).
	 *
	 * @return array<int, array{0: int, 1: int}>
	 */
	public function weekday_periods( int $agent_id, int $location_id, int $week_day ): array {
		$key = $agent_id . '|' . $location_id . '|w' . $week_day;
		if ( ! isset( $this->memo[ $key ] ) ) {
			$this->memo[ $key ] = $this->resolve( $agent_id, $location_id, $week_day, null );
		}
		return $this->memo[ $key ];
	}

	/**
	 * The custom dates that apply to an agent at a location, each with its
	 * resolved periods (empty = day off), sorted by date.
	 *
	 * @return array<string, array<int, array{0: int, 1: int}>>
	 */
	public function custom_dates( int $agent_id, int $location_id ): array {
		$dates = array();
		foreach ( $this->rows as $rows ) {
			foreach ( $rows as $row ) {
				if ( null !== $row['custom_date'] && $this->applies( $row, $agent_id, $location_id ) && self::week_day( $row['custom_date'] ) === $row['week_day'] ) {
					$dates[ $row['custom_date'] ] = true;
				}
			}
		}
		ksort( $dates );
		$out = array();
		foreach ( array_keys( $dates ) as $date ) {
			$out[ $date ] = $this->periods( $agent_id, $location_id, $date );
		}
		return $out;
	}

	/** Whether [start, start + duration] lies inside one resolved period of that day. */
	public function covers( int $agent_id, int $location_id, string $date, int $start, int $duration ): bool {
		foreach ( $this->periods( $agent_id, $location_id, $date ) as $period ) {
			if ( $start >= $period[0] && $start + $duration <= $period[1] ) {
				return true;
			}
		}
		return false;
	}

	/** Whether a row names nothing, or only this agent, the loaded service and this location. */
	private function applies( array $row, int $agent_id, int $location_id ): bool {
		return ( 0 === $row['agent_id'] || $row['agent_id'] === $agent_id )
			&& ( 0 === $row['service_id'] || $row['service_id'] === $this->service_id )
			&& ( 0 === $row['location_id'] || $row['location_id'] === $location_id );
	}

	/**
	 * LatePoint's resolution of one day (see the file comment): the first
	 * applicable row fixes the weight, groups of the same agent / service /
	 * location are intersected, a 0–0 row is a day off.
	 *
	 * @param ?string $date null: weekly rows only
	 * @return array<int, array{0: int, 1: int}>
	 */
	private function resolve( int $agent_id, int $location_id, int $week_day, ?string $date ): array {
		$groups = array();
		$last   = null;
		$index  = 0;
		foreach ( $this->rows[ $week_day ] ?? array() as $row ) {
			if ( null !== $row['custom_date'] && $row['custom_date'] !== $date ) {
				continue;
			}
			if ( ! $this->applies( $row, $agent_id, $location_id ) ) {
				continue;
			}
			if ( null !== $last ) {
				if ( self::weight( $last ) !== self::weight( $row ) ) {
					break;
				}
				if ( array( $last['agent_id'], $last['service_id'], $last['location_id'] ) !== array( $row['agent_id'], $row['service_id'], $row['location_id'] ) ) {
					++$index;
				}
			}
			if ( 0 === $row['start_time'] && 0 === $row['end_time'] ) {
				return array();
			}
			$groups[ $index ][] = array( $row['start_time'], $row['end_time'] );
			$last               = $row;
		}
		$periods = null;
		foreach ( $groups as $group ) {
			$periods = null === $periods ? $group : self::intersect( $periods, $group );
		}
		// Sorted, each once, without the empty ones: the same slot starts, in a readable form.
		$periods = array_filter(
			$periods ?? array(),
			static function ( array $p ): bool {
				return $p[1] > $p[0];
			}
		);
		sort( $periods );
		return array_values( array_unique( $periods, SORT_REGULAR ) );
	}

	/** +1 for each of agent, service and location a row names, +3 for a custom date. */
	private static function weight( array $row ): int {
		return ( 0 !== $row['agent_id'] ? 1 : 0 ) + ( 0 !== $row['service_id'] ? 1 : 0 ) + ( 0 !== $row['location_id'] ? 1 : 0 ) + ( null !== $row['custom_date'] ? 3 : 0 );
	}

	/**
	 * Every pairwise intersection of two lists of periods (periods that only
	 * touch give an empty one, as in LatePoint).
	 *
	 * @return array<int, array{0: int, 1: int}>
	 */
	private static function intersect( array $periods, array $others ): array {
		$out = array();
		foreach ( $periods as $a ) {
			foreach ( $others as $b ) {
				if ( $b[0] <= $a[1] && $b[1] >= $a[0] ) {
					$out[] = array( max( $a[0], $b[0] ), min( $a[1], $b[1] ) );
				}
			}
		}
		return $out;
	}
}
