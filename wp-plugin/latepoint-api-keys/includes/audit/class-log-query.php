<?php
/**
 * Reading the audit log back: pages of rows with filters (key, status or
 * status class, event, dates), their public form, and a key's daily usage.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Audit;

use LatePointApi\Support\Paged_Query;
use LatePointApi\Support\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * Queries of the log and the usage counts.
 */
final class Log_Query {

	/**
	 * A page of log rows, newest first.
	 *
	 * @param array{key_id?: int, status?: string, event?: string, date_from?: string, date_to?: string} $filters
	 * @return array{items: array[], total: int}
	 */
	public static function query( array $filters, int $offset, int $limit, ?int $before_id = null ): array {
		list( $where, $args ) = self::where( $filters );
		$page                 = Paged_Query::newest_first( Schema::audit_log(), $where, $args, $offset, $limit, $before_id );
		return array(
			'items' => array_map( array( self::class, 'present' ), $page['rows'] ),
			'total' => $page['total'],
		);
	}

	/** @return array{0: string, 1: array} */
	private static function where( array $filters ): array {
		$clauses = array();
		$args    = array();
		if ( ! empty( $filters['key_id'] ) ) {
			$clauses[] = 'key_id = %d';
			$args[]    = (int) $filters['key_id'];
		}
		if ( ! empty( $filters['event'] ) ) {
			$clauses[] = 'event = %s';
			$args[]    = $filters['event'];
		}
		if ( ! empty( $filters['status'] ) ) {
			$status = (string) $filters['status'];
			if ( preg_match( '/^([1-5])xx$/', $status, $m ) ) {
				$clauses[] = 'status BETWEEN %d AND %d';
				$args[]    = (int) $m[1] * 100;
				$args[]    = (int) $m[1] * 100 + 99;
			} elseif ( 'errors' === $status ) {
				$clauses[] = 'status >= 400';
			} elseif ( ctype_digit( $status ) ) {
				$clauses[] = 'status = %d';
				$args[]    = (int) $status;
			}
		}
		if ( ! empty( $filters['date_from'] ) ) {
			$clauses[] = 'created_at >= %s';
			$args[]    = $filters['date_from'] . ' 00:00:00';
		}
		if ( ! empty( $filters['date_to'] ) ) {
			$clauses[] = 'created_at <= %s';
			$args[]    = $filters['date_to'] . ' 23:59:59.999';
		}
		return array( $clauses ? ' WHERE ' . implode( ' AND ', $clauses ) : '', $args );
	}

	/** The public form of a log row. */
	public static function present( array $row ): array {
		return array(
			'id'            => (int) $row['id'],
			'time'          => str_replace( ' ', 'T', $row['created_at'] ) . 'Z',
			'request_id'    => $row['request_id'],
			'event'         => $row['event'],
			'key_id'        => null === $row['key_id'] ? null : (int) $row['key_id'],
			'key_prefix'    => $row['key_prefix'],
			'actor_user_id' => null === $row['actor_user_id'] ? null : (int) $row['actor_user_id'],
			'method'        => $row['method'],
			'route'         => $row['route'],
			'status'        => (int) $row['status'],
			'error_code'    => $row['error_code'],
			'client_ip'     => $row['client_ip'],
			'user_agent'    => $row['user_agent'],
			'duration_ms'   => (int) $row['duration_ms'],
		);
	}

	/**
	 * Daily counts of one key over the last $days days, oldest first, with zeros for quiet days.
	 *
	 * @return array<int, array{day: string, requests: int, errors: int, rate_limited: int}>
	 */
	public static function usage( int $key_id, int $days = 30 ): array {
		global $wpdb;
		$from   = gmdate( 'Y-m-d', time() - ( $days - 1 ) * DAY_IN_SECONDS );
		$rows   = $wpdb->get_results( $wpdb->prepare( 'SELECT day, requests, errors, rate_limited FROM ' . Schema::usage_daily() . ' WHERE key_id = %d AND day >= %s', $key_id, $from ), ARRAY_A );
		$by_day = array();
		foreach ( $rows ?: array() as $row ) {
			$by_day[ $row['day'] ] = $row;
		}
		$series = array();
		for ( $i = $days - 1; $i >= 0; $i-- ) {
			$day      = gmdate( 'Y-m-d', time() - $i * DAY_IN_SECONDS );
			$series[] = array(
				'day'          => $day,
				'requests'     => (int) ( $by_day[ $day ]['requests'] ?? 0 ),
				'errors'       => (int) ( $by_day[ $day ]['errors'] ?? 0 ),
				'rate_limited' => (int) ( $by_day[ $day ]['rate_limited'] ?? 0 ),
			);
		}
		return $series;
	}
}
