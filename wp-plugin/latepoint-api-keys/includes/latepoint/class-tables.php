<?php
/**
 * LatePoint's own tables (../shared/docs/latepoint-data.md): their names,
 * whether they exist, its settings, its activity trail, and the helpers the
 * resource controllers share (transactions, times, codes, input checks).
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Auth\Request_Context;
use LatePointApi\Rest\Api_Response;
use LatePointApi\Rest\Args;
use LatePointApi\Rest\Resources_Controller;
use LatePointApi\Support\Storage_Error;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Shared data-layer helpers for the LatePoint resources.
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
		return Resources_Controller::latepoint_tables_exist();
	}

	/** The 503 the resource routes answer when LatePoint's tables are missing. */
	public static function missing_error(): \WP_Error {
		return Api_Response::error( 503, 'service_unavailable', __( 'This endpoint needs LatePoint, whose tables were not found on this site.', 'latepoint-api-keys' ) );
	}

	/** A value from latepoint_settings, or $default. */
	public static function setting( string $name, ?string $default = null ): ?string {
		global $wpdb;
		$value = $wpdb->get_var( $wpdb->prepare( 'SELECT value FROM ' . self::name( 'settings' ) . ' WHERE name = %s ORDER BY id DESC LIMIT 1', $name ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
		return null === $value ? $default : (string) $value;
	}

	/** Statuses whose bookings block their time (setting timeslot_blocking_statuses; default approved). */
	public static function blocking_statuses(): array {
		$value    = (string) self::setting( 'timeslot_blocking_statuses', '' );
		$statuses = array_values( array_filter( array_map( 'trim', explode( ',', $value ) ) ) );
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

	/** "HH:MM" → minutes from midnight. */
	public static function minutes( string $hhmm ): int {
		list( $h, $m ) = array_map( 'intval', explode( ':', $hhmm ) );
		return $h * 60 + $m;
	}

	/** Minutes from midnight → "HH:MM". */
	public static function hhmm( ?int $minutes ): ?string {
		if ( null === $minutes ) {
			return null;
		}
		return sprintf( '%02d:%02d', intdiv( $minutes, 60 ), $minutes % 60 );
	}

	/** A site-local date and minute → UTC "Y-m-d H:i:s". */
	public static function utc( string $date, int $minutes ): string {
		$local = new \DateTimeImmutable( $date . ' 00:00:00', wp_timezone() );
		$local = $local->setTime( intdiv( $minutes, 60 ), $minutes % 60 );
		return $local->setTimezone( new \DateTimeZone( 'UTC' ) )->format( 'Y-m-d H:i:s' );
	}

	/** A UTC "Y-m-d H:i:s" → ISO 8601 "…Z", or null. */
	public static function iso_utc( ?string $datetime ): ?string {
		if ( null === $datetime || '' === $datetime || str_starts_with( $datetime, '0000' ) ) {
			return null;
		}
		return str_replace( ' ', 'T', $datetime ) . 'Z';
	}

	/** A site-local "Y-m-d H:i:s" → ISO 8601 with the site's offset, or null. */
	public static function iso_local( ?string $datetime ): ?string {
		if ( null === $datetime || '' === $datetime || str_starts_with( $datetime, '0000' ) ) {
			return null;
		}
		try {
			return ( new \DateTimeImmutable( $datetime, wp_timezone() ) )->format( 'c' );
		} catch ( \Exception $e ) {
			return null;
		}
	}

	/** Whether a string is a real calendar date Y-m-d. */
	public static function is_date( $value ): bool {
		return is_string( $value ) && 1 === preg_match( '/^(\d{4})-(\d{2})-(\d{2})$/', $value, $m ) && checkdate( (int) $m[2], (int) $m[3], (int) $m[1] ) && (int) $m[1] >= 1970 && (int) $m[1] <= 2100;
	}

	/** An `args` entry for a Y-m-d date: the schema, then a calendar check. */
	public static function date_arg( array $extra = array() ): array {
		return $extra + array(
			'type'              => 'string',
			'format'            => 'date',
			'pattern'           => '^\d{4}-\d{2}-\d{2}$',
			'description'       => __( 'A date, YYYY-MM-DD.', 'latepoint-api-keys' ),
			'validate_callback' => static function ( $value, $request, $param ) {
				$valid = rest_validate_request_arg( $value, $request, $param );
				if ( true !== $valid ) {
					return $valid;
				}
				return self::is_date( $value ) ? true : new \WP_Error( 'rest_invalid_param', __( 'Not a valid calendar date (YYYY-MM-DD, years 1970–2100).', 'latepoint-api-keys' ) );
			},
		);
	}

	/** An `args` entry for a time of day "HH:MM". */
	public static function time_arg( array $extra = array() ): array {
		return $extra + array(
			'type'        => 'string',
			'pattern'     => '^([01][0-9]|2[0-3]):[0-5][0-9]$',
			'description' => __( 'A time of day, HH:MM (24-hour), in the site\'s time zone.', 'latepoint-api-keys' ),
		);
	}

	/** An `args` entry for a referenced id. */
	public static function id_arg( string $description, array $extra = array() ): array {
		return $extra + array(
			'type'        => 'integer',
			'minimum'     => 1,
			'maximum'     => 2147483647,
			'description' => $description,
		);
	}

	/**
	 * Refuses body fields the route does not know (422 naming them).
	 *
	 * @param string[] $allowed
	 */
	public static function reject_unknown( array $body, array $allowed ): void {
		$unknown = array_diff( array_map( 'strval', array_keys( $body ) ), $allowed );
		if ( $unknown ) {
			$fields = array();
			foreach ( array_slice( $unknown, 0, 20 ) as $name ) {
				$fields[ substr( $name, 0, 100 ) ] = __( 'Unknown field.', 'latepoint-api-keys' );
			}
			throw new Validation_Error( $fields );
		}
	}

	/** Runs a handler, turning exceptions into SPEC errors, and checking LatePoint's tables first. */
	public static function run( callable $handler ) {
		if ( ! self::exist() ) {
			return self::missing_error();
		}
		try {
			return $handler();
		} catch ( \Throwable $e ) {
			return Api_Response::from_exception( $e );
		}
	}

	/** The JSON body of a write; a non-object body is a 400. */
	public static function body( \WP_REST_Request $request ): array {
		$json = $request->get_json_params();
		if ( null === $json && '' !== trim( (string) $request->get_body() ) && ! $request->get_body_params() ) {
			throw new Validation_Error( array( 'body' => __( 'The body must be a JSON object.', 'latepoint-api-keys' ) ) );
		}
		return Args::body( $request );
	}
}
