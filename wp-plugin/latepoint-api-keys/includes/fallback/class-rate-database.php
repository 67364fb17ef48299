<?php
/**
 * The fallback's rate counters in the plugin's counters table, used inside
 * WordPress when APCu is not enabled: one row per bucket (keyed by the
 * SHA-256 of its name) holding the counters of Rate_Windows. Best effort (see
 * update_many()).
 *
 * @package LatePointApi
 */

namespace LatePointApi\Fallback;

defined( 'ABSPATH' ) || defined( 'LPAPI_FALLBACK_STANDALONE' ) || exit;

/**
 * Rate counters in the database.
 */
final class Rate_Database {

	public static function table(): string {
		global $wpdb;
		return $wpdb->prefix . 'lpapi_rate_counters';
	}

	/**
	 * A bucket's last committed counters, locking nothing.
	 *
	 * @return array{0: int, 1: int, 2: int, 3: int}
	 */
	public static function read( string $bucket ): array {
		global $wpdb;
		return Rate_Windows::counters(
			$wpdb->get_row(
				$wpdb->prepare( 'SELECT minute_index, minute_count, hour_count, day_count FROM ' . self::table() . ' WHERE bucket = %s', hash( 'sha256', $bucket ) ),
				ARRAY_N
			)
		);
	}

	/** Forgets a bucket's counters. */
	public static function reset( string $bucket ): void {
		global $wpdb;
		$wpdb->delete( self::table(), array( 'bucket' => hash( 'sha256', $bucket ) ) );
	}

	/**
	 * Rate_Store::update_many() on the database: best effort. Row locks
	 * (SELECT … FOR UPDATE in one transaction, taken in the order of the rows'
	 * keys, so two decisions never wait on each other) make read-decide-write
	 * atomic while the database answers; when it cannot lock every row (a
	 * lock wait timeout, a deadlock, a reset that deleted one, an error), the
	 * decision is made on the last committed counts and counts nothing, and a
	 * failed write rolls back every bucket's. START TRANSACTION commits a
	 * transaction the caller had open.
	 *
	 * @param list<string> $buckets Distinct bucket names.
	 * @param callable(list<array{0: int, 1: int, 2: int, 3: int}>): ?list<array{0: int, 1: int, 2: int, 3: int}> $decide
	 */
	public static function update_many( array $buckets, callable $decide ): void {
		global $wpdb;
		$ids = array();
		foreach ( $buckets as $bucket ) {
			$ids[] = hash( 'sha256', $bucket );
		}
		$sorted = $ids;
		sort( $sorted, SORT_STRING );
		foreach ( $sorted as $id ) {
			// Outside the transaction, so no shared lock on an existing row is held to be upgraded (a deadlock).
			$wpdb->query( $wpdb->prepare( 'INSERT IGNORE INTO ' . self::table() . ' (bucket, minute_index, minute_count, hour_count, day_count) VALUES (%s, 0, 0, 0, 0)', $id ) );
		}
		if ( false === $wpdb->query( 'START TRANSACTION' ) ) {
			$decide( array_map( array( self::class, 'read' ), $buckets ) );
			return;
		}
		$rows = array();
		foreach ( $sorted as $id ) {
			$row = $wpdb->get_row( $wpdb->prepare( 'SELECT minute_index, minute_count, hour_count, day_count FROM ' . self::table() . ' WHERE bucket = %s FOR UPDATE', $id ), ARRAY_N );
			if ( ! $row ) {
				$wpdb->query( 'ROLLBACK' );
				$decide( array_map( array( self::class, 'read' ), $buckets ) );
				return;
			}
			$rows[ $id ] = Rate_Windows::counters( $row );
		}
		$stored = array();
		foreach ( $ids as $id ) {
			$stored[] = $rows[ $id ];
		}
		$next = $decide( $stored );
		if ( null !== $next ) {
			foreach ( $ids as $i => $id ) {
				$written = $wpdb->query(
					$wpdb->prepare(
						'UPDATE ' . self::table() . ' SET minute_index = %d, minute_count = %d, hour_count = %d, day_count = %d WHERE bucket = %s',
						$next[ $i ][0],
						$next[ $i ][1],
						$next[ $i ][2],
						$next[ $i ][3],
						$id
					)
				);
				if ( false === $written ) {
					$wpdb->query( 'ROLLBACK' );
					return;
				}
			}
		}
		$wpdb->query( 'COMMIT' );
	}
}
