<?php
/**
 * LatePoint's working hours (latepoint_work_periods), resolved as LatePoint
 * does (LatePoint's own rules, read from its code):
 *
 * - a row applies to an agent / service / location, 0 being a wildcard;
 * - for each day the most specific matching rows win, specificity ranked
 *   agent, then service, then location (an agent's own rows replace the
 *   general schedule for that agent on that weekday);
 * - rows with a custom_date replace the weekday rows on that date;
 * - start_time = end_time = 0 is a day off.
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

	/** @var array<int, array<int, array>> rows by agent_id (0 = general) */
	private $rows = array();
	/** @var int */
	private $service_id;
	/** @var array<string, array> memo of resolved days */
	private $memo = array();

	/**
	 * @param array[] $rows work period rows (agent_id, service_id, location_id, start_time, end_time, week_day, custom_date)
	 */
	public function __construct( array $rows, int $service_id ) {
		$this->service_id = $service_id;
		foreach ( $rows as $row ) {
			$row                              = array(
				'agent_id'    => (int) $row['agent_id'],
				'service_id'  => (int) $row['service_id'],
				'location_id' => (int) $row['location_id'],
				'start_time'  => (int) $row['start_time'],
				'end_time'    => (int) $row['end_time'],
				'week_day'    => (int) $row['week_day'],
				'custom_date' => ( null === $row['custom_date'] || '' === $row['custom_date'] || str_starts_with( (string) $row['custom_date'], '0000' ) ) ? null : (string) $row['custom_date'],
			);
			$this->rows[ $row['agent_id'] ][] = $row;
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
		$sql       = "SELECT agent_id, service_id, location_id, start_time, end_time, week_day, custom_date FROM {$table}"
			. ' WHERE agent_id IN (' . $in( $agents ) . ') AND service_id IN (' . $in( $services ) . ') AND location_id IN (' . $in( $locations ) . ')';
		if ( null !== $date_from && null !== $date_to ) {
			$sql .= $wpdb->prepare( ' AND (custom_date IS NULL OR custom_date = %s OR custom_date BETWEEN %s AND %s)', '0000-00-00', $date_from, $date_to );
		}
		$rows = $wpdb->get_results( $sql . ' ORDER BY start_time, end_time, id', ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared -- $sql is built above from literals, $wpdb->prefix, integer lists and $wpdb->prepare().
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
	 * The resolved work periods of an agent at a location on a date:
	 * a list of [start, end] minute pairs, sorted; empty = not working.
	 *
	 * @return array<int, array{0: int, 1: int}>
	 */
	public function periods( int $agent_id, int $location_id, string $date ): array {
		$key = $agent_id . '|' . $location_id . '|' . $date;
		if ( isset( $this->memo[ $key ] ) ) {
			return $this->memo[ $key ];
		}
		$matching = $this->matching( $agent_id, $location_id );
		$custom   = array_filter(
			$matching,
			static function ( $row ) use ( $date ) {
				return $row['custom_date'] === $date;
			}
		);
		if ( $custom ) {
			$result = self::resolve( $custom );
		} else {
			$result = $this->weekday_periods( $agent_id, $location_id, self::week_day( $date ) );
		}
		$this->memo[ $key ] = $result;
		return $result;
	}

	/**
	 * The resolved weekly periods of a weekday (ignoring custom dates).
	 *
	 * @return array<int, array{0: int, 1: int}>
	 */
	public function weekday_periods( int $agent_id, int $location_id, int $week_day ): array {
		$key = $agent_id . '|' . $location_id . '|w' . $week_day;
		if ( ! isset( $this->memo[ $key ] ) ) {
			$this->memo[ $key ] = self::resolve(
				array_filter(
					$this->matching( $agent_id, $location_id ),
					static function ( $row ) use ( $week_day ) {
						return null === $row['custom_date'] && $row['week_day'] === $week_day;
					}
				)
			);
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
		foreach ( $this->matching( $agent_id, $location_id ) as $row ) {
			if ( null !== $row['custom_date'] ) {
				$dates[ $row['custom_date'] ] = true;
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

	/** The rows that apply to this agent, the loaded service and this location. */
	private function matching( int $agent_id, int $location_id ): array {
		$rows = array_merge( $this->rows[0] ?? array(), 0 === $agent_id ? array() : ( $this->rows[ $agent_id ] ?? array() ) );
		$out  = array();
		foreach ( $rows as $row ) {
			if ( ( 0 === $row['service_id'] || $row['service_id'] === $this->service_id )
				&& ( 0 === $row['location_id'] || $row['location_id'] === $location_id ) ) {
				$out[] = $row;
			}
		}
		return $out;
	}

	/**
	 * Keeps the most specific rows (agent, then service, then location) and
	 * turns them into sorted periods (kept apart: a slot must fit in one); 0-0 rows give nothing (day off).
	 *
	 * @return array<int, array{0: int, 1: int}>
	 */
	private static function resolve( array $rows ): array {
		if ( ! $rows ) {
			return array();
		}
		$rank = static function ( array $row ): int {
			return ( 0 !== $row['agent_id'] ? 4 : 0 ) + ( 0 !== $row['service_id'] ? 2 : 0 ) + ( 0 !== $row['location_id'] ? 1 : 0 );
		};
		$best = max( array_map( $rank, $rows ) );
		$list = array();
		foreach ( $rows as $row ) {
			if ( $rank( $row ) === $best && $row['end_time'] > $row['start_time'] ) {
				$list[] = array( $row['start_time'], $row['end_time'] );
			}
		}
		sort( $list );
		return array_values( array_unique( $list, SORT_REGULAR ) );
	}
}
