<?php
/**
 * LatePoint's own tables: their names, whether they exist, its settings and
 * booking rules, its activity trail, and the write helpers the LatePoint data
 * layers share (transactions, checked writes, codes). Knows nothing of REST.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Auth\Request_Context;
use LatePointApi\Support\Storage_Error;

defined( 'ABSPATH' ) || exit;

/**
 * LatePoint's tables and rules, shared by the data layers.
 */
final class Tables {

	/** Booking statuses LatePoint knows. */
	const BOOKING_STATUSES = array( 'approved', 'pending', 'payment_pending', 'cancelled', 'no_show', 'completed' );
	/** Agent, service and location statuses. */
	const CATALOG_STATUSES = array( 'active', 'disabled' );

	/** `{prefix}latepoint_{name}`. */
	public static function name( string $table ): string {
		global $wpdb;
		return $wpdb->prefix . 'latepoint_' . $table;
	}

	/** Whether LatePoint's tables exist on this site (checked once per request). */
	public static function exist(): bool {
		global $wpdb;
		static $exists = null;
		if ( null === $exists ) {
			$table  = self::name( 'bookings' );
			$exists = $table === $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $table ) ) );
		}
		return $exists;
	}

	/** A row of a LatePoint table by id, or null. */
	public static function find( string $table, int $id, string $columns = '*' ): ?array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT ' . $columns . ' FROM ' . self::name( $table ) . ' WHERE id = %d', $id ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $columns is a literal column list from this plugin's callers.
		if ( '' !== $wpdb->last_error ) {
			throw new Storage_Error( 'A LatePoint table could not be read.' );
		}
		return $row ? $row : null;
	}

	/** A value from latepoint_settings, or $default. */
	public static function setting( string $name, ?string $default = null ): ?string {
		global $wpdb;
		$value = $wpdb->get_var( $wpdb->prepare( 'SELECT value FROM ' . self::name( 'settings' ) . ' WHERE name = %s ORDER BY id DESC LIMIT 1', $name ) );
		return null === $value ? $default : (string) $value;
	}

	/** Statuses whose bookings block their time (setting timeslot_blocking_statuses; default approved). */
	public static function blocking_statuses(): array {
		return self::parse_blocking_statuses( (string) self::setting( 'timeslot_blocking_statuses', '' ) );
	}

	/** The statuses a timeslot_blocking_statuses value names; approved when it names none. */
	public static function parse_blocking_statuses( string $value ): array {
		$statuses = array_values( array_filter( array_map( 'trim', explode( ',', $value ) ), 'strlen' ) );
		return $statuses ? $statuses : array( 'approved' );
	}

	/**
	 * Runs $work in a database transaction: COMMIT when it returns, ROLLBACK
	 * when it throws (the exception is re-thrown).
	 *
	 * @template T
	 * @param callable(): T $work
	 * @return T
	 */
	public static function transaction( callable $work ) {
		global $wpdb;
		$wpdb->query( 'START TRANSACTION' );
		try {
			$result = $work();
		} catch ( \Throwable $e ) {
			$wpdb->query( 'ROLLBACK' );
			throw $e;
		}
		if ( false === $wpdb->query( 'COMMIT' ) ) {
			$wpdb->query( 'ROLLBACK' );
			throw new Storage_Error( 'Commit failed.' );
		}
		return $result;
	}

	/** Throws a Storage_Error when a $wpdb write failed. */
	public static function check_write( $result ): void {
		global $wpdb;
		if ( false === $result ) {
			throw new Storage_Error( 'A LatePoint table write failed: ' . $wpdb->last_error );
		}
	}

	/** Inserts a row and returns its id. */
	public static function insert( string $table, array $row ): int {
		global $wpdb;
		self::check_write( $wpdb->insert( self::name( $table ), $row ) );
		return (int) $wpdb->insert_id;
	}

	/** The site's local time, as LatePoint stores created_at / updated_at. */
	public static function now(): string {
		return current_time( 'mysql' );
	}

	/** A random code of LatePoint's kind (booking_code, confirmation_code): 10 upper-case letters and digits. */
	public static function random_code( int $length = 10 ): string {
		$alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
		$code     = '';
		for ( $i = 0; $i < $length; $i++ ) {
			$code .= $alphabet[ random_int( 0, strlen( $alphabet ) - 1 ) ];
		}
		return $code;
	}

	/**
	 * Adds a row to LatePoint's activities, noting the calling API key by id
	 * and display prefix (never the key).
	 *
	 * @param array<string, int|null> $ids booking_id, customer_id, agent_id, …
	 */
	public static function activity( string $code, string $what, array $ids = array() ): void {
		$key    = Request_Context::$key;
		$prefix = is_array( $key ) ? (string) ( $key['key_prefix'] ?? '' ) : '';
		$name   = is_array( $key ) ? (string) ( $key['name'] ?? '' ) : '';
		$now    = self::now();
		$row    = array_intersect_key( $ids, array_flip( array( 'agent_id', 'booking_id', 'service_id', 'customer_id', 'location_id', 'order_id', 'order_item_id' ) ) );
		self::insert(
			'activities',
			$row + array(
				'code'            => $code,
				/* translators: 1: what happened, 2: key display prefix, 3: key name */
				'description'     => sprintf( __( '%1$s through the API with key %2$s… (%3$s)', 'latepoint-api-keys' ), $what, $prefix, $name ),
				'initiated_by'    => 'api_key',
				'initiated_by_id' => is_array( $key ) ? (int) $key['id'] : null,
				'created_at'      => $now,
				'updated_at'      => $now,
			)
		);
	}
}
