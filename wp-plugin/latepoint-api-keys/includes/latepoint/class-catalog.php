<?php
/**
 * LatePoint's catalog, read-only: agents and services. Prices are decimal
 * strings exactly as LatePoint stores them (e.g. "60.0000"), or null, and
 * also as LatePoint shows them (Money). A service is offered by an agent at a
 * location when an agents_services row links them (LatePoint's service form
 * writes those rows). Knows nothing of REST.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Dates;
use LatePointApi\Support\Not_Found_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Agents and services.
 */
final class Catalog {

	/**
	 * A page of agents by id; filters: status (active, disabled or any), search (name or email).
	 *
	 * @return array{items: array[], total: int}
	 */
	public static function agents( array $filters, int $offset, int $limit, ?int $after_id ): array {
		global $wpdb;
		$clauses = array();
		$args    = array();
		$status  = (string) ( $filters['status'] ?? 'any' );
		if ( 'any' !== $status ) {
			$clauses[] = 'status = %s';
			$args[]    = $status;
		}
		if ( isset( $filters['search'] ) ) {
			$like      = '%' . $wpdb->esc_like( (string) $filters['search'] ) . '%';
			$clauses[] = '(first_name LIKE %s OR last_name LIKE %s OR display_name LIKE %s OR email LIKE %s)';
			array_push( $args, $like, $like, $like, $like );
		}
		return self::query( 'agents', $clauses, $args, $offset, $limit, $after_id, array( self::class, 'present_agent' ) );
	}

	/**
	 * A page of services by id; filters: status (default active; or disabled, any), category_id,
	 * agent_id and location_id (offered by that agent / at that location; both: by that agent there).
	 *
	 * @return array{items: array[], total: int}
	 */
	public static function services( array $filters, int $offset, int $limit, ?int $after_id ): array {
		$clauses = array();
		$args    = array();
		$status  = (string) ( $filters['status'] ?? 'active' );
		if ( 'any' !== $status ) {
			$clauses[] = 'status = %s';
			$args[]    = $status;
		}
		if ( ! empty( $filters['category_id'] ) ) {
			$clauses[] = 'category_id = %d';
			$args[]    = (int) $filters['category_id'];
		}
		if ( ! empty( $filters['agent_id'] ) || ! empty( $filters['location_id'] ) ) {
			$link = 'SELECT 1 FROM ' . Tables::name( 'agents_services' ) . ' l WHERE l.service_id = ' . Tables::name( 'services' ) . '.id';
			foreach ( array( 'agent_id', 'location_id' ) as $column ) {
				if ( ! empty( $filters[ $column ] ) ) {
					$link  .= " AND l.{$column} = %d";
					$args[] = (int) $filters[ $column ];
				}
			}
			$clauses[] = "EXISTS ({$link})";
		}
		return self::query( 'services', $clauses, $args, $offset, $limit, $after_id, array( self::class, 'present_service' ) );
	}

	public static function agent( int $id ): array {
		return self::present_agent( self::row( 'agents', $id, __( 'No agent with this id.', 'latepoint-api-keys' ) ) );
	}

	public static function service( int $id ): array {
		return self::present_service( self::row( 'services', $id, __( 'No service with this id.', 'latepoint-api-keys' ) ) );
	}

	public static function row( string $table, int $id, string $message ): array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . Tables::name( $table ) . ' WHERE id = %d', $id ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $table is one of the fixed table names its callers in this class pass.
		if ( ! $row ) {
			throw new Not_Found_Error( $message );
		}
		return $row;
	}

	/**
	 * A page of a catalog table, by id ascending; the cursor names the last id of the previous page.
	 *
	 * @return array{items: array[], total: int}
	 */
	private static function query( string $table, array $clauses, array $args, int $offset, int $limit, ?int $after_id, callable $present ): array {
		global $wpdb;
		$name  = Tables::name( $table );
		$where = $clauses ? ' WHERE ' . implode( ' AND ', $clauses ) : '';
		$count = "SELECT COUNT(*) FROM {$name}{$where}";
		$total = (int) $wpdb->get_var( $args ? $wpdb->prepare( $count, $args ) : $count ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared,LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $count is literal SQL over Tables::name() plus the placeholders of $where.
		if ( null !== $after_id ) {
			$where .= ( $where ? ' AND' : ' WHERE' ) . ' id > %d';
			$args[] = $after_id;
			$offset = 0;
		}
		$args[] = $limit;
		$args[] = $offset;
		$rows   = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$name}{$where} ORDER BY id ASC LIMIT %d OFFSET %d", $args ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.InterpolatedVariable -- $name is Tables::name() of a fixed table and $where holds only placeholders.
		return array(
			'items' => array_map( $present, $rows ?: array() ),
			'total' => $total,
		);
	}

	/** An agent (never the password). */
	public static function present_agent( array $row ): array {
		return array(
			'id'              => (int) $row['id'],
			'first_name'      => (string) $row['first_name'],
			'last_name'       => (string) $row['last_name'],
			'display_name'    => (string) ( $row['display_name'] ?: trim( $row['first_name'] . ' ' . $row['last_name'] ) ),
			'full_name'       => trim( $row['first_name'] . ' ' . $row['last_name'] ),
			'title'           => (string) $row['title'],
			'bio'             => (string) $row['bio'],
			'email'           => (string) $row['email'],
			'phone'           => (string) $row['phone'],
			'status'          => $row['status'],
			'avatar_image_id' => $row['avatar_image_id'] ? (int) $row['avatar_image_id'] : null,
			'wp_user_id'      => $row['wp_user_id'] ? (int) $row['wp_user_id'] : null,
			'created_at'      => Dates::iso_local( $row['created_at'] ),
			'updated_at'      => Dates::iso_local( $row['updated_at'] ),
		);
	}

	/** A service: duration, buffers, interval, capacity and prices (decimal strings). */
	public static function present_service( array $row ): array {
		$int      = static fn ( $v ) => null === $v || '' === $v ? null : (int) $v;
		$money    = static fn ( $v ) => null === $v || '' === $v ? null : (string) $v;
		$interval = $int( $row['timeblock_interval'] );
		if ( ! $interval ) {
			$interval = (int) Tables::setting( 'timeblock_interval', '30' ) ?: 30;
		}
		return array(
			'id'                              => (int) $row['id'],
			'name'                            => (string) $row['name'],
			'short_description'               => (string) $row['short_description'],
			'status'                          => $row['status'],
			'visibility'                      => $row['visibility'],
			'category_id'                     => $int( $row['category_id'] ),
			'duration'                        => (int) $row['duration'],
			'duration_name'                   => (string) $row['duration_name'],
			'buffer_before'                   => (int) $row['buffer_before'],
			'buffer_after'                    => (int) $row['buffer_after'],
			'timeblock_interval'              => $interval,
			'capacity_min'                    => $int( $row['capacity_min'] ) ?? 1,
			'capacity_max'                    => $int( $row['capacity_max'] ) ?? 1,
			'is_price_variable'               => (bool) $row['is_price_variable'],
			'price_min'                       => $money( $row['price_min'] ),
			'price_max'                       => $money( $row['price_max'] ),
			'charge_amount'                   => $money( $row['charge_amount'] ),
			'deposit_amount'                  => $money( $row['deposit_amount'] ),
			'prices_formatted'                => self::prices_formatted( $row ),
			'is_deposit_required'             => (bool) $row['is_deposit_required'],
			'override_default_booking_status' => $row['override_default_booking_status'] ?: null,
			'bg_color'                        => (string) $row['bg_color'],
			'order_number'                    => $int( $row['order_number'] ),
			'created_at'                      => Dates::iso_local( $row['created_at'] ),
			'updated_at'                      => Dates::iso_local( $row['updated_at'] ),
		);
	}

	/**
	 * A service's prices as LatePoint shows them: each amount formatted, and
	 * `display`, what its booking form and service list show: the minimum price
	 * when above 0 (else nothing), labelled a starting price when the maximum
	 * differs (`is_starting_price`).
	 */
	private static function prices_formatted( array $row ): array {
		$min = (float) ( $row['price_min'] ?? 0 );
		$max = (float) ( $row['price_max'] ?? 0 );
		return array(
			'price_min'         => Money::format( $row['price_min'] ),
			'price_max'         => Money::format( $row['price_max'] ),
			'charge_amount'     => Money::format( $row['charge_amount'] ),
			'deposit_amount'    => Money::format( $row['deposit_amount'] ),
			'display'           => $min > 0 ? Money::format( $row['price_min'] ) : null,
			'is_starting_price' => $min > 0 && $min !== $max,
		);
	}
}
