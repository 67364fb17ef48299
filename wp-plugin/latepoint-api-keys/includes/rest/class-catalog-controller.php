<?php
/**
 * Read-only catalog over LatePoint's tables: /agents (list, get) and
 * /services (list — active by default —, get). Prices are returned as decimal
 * strings exactly as LatePoint stores them (e.g. "60.0000"), or null.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\LatePoint\Tables;
use LatePointApi\Support\Not_Found_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Agents and services.
 */
final class Catalog_Controller {

	/** @return array<string, array<string, mixed>> */
	public static function agents_args(): array {
		return Args::paging() + array(
			'status' => array( 'type' => 'string', 'enum' => array( 'active', 'disabled', 'any' ), 'default' => 'any', 'description' => __( 'Only agents with this status.', 'latepoint-api-keys' ) ),
			'search' => array( 'type' => 'string', 'maxLength' => 100, 'description' => __( 'Part of the name or email.', 'latepoint-api-keys' ) ),
		);
	}

	/** @return array<string, array<string, mixed>> */
	public static function services_args(): array {
		return Args::paging() + array(
			'status'      => array( 'type' => 'string', 'enum' => array( 'active', 'disabled', 'any' ), 'default' => 'active', 'description' => __( 'Only services with this status (default active).', 'latepoint-api-keys' ) ),
			'category_id' => Tables::id_arg( __( 'Only services of this category.', 'latepoint-api-keys' ) ),
		);
	}

	/** @return array<string, array<string, mixed>> */
	public static function id_args( string $what ): array {
		return array( 'id' => Tables::id_arg( $what, array( 'required' => true ) ) );
	}

	public static function list_agents( \WP_REST_Request $request ) {
		return Tables::run(
			static function () use ( $request ) {
				$paging = Args::read_paging( $request );
				if ( is_wp_error( $paging ) ) {
					return $paging;
				}
				global $wpdb;
				$clauses = array();
				$args    = array();
				$status  = (string) $request->get_param( 'status' );
				if ( '' !== $status && 'any' !== $status ) {
					$clauses[] = 'status = %s';
					$args[]    = $status;
				}
				$search = (string) $request->get_param( 'search' );
				if ( '' !== $search ) {
					$like      = '%' . $wpdb->esc_like( $search ) . '%';
					$clauses[] = '(first_name LIKE %s OR last_name LIKE %s OR display_name LIKE %s OR email LIKE %s)';
					array_push( $args, $like, $like, $like, $like );
				}
				return Args::paged_response( $paging, static fn ( $offset, $limit, $before ) => self::query( 'agents', $clauses, $args, $offset, $limit, $before, array( self::class, 'present_agent' ) ) );
			}
		);
	}

	public static function get_agent( \WP_REST_Request $request ) {
		return Tables::run( static fn () => Api_Response::success( self::present_agent( self::row( 'agents', (int) $request['id'], __( 'No agent with this id.', 'latepoint-api-keys' ) ) ) ) );
	}

	public static function list_services( \WP_REST_Request $request ) {
		return Tables::run(
			static function () use ( $request ) {
				$paging = Args::read_paging( $request );
				if ( is_wp_error( $paging ) ) {
					return $paging;
				}
				$clauses = array();
				$args    = array();
				$status  = (string) $request->get_param( 'status' );
				if ( '' === $status ) {
					$status = 'active';
				}
				if ( 'any' !== $status ) {
					$clauses[] = 'status = %s';
					$args[]    = $status;
				}
				if ( $request->get_param( 'category_id' ) ) {
					$clauses[] = 'category_id = %d';
					$args[]    = (int) $request->get_param( 'category_id' );
				}
				return Args::paged_response( $paging, static fn ( $offset, $limit, $before ) => self::query( 'services', $clauses, $args, $offset, $limit, $before, array( self::class, 'present_service' ) ) );
			}
		);
	}

	public static function get_service( \WP_REST_Request $request ) {
		return Tables::run( static fn () => Api_Response::success( self::present_service( self::row( 'services', (int) $request['id'], __( 'No service with this id.', 'latepoint-api-keys' ) ) ) ) );
	}

	private static function row( string $table, int $id, string $message ): array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . Tables::name( $table ) . ' WHERE id = %d', $id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
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
		$total = (int) $wpdb->get_var( $args ? $wpdb->prepare( $count, $args ) : $count ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
		if ( null !== $after_id ) {
			$where .= ( $where ? ' AND' : ' WHERE' ) . ' id > %d';
			$args[] = $after_id;
			$offset = 0;
		}
		$args[] = $limit;
		$args[] = $offset;
		$rows   = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$name}{$where} ORDER BY id ASC LIMIT %d OFFSET %d", $args ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
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
			'created_at'      => Tables::iso_local( $row['created_at'] ),
			'updated_at'      => Tables::iso_local( $row['updated_at'] ),
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
			'is_deposit_required'             => (bool) $row['is_deposit_required'],
			'override_default_booking_status' => $row['override_default_booking_status'] ?: null,
			'bg_color'                        => (string) $row['bg_color'],
			'order_number'                    => $int( $row['order_number'] ),
			'created_at'                      => Tables::iso_local( $row['created_at'] ),
			'updated_at'                      => Tables::iso_local( $row['updated_at'] ),
		);
	}
}
