<?php
/**
 * LatePoint's locations: the reads of /locations (with their category, from
 * LatePoint's location categories) and the default location the booking
 * writes need. Knows nothing of REST.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Dates;
use LatePointApi\Support\Not_Found_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Locations.
 */
final class Locations {

	/**
	 * The location of a booking that names none: the first active location
	 * where the agent offers the service (agents_services), else the first
	 * active one, else the first; LatePoint's default location (which it creates) when there
	 * is none.
	 */
	public static function default_id( int $agent_id = 0, int $service_id = 0 ): int {
		global $wpdb;
		$table = Tables::name( 'locations' );
		if ( $agent_id && $service_id ) {
			$links   = Tables::name( 'agents_services' );
			$offered = $wpdb->get_var( $wpdb->prepare( "SELECT l.id FROM {$links} a JOIN {$table} l ON l.id = a.location_id WHERE a.agent_id = %d AND a.service_id = %d AND l.status = 'active' ORDER BY l.order_number ASC, l.id ASC LIMIT 1", $agent_id, $service_id ) ); // phpcs:ignore LatePointApi.Security.PreparedSql.InterpolatedVariable -- $links and $table are Tables::name() of fixed tables.
			if ( $offered ) {
				return (int) $offered;
			}
		}
		$id = $wpdb->get_var( "SELECT id FROM {$table} ORDER BY (status = 'active') DESC, order_number ASC, id ASC LIMIT 1" ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared -- $table is Tables::name( 'locations' ).
		if ( null !== $id ) {
			return (int) $id;
		}
		// None at all: LatePoint's own default location (it creates "Main Location").
		return (int) \OsLocationHelper::get_default_location_id();
	}

	/**
	 * A page of locations by id ascending; filters: status (active, disabled or
	 * any), category_id. The cursor names the last id of the previous page.
	 *
	 * @return array{items: array[], total: int}
	 */
	public static function query( array $filters, int $offset, int $limit, ?int $after_id ): array {
		global $wpdb;
		$clauses = array();
		$args    = array();
		$status  = (string) ( $filters['status'] ?? 'any' );
		if ( 'any' !== $status ) {
			$clauses[] = 'l.status = %s';
			$args[]    = $status;
		}
		if ( ! empty( $filters['category_id'] ) ) {
			$clauses[] = 'l.category_id = %d';
			$args[]    = (int) $filters['category_id'];
		}
		$where = $clauses ? ' WHERE ' . implode( ' AND ', $clauses ) : '';
		$count = 'SELECT COUNT(*) FROM ' . Tables::name( 'locations' ) . ' l' . $where;
		$total = (int) $wpdb->get_var( $args ? $wpdb->prepare( $count, $args ) : $count ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared,LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $count is literal SQL over Tables::name() plus the placeholders of $where.
		if ( null !== $after_id ) {
			$where .= ( $where ? ' AND' : ' WHERE' ) . ' l.id > %d';
			$args[] = $after_id;
			$offset = 0;
		}
		$args[] = $limit;
		$args[] = $offset;
		$rows   = $wpdb->get_results( $wpdb->prepare( self::select() . $where . ' ORDER BY l.id ASC LIMIT %d OFFSET %d', $args ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- self::select() is literal SQL over Tables::name() and $where holds only placeholders for $args.
		return array(
			'items' => array_map( array( self::class, 'present' ), $rows ?: array() ),
			'total' => $total,
		);
	}

	/** One location, or Not_Found_Error. */
	public static function one( int $id ): array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( self::select() . ' WHERE l.id = %d', $id ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- self::select() is literal SQL over Tables::name().
		if ( ! $row ) {
			throw new Not_Found_Error( __( 'No location with this id.', 'latepoint-api-keys' ) );
		}
		return self::present( $row );
	}

	/** A location: name, address, status and its category (id and name, or null). */
	public static function present( array $row ): array {
		$category_id = $row['category_id'] ? (int) $row['category_id'] : null;
		return array(
			'id'           => (int) $row['id'],
			'name'         => (string) $row['name'],
			'full_address' => (string) $row['full_address'],
			'status'       => $row['status'],
			'category_id'  => $category_id,
			'category'     => $category_id && null !== $row['category_name'] ? array( 'id' => $category_id, 'name' => (string) $row['category_name'] ) : null,
			'order_number' => null === $row['order_number'] ? null : (int) $row['order_number'],
			'created_at'   => Dates::iso_local( $row['created_at'] ),
			'updated_at'   => Dates::iso_local( $row['updated_at'] ),
		);
	}

	/** Locations with the name of their category. */
	private static function select(): string {
		return 'SELECT l.*, c.name AS category_name FROM ' . Tables::name( 'locations' ) . ' l LEFT JOIN ' . Tables::name( 'location_categories' ) . ' c ON c.id = l.category_id';
	}
}
