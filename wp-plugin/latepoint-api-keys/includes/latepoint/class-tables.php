<?php
/**
 * LatePoint's own tables: their names, whether they exist, its settings and
 * booking rules, its activity trail, and the write helpers the LatePoint data
 * layers share (transactions, checked writes, codes). Knows nothing of REST.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

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

	/**
	 * The autoloaded option naming the bookings table once it was found, so
	 * that exist() costs no query on every request. Deleted when LatePoint is
	 * deactivated (its uninstall, which drops its tables, comes after) and
	 * when a route finds the tables gone (Resource_Controller::run()).
	 */
	const FOUND_OPTION = 'lpapi_latepoint_tables';

	/** @var ?bool */
	private static $exist = null;

	/** Whether LatePoint's tables exist on this site (known from FOUND_OPTION, else asked once per request). */
	public static function exist(): bool {
		if ( null === self::$exist ) {
			$table       = self::name( 'bookings' );
			self::$exist = get_option( self::FOUND_OPTION ) === $table || self::found();
		}
		return self::$exist;
	}

	/** Asks the database whether the tables exist, and remembers the answer in FOUND_OPTION. */
	public static function found(): bool {
		global $wpdb;
		$table       = self::name( 'bookings' );
		self::$exist = $table === $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $table ) ) );
		if ( self::$exist !== ( get_option( self::FOUND_OPTION ) === $table ) ) {
			self::$exist ? update_option( self::FOUND_OPTION, $table, true ) : delete_option( self::FOUND_OPTION );
		}
		return self::$exist;
	}

	/** deactivated_plugin: LatePoint's tables may go with it. */
	public static function plugin_deactivated( string $plugin ): void {
		if ( 'latepoint/latepoint.php' === $plugin ) {
			delete_option( self::FOUND_OPTION );
			self::$exist = null;
		}
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

	/** The LatePoint settings the plugin reads, fetched together on the first read of a request. */
	const SETTINGS_READ = array(
		'timeblock_interval',
		'any_agent_order',
		'custom_fields_for_customer',
		'timeslot_blocking_statuses',
		'earliest_possible_booking',
		'latest_possible_booking',
		'one_location_at_time',
		'one_agent_at_location',
		'multiple_services_at_time',
		'decimal_separator',
		'thousand_separator',
		'number_of_decimals',
		'currency_symbol_before',
		'currency_symbol_after',
	);

	/** @var array<string, string[]> LatePoint settings read in this request: name => its rows' values, by id */
	private static $settings = array();

	/**
	 * The rows of these LatePoint settings, name => values in id order (a
	 * name without a row is absent). The first read of a request fetches all
	 * of SETTINGS_READ in one query; see forget().
	 *
	 * @param string[] $names
	 * @return array<string, string[]>
	 * @throws Storage_Error When the settings table cannot be read (nothing is remembered then).
	 */
	public static function settings_of( array $names ): array {
		global $wpdb;
		$missing = array_values( array_diff( $names, array_keys( self::$settings ) ) );
		if ( $missing ) {
			$fetch = array_values( array_unique( array_merge( $missing, self::$settings ? array() : self::SETTINGS_READ ) ) );
			$rows  = $wpdb->get_results( $wpdb->prepare( 'SELECT name, value FROM ' . self::name( 'settings' ) . ' WHERE name IN (' . implode( ', ', array_fill( 0, count( $fetch ), '%s' ) ) . ') ORDER BY id ASC', $fetch ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- only placeholders are joined in.
			if ( '' !== $wpdb->last_error ) {
				throw new Storage_Error( 'LatePoint\'s settings could not be read.' );
			}
			$found = array_fill_keys( $fetch, array() );
			foreach ( $rows ?: array() as $row ) {
				$found[ $row['name'] ][] = (string) $row['value'];
			}
			self::$settings += $found;
		}
		return array_filter( array_intersect_key( self::$settings, array_flip( $names ) ) );
	}

	/** A value from latepoint_settings (its last row), or $default. */
	public static function setting( string $name, ?string $default = null ): ?string {
		try {
			$values = self::settings_of( array( $name ) )[ $name ] ?? array();
		} catch ( Storage_Error $e ) {
			return $default;
		}
		return $values ? end( $values ) : $default;
	}

	/**
	 * The first row's value of each of these settings that has one (as
	 * LatePoint's own readers take it).
	 *
	 * @param string[] $names
	 * @return array<string, string>
	 * @throws Storage_Error When the settings table cannot be read.
	 */
	public static function first_settings( array $names ): array {
		return array_map( static fn ( array $values ) => $values[0], self::settings_of( $names ) );
	}

	/**
	 * Forgets the LatePoint settings read so far (and Money's): each API
	 * request starts afresh, also when several run in one process.
	 */
	public static function forget(): void {
		self::$settings = array();
		Money::forget_settings();
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

	/** The site's local time, as LatePoint stores created_at / updated_at. */
	public static function now(): string {
		return current_time( 'mysql' );
	}
}
