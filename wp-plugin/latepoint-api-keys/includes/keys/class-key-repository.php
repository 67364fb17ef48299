<?php
/**
 * The keys table: every SQL statement of the key store. A failed write is a
 * Storage_Error (503 over REST, a notice on the admin page), never a silent
 * success.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Keys;

use LatePointApi\Support\Conflict_Error;
use LatePointApi\Support\Paged_Query;
use LatePointApi\Support\Schema;
use LatePointApi\Support\Storage_Error;

defined( 'ABSPATH' ) || exit;

/**
 * SQL over the keys table.
 */
final class Key_Repository {

	/** Inserts a key row; returns its id. */
	public static function insert( array $row ): int {
		global $wpdb;
		if ( false === $wpdb->insert( Schema::keys(), $row ) ) {
			throw new Storage_Error( 'The key could not be saved.' );
		}
		return (int) $wpdb->insert_id;
	}

	/** Updates columns of a key. */
	public static function update( int $id, array $columns ): void {
		global $wpdb;
		if ( false === $wpdb->update( Schema::keys(), $columns, array( 'id' => $id ) ) ) {
			throw new Storage_Error( 'The key could not be saved.' );
		}
	}

	/**
	 * Rotation, in one transaction: inserts the new key and moves the old one
	 * (still in the status it was read with) to its new columns.
	 *
	 * @return int the new key's id
	 */
	public static function replace( array $old, array $new_row, array $old_columns ): int {
		global $wpdb;
		if ( false === $wpdb->query( 'START TRANSACTION' ) ) {
			throw new Storage_Error( 'The key store is unavailable.' );
		}
		$inserted = $wpdb->insert( Schema::keys(), $new_row );
		$new_id   = (int) $wpdb->insert_id;
		$moved    = $wpdb->update( Schema::keys(), $old_columns, array( 'id' => (int) $old['id'], 'status' => $old['status'] ) );
		if ( false === $inserted || false === $moved ) {
			$wpdb->query( 'ROLLBACK' );
			throw new Storage_Error( 'The key could not be saved.' );
		}
		if ( 1 !== $moved ) {
			$wpdb->query( 'ROLLBACK' );
			throw new Conflict_Error( 'conflict', __( 'The key changed while it was being rotated; try again.', 'latepoint-api-keys' ) );
		}
		if ( false === $wpdb->query( 'COMMIT' ) ) {
			$wpdb->query( 'ROLLBACK' );
			throw new Storage_Error( 'The key could not be saved.' );
		}
		return $new_id;
	}

	/** A key row by id, or null. */
	public static function by_id( int $id ): ?array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . Schema::keys() . ' WHERE id = %d', $id ), ARRAY_A );
		return $row ? $row : null;
	}

	/** A key row by hash, or null; a Storage_Error when the table cannot be read. */
	public static function by_hash( string $hash ): ?array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . Schema::keys() . ' WHERE key_hash = %s', $hash ), ARRAY_A );
		if ( null === $row && '' !== $wpdb->last_error ) {
			throw new Storage_Error( 'The key store is unavailable.' );
		}
		return $row ? $row : null;
	}

	/** Active test keys not expired at $now (Site Health: none should be on a production site). */
	public static function count_usable_test_keys( string $now ): int {
		global $wpdb;
		return (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . Schema::keys() . " WHERE environment = 'test' AND status = 'active' AND (expires_at IS NULL OR expires_at > %s)", $now ) );
	}

	/** Active keys not expired at $now. */
	public static function count_active( string $now ): int {
		global $wpdb;
		return (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . Schema::keys() . " WHERE status = 'active' AND (expires_at IS NULL OR expires_at > %s)", $now ) );
	}

	/** Active or disabled keys past their expiry become expired; returns how many. */
	public static function expire_due( string $now ): int {
		global $wpdb;
		$changed = $wpdb->query( $wpdb->prepare( 'UPDATE ' . Schema::keys() . " SET status = 'expired', updated_at = %s WHERE status IN ('active','disabled') AND expires_at IS NOT NULL AND expires_at <= %s", $now, $now ) );
		if ( false === $changed ) {
			throw new Storage_Error( 'Expired keys could not be marked.' );
		}
		return (int) $changed;
	}

	/**
	 * A page of key rows, newest first.
	 *
	 * @return array{rows: array[], total: int}
	 */
	public static function page( array $filters, int $offset, int $limit, ?int $before_id ): array {
		list( $where, $args ) = self::where( $filters );
		return Paged_Query::newest_first( Schema::keys(), $where, $args, $offset, $limit, $before_id );
	}

	/** @return array{0: string, 1: array} */
	private static function where( array $filters ): array {
		global $wpdb;
		$clauses = array();
		$args    = array();
		if ( ! empty( $filters['status'] ) ) {
			// The same rule as effective_status(): an active or disabled key past its expiry shows as expired.
			if ( 'expired' === $filters['status'] ) {
				$clauses[] = "(status = 'expired' OR (status IN ('active','disabled') AND expires_at IS NOT NULL AND expires_at <= %s))";
				$args[]    = Key_Service::now();
			} elseif ( in_array( $filters['status'], array( 'active', 'disabled' ), true ) ) {
				$clauses[] = 'status = %s AND (expires_at IS NULL OR expires_at > %s)';
				$args[]    = $filters['status'];
				$args[]    = Key_Service::now();
			} else {
				$clauses[] = 'status = %s';
				$args[]    = $filters['status'];
			}
		}
		if ( ! empty( $filters['environment'] ) ) {
			$clauses[] = 'environment = %s';
			$args[]    = $filters['environment'];
		}
		if ( ! empty( $filters['search'] ) ) {
			$like      = '%' . $wpdb->esc_like( $filters['search'] ) . '%';
			$clauses[] = '(name LIKE %s OR key_prefix LIKE %s)';
			$args[]    = $like;
			$args[]    = $like;
		}
		return array( $clauses ? ' WHERE ' . implode( ' AND ', $clauses ) : '', $args );
	}
}
