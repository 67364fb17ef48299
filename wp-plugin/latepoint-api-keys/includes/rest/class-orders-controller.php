<?php
/**
 * /orders (list, get), read-only, over the LatePoint\Orders data layer. The
 * list is sorted by (updated_at, id) and its cursor carries both, so a sync
 * by updated_since and cursor neither misses nor repeats an order that
 * changes while it pages; meta.sync_cursor resumes the sync later.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\LatePoint\Orders;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Routes and handlers of orders.
 */
final class Orders_Controller extends Resource_Controller {

	const ROUTE      = '/orders';
	const ROUTE_ITEM = '/orders/(?P<id>\d+)';
	const FILTERS    = array( 'customer_id', 'status', 'payment_status', 'updated_since' );

	public static function register_routes(): void {
		self::route( self::ROUTE, self::endpoint( 'GET', 'orders:read', array( self::class, 'list_orders' ), self::list_args(), Schemas::many( 'Order', 'OrderPageMeta' ), Routes::LANE_ALWAYS ) );
		self::route( self::ROUTE_ITEM, self::endpoint( 'GET', 'orders:read', array( self::class, 'get_order' ), self::id_args( __( 'The order id.', 'latepoint-api-keys' ) ), Schemas::one( 'Order' ), Routes::LANE_ALWAYS ) );
	}

	/** @return array<string, array<string, mixed>> */
	public static function list_args(): array {
		$status = static fn ( string $description ) => array( 'type' => 'string', 'maxLength' => 30, 'pattern' => '^[a-z_]+$', 'description' => $description );
		return Args::paging() + array(
			'customer_id'    => Args::id_arg( __( 'Only this customer\'s orders.', 'latepoint-api-keys' ) ),
			'status'         => $status( __( 'Only orders with this status (LatePoint\'s: open, cancelled, completed).', 'latepoint-api-keys' ) ),
			'payment_status' => $status( __( 'Only orders with this payment status (LatePoint\'s: not_paid, partially_paid, fully_paid, processing, refunded, partially_refunded).', 'latepoint-api-keys' ) ),
			'updated_since'  => array(
				'type'              => 'string',
				'maxLength'         => 40,
				'description'       => __( 'Only orders changed at or after this time: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], site time unless it ends in Z or an offset (+HH:MM).', 'latepoint-api-keys' ),
				'validate_callback' => static function ( $value, $request, $param ) {
					$valid = rest_validate_request_arg( $value, $request, $param );
					if ( true !== $valid ) {
						return $valid;
					}
					return null === Orders::local_time( $value ) ? new \WP_Error( 'rest_invalid_param', __( 'Not a valid date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, optionally Z or +HH:MM; years 1970–2100).', 'latepoint-api-keys' ) ) : true;
				},
			),
		);
	}

	public static function list_orders( \WP_REST_Request $request ) {
		return self::run(
			static function () use ( $request ) {
				$per_page = min( Args::MAX_PER_PAGE, max( 1, (int) $request->get_param( 'per_page' ) ) );
				$page     = max( 1, (int) $request->get_param( 'page' ) );
				$cursor   = (string) $request->get_param( 'cursor' );
				$after    = '' === $cursor ? null : self::decode_cursor( $cursor );
				if ( '' !== $cursor && null === $after ) {
					throw new Validation_Error( array( 'cursor' => __( 'Not a cursor from this API.', 'latepoint-api-keys' ) ) );
				}
				$filters = array();
				foreach ( self::FILTERS as $name ) {
					$value = $request->get_param( $name );
					if ( null !== $value && '' !== $value ) {
						$filters[ $name ] = 'updated_since' === $name ? Orders::local_time( $value ) : $value;
					}
				}
				$result = Orders::query( $filters, ( $page - 1 ) * $per_page, $per_page + 1, $after );
				$items  = array_slice( $result['items'], 0, $per_page );
				$last   = $items ? self::encode_cursor( end( $items ) ) : null;
				return Api_Response::success(
					$items,
					array(
						'total'       => $result['total'],
						'page'        => null === $after ? $page : 1,
						'per_page'    => $per_page,
						'total_pages' => (int) ceil( $result['total'] / $per_page ),
						'next_cursor' => count( $result['items'] ) > $per_page ? $last : null,
						'sync_cursor' => $last ?? ( '' === $cursor ? null : $cursor ),
					)
				);
			}
		);
	}

	public static function get_order( \WP_REST_Request $request ) {
		return self::get_item( $request, array( Orders::class, 'one' ) );
	}

	/** The cursor of an order: its sort key, updated_at (site-local, as stored) and id. */
	private static function encode_cursor( array $order ): string {
		$at = null === $order['updated_at'] ? Orders::NO_TIME : ( new \DateTimeImmutable( $order['updated_at'] ) )->setTimezone( wp_timezone() )->format( 'Y-m-d H:i:s' );
		return rtrim( strtr( base64_encode( wp_json_encode( array( 'o' => array( $at, $order['id'] ) ) ) ), '+/', '-_' ), '=' );
	}

	/** @return ?array{updated_at: string, id: int} */
	private static function decode_cursor( string $cursor ): ?array {
		$json = base64_decode( strtr( $cursor, '-_', '+/' ), true );
		$data = false === $json ? null : json_decode( $json, true );
		$key  = is_array( $data ) && isset( $data['o'] ) && is_array( $data['o'] ) && 2 === count( $data['o'] ) ? array_values( $data['o'] ) : null;
		if ( null === $key || ! is_string( $key[0] ) || ! is_int( $key[1] ) || $key[1] < 1 || $key[1] > 2147483647
			|| 1 !== preg_match( '/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/', $key[0] ) ) {
			return null;
		}
		return array( 'updated_at' => $key[0], 'id' => $key[1] );
	}
}
