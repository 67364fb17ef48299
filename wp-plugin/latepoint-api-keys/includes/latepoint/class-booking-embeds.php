<?php
/**
 * The `include` of the bookings routes: the booking's customer, agent,
 * service and location records embedded in each booking, each as its own
 * route presents it, loaded in one query per kind for a whole page. Each
 * embed needs the read permission of its kind (Booking_Embeds::PERMISSIONS),
 * which the controller checks. Knows nothing of REST.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Dates;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Embeds.
 */
final class Booking_Embeds {

	/** Each embed, the permission it needs. */
	const PERMISSIONS = array(
		'customer' => 'customers:read',
		'agent'    => 'agents:read',
		'service'  => 'services:read',
		'location' => 'locations:read',
	);

	/**
	 * The embeds an `include` value names ("customer,agent"), in a fixed order;
	 * 422 naming `include` for an unknown one.
	 *
	 * @return string[]
	 */
	public static function parse( string $value ): array {
		$names = array_filter( array_map( 'trim', explode( ',', $value ) ), 'strlen' );
		if ( array_diff( $names, array_keys( self::PERMISSIONS ) ) ) {
			/* translators: %s: the allowed values */
			throw new Validation_Error( array( 'include' => sprintf( __( 'A comma-separated list of: %s.', 'latepoint-api-keys' ), implode( ', ', array_keys( self::PERMISSIONS ) ) ) ) );
		}
		return array_values( array_intersect( array_keys( self::PERMISSIONS ), $names ) );
	}

	/**
	 * Adds the named embeds to presented bookings: `customer`, `agent`,
	 * `service`, `location` (null when the record is gone).
	 *
	 * @param array[]  $bookings presented bookings.
	 * @param string[] $embeds   from parse().
	 * @return array[]
	 */
	public static function add( array $bookings, array $embeds ): array {
		foreach ( $embeds as $embed ) {
			$ids     = array_values( array_unique( array_filter( array_map( static fn ( $b ) => (int) $b[ $embed . '_id' ], $bookings ) ) ) );
			$records = self::load( self::table( $embed ), $ids );
			foreach ( $bookings as $i => $booking ) {
				$row                      = $records[ (int) $booking[ $embed . '_id' ] ] ?? null;
				$bookings[ $i ][ $embed ] = null === $row ? null : self::present( $embed, $row );
			}
		}
		return $bookings;
	}

	/** The embed's table name. */
	private static function table( string $embed ): string {
		switch ( $embed ) {
			case 'customer':
				return Tables::name( 'customers' );
			case 'agent':
				return Tables::name( 'agents' );
			case 'service':
				return Tables::name( 'services' );
			default:
				return Tables::name( 'locations' );
		}
	}

	/** @return array<int, array> rows by id */
	private static function load( string $table, array $ids ): array {
		global $wpdb;
		if ( ! $ids ) {
			return array();
		}
		$placeholders = implode( ', ', array_fill( 0, count( $ids ), '%d' ) );
		$rows         = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE id IN ({$placeholders})", $ids ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.InterpolatedVariable -- $table is a Tables::name() of a fixed table (table()); $placeholders is only %d placeholders for $ids.
		$out          = array();
		foreach ( (array) $rows as $row ) {
			$out[ (int) $row['id'] ] = $row;
		}
		return $out;
	}

	private static function present( string $embed, array $row ): array {
		switch ( $embed ) {
			case 'customer':
				return Customers::present( $row );
			case 'agent':
				return Catalog::present_agent( $row );
			case 'service':
				return Catalog::present_service( $row );
			default:
				return self::present_location( $row );
		}
	}

	/** A location: its name, address, status and order. */
	public static function present_location( array $row ): array {
		$int = static fn ( $v ) => null === $v || '' === $v ? null : (int) $v;
		return array(
			'id'           => (int) $row['id'],
			'name'         => (string) $row['name'],
			'full_address' => (string) ( $row['full_address'] ?? '' ),
			'status'       => $row['status'],
			'category_id'  => $int( $row['category_id'] ?? null ),
			'order_number' => $int( $row['order_number'] ?? null ),
			'created_at'   => Dates::iso_local( $row['created_at'] ?? null ),
			'updated_at'   => Dates::iso_local( $row['updated_at'] ?? null ),
		);
	}
}
