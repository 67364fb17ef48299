<?php
/**
 * A customer's booking and payment figures, as LatePoint's customer model
 * counts them: bookings_count (every booking, as get_total_bookings_count),
 * next_booking (the first booking not cancelled that starts after now, as
 * get_future_bookings), last_booking (the latest one not cancelled that
 * started before now, as get_past_bookings), total_paid (the sum of the
 * customer's transactions with status "succeeded", LatePoint's
 * LATEPOINT_TRANSACTION_STATUS_SUCCEEDED). "Now" is the site's date and
 * minute of day, as LatePoint compares start_date and start_time. A page of
 * customers costs the same few queries whatever its size. Knows nothing of REST.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Dates;

defined( 'ABSPATH' ) || exit;

/**
 * Customer stats.
 */
final class Customer_Stats {

	/** LatePoint's status of a successful transaction. */
	const SUCCEEDED = 'succeeded';

	/**
	 * @param int[] $ids customer ids
	 * @return array<int, array<string, mixed>> id => stats
	 */
	public static function of( array $ids ): array {
		global $wpdb;
		$out = array();
		if ( ! $ids ) {
			return $out;
		}
		$bookings = Tables::name( 'bookings' );
		$now      = new \DateTimeImmutable( 'now', wp_timezone() );
		$today    = $now->format( 'Y-m-d' );
		$minute   = (int) $now->format( 'G' ) * 60 + (int) $now->format( 'i' );
		$in       = implode( ', ', array_fill( 0, count( $ids ), '%d' ) );
		$future   = '(start_date > %s OR (start_date = %s AND start_time > %d))';
		$past     = '(start_date < %s OR (start_date = %s AND start_time < %d))';
		$pick     = "SELECT id FROM {$bookings} b WHERE b.customer_id = c.id AND b.status <> 'cancelled' AND ";
		$sql      = "SELECT c.id,
			(SELECT COUNT(*) FROM {$bookings} b WHERE b.customer_id = c.id) AS bookings_count,
			({$pick}{$future} ORDER BY start_date ASC, start_time ASC, id ASC LIMIT 1) AS next_id,
			({$pick}{$past} ORDER BY start_date DESC, start_time DESC, id DESC LIMIT 1) AS last_id
			FROM " . Tables::name( 'customers' ) . " c WHERE c.id IN ({$in})";
		$rows     = $wpdb->get_results( $wpdb->prepare( $sql, array_merge( array( $today, $today, $minute, $today, $today, $minute ), $ids ) ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $sql is literal SQL over Tables::name() with placeholders only.
		$picked   = array();
		foreach ( $rows ?: array() as $row ) {
			$picked[] = (int) $row['next_id'];
			$picked[] = (int) $row['last_id'];
		}
		$summaries = self::bookings( array_values( array_filter( $picked ) ) );
		$paid      = self::paid( $ids );
		foreach ( $rows ?: array() as $row ) {
			$id         = (int) $row['id'];
			$total      = $paid[ $id ] ?? '0.0000';
			$out[ $id ] = array(
				'bookings_count'       => (int) $row['bookings_count'],
				'next_booking'         => $summaries[ (int) $row['next_id'] ] ?? null,
				'last_booking'         => $summaries[ (int) $row['last_id'] ] ?? null,
				'total_paid'           => $total,
				'total_paid_formatted' => Money::format( $total ),
			);
		}
		return $out;
	}

	/** @return array<int, array<string, mixed>> booking id => its summary */
	private static function bookings( array $ids ): array {
		global $wpdb;
		if ( ! $ids ) {
			return array();
		}
		$sql  = 'SELECT id, status, service_id, agent_id, location_id, start_date, start_time, end_date, end_time, start_datetime_utc FROM ' . Tables::name( 'bookings' ) . ' WHERE id IN (' . implode( ', ', array_fill( 0, count( $ids ), '%d' ) ) . ')';
		$rows = $wpdb->get_results( $wpdb->prepare( $sql, $ids ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $sql is literal SQL over Tables::name() with placeholders only.
		$out  = array();
		foreach ( $rows ?: array() as $row ) {
			$out[ (int) $row['id'] ] = array(
				'id'                 => (int) $row['id'],
				'status'             => $row['status'],
				'service_id'         => (int) $row['service_id'],
				'agent_id'           => (int) $row['agent_id'],
				'location_id'        => $row['location_id'] ? (int) $row['location_id'] : null,
				'start_date'         => $row['start_date'],
				'start_time'         => Dates::hhmm( (int) $row['start_time'] ),
				'end_date'           => $row['end_date'],
				'end_time'           => Dates::hhmm( (int) $row['end_time'] ),
				'start_datetime_utc' => Dates::iso_utc( $row['start_datetime_utc'] ),
			);
		}
		return $out;
	}

	/** @return array<int, string> customer id => sum of succeeded transactions (4 decimals, as LatePoint stores amounts) */
	private static function paid( array $ids ): array {
		global $wpdb;
		$table = Tables::name( 'transactions' );
		if ( $table !== $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $table ) ) ) ) {
			return array();
		}
		$sql  = "SELECT customer_id, SUM(amount) AS paid FROM {$table} WHERE status = %s AND customer_id IN (" . implode( ', ', array_fill( 0, count( $ids ), '%d' ) ) . ') GROUP BY customer_id';
		$rows = $wpdb->get_results( $wpdb->prepare( $sql, array_merge( array( self::SUCCEEDED ), $ids ) ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $sql is literal SQL over Tables::name() with placeholders only.
		$out  = array();
		foreach ( $rows ?: array() as $row ) {
			$out[ (int) $row['customer_id'] ] = (string) $row['paid']; // SUM of decimal(20,4): exact, 4 decimals.
		}
		return $out;
	}
}
