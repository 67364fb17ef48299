<?php
/**
 * /customers: list (search by name, email, phone, status; updated_since with
 * its own (updated_at, id) order and cursor), get, create, update, delete,
 * over the LatePoint\Customers data layer (409 email_taken,
 * 409 customer_has_bookings), custom fields included.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\LatePoint\Customers;
use LatePointApi\Support\Dates;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Routes and handlers.
 */
final class Customers_Controller extends Resource_Controller {

	const ROUTE      = '/customers';
	const ROUTE_ITEM = '/customers/(?P<id>\d+)';
	const FILTERS    = array( 'search', 'status', 'updated_since' );

	public static function register_routes(): void {
		self::route(
			self::ROUTE,
			self::endpoint( 'GET', 'customers:read', array( self::class, 'list_customers' ), self::list_args(), Schemas::many( 'Customer' ), Routes::LANE_WITHOUT_ADDONS ),
			self::endpoint( 'POST', 'customers:create', array( self::class, 'create_customer' ), self::write_args( true ), Schemas::one( 'Customer' ) )
		);
		self::route(
			self::ROUTE_ITEM,
			self::endpoint( 'GET', 'customers:read', array( self::class, 'get_customer' ), self::customer_id_args(), Schemas::one( 'Customer' ), Routes::LANE_WITHOUT_ADDONS ),
			self::endpoint( 'PATCH', 'customers:update', array( self::class, 'update_customer' ), self::write_args( false ), Schemas::one( 'Customer' ) ),
			self::endpoint( 'DELETE', 'customers:delete', array( self::class, 'delete_customer' ), self::customer_id_args(), Schemas::deleted( 'Customer' ) )
		);
	}

	/** @return array<string, array<string, mixed>> */
	public static function list_args(): array {
		return Args::paging() + array(
			'search' => array( 'type' => 'string', 'maxLength' => 100, 'description' => __( 'Part of the first or last name, email or phone.', 'latepoint-api-keys' ) ),
			'status'        => array( 'type' => 'string', 'maxLength' => 50, 'pattern' => '^[a-z_]+$' ),
			'updated_since' => array(
				'type'              => 'string',
				'maxLength'         => 40,
				'description'       => __( 'Only customers changed at or after this ISO 8601 date-time (site time without an offset); sorts by updated_at, then id, oldest first.', 'latepoint-api-keys' ),
				'validate_callback' => static function ( $value, $request, $param ) {
					$valid = rest_validate_request_arg( $value, $request, $param );
					if ( true === $valid && null === Customers::parse_since( $value ) ) {
						return new \WP_Error( 'rest_invalid_param', __( 'Not an ISO 8601 date or date-time.', 'latepoint-api-keys' ) );
					}
					return $valid;
				},
			),
		);
	}

	/** @return array<string, array<string, mixed>> */
	public static function customer_id_args(): array {
		return self::id_args( __( 'The customer id.', 'latepoint-api-keys' ) );
	}

	/** @return array<string, array<string, mixed>> */
	public static function write_args( bool $creating ): array {
		$args = array(
			'first_name'  => array( 'type' => 'string', 'maxLength' => 255 ),
			'last_name'   => array( 'type' => 'string', 'maxLength' => 255 ),
			'email'       => array( 'type' => 'string', 'format' => 'email', 'maxLength' => 110, 'required' => $creating ),
			'phone'       => array( 'type' => 'string', 'maxLength' => 50, 'pattern' => '^[0-9+()./ -]*$' ),
			'notes'       => array( 'type' => 'string', 'maxLength' => 10000 ),
			'admin_notes' => array( 'type' => 'string', 'maxLength' => 10000 ),
			'status'      => array( 'type' => 'string', 'maxLength' => 50, 'pattern' => '^[a-z_]+$', 'description' => __( 'Default pending_verification.', 'latepoint-api-keys' ) ),
			'is_guest'      => array( 'type' => 'boolean', 'description' => __( 'Default true.', 'latepoint-api-keys' ) ),
			'custom_fields' => array( 'type' => 'object', 'description' => __( 'Custom field id => value (string, number, or null to clear); only fields defined in LatePoint.', 'latepoint-api-keys' ) ),
		);
		return $creating ? $args : self::customer_id_args() + $args;
	}

	public static function list_customers( \WP_REST_Request $request ) {
		$since = $request->get_param( 'updated_since' );
		if ( null === $since || '' === $since ) {
			return self::list_items( $request, self::FILTERS, array( Customers::class, 'query' ) );
		}
		return self::run( static fn () => self::changed_since( $request ) );
	}

	/** GET /customers?updated_since=…: by (updated_at, id), with a cursor naming both. */
	private static function changed_since( \WP_REST_Request $request ): \WP_REST_Response {
		$cursor = (string) $request->get_param( 'cursor' );
		$after  = '' === $cursor ? null : self::decode_since_cursor( $cursor );
		if ( '' !== $cursor && null === $after ) {
			throw new Validation_Error( array( 'cursor' => __( 'Not a cursor from this API.', 'latepoint-api-keys' ) ) );
		}
		$page     = null === $after ? max( 1, (int) $request->get_param( 'page' ) ) : 1;
		$per_page = min( Args::MAX_PER_PAGE, max( 1, (int) $request->get_param( 'per_page' ) ) );
		$filters  = array();
		foreach ( self::FILTERS as $name ) {
			$value = $request->get_param( $name );
			if ( null !== $value && '' !== $value ) {
				$filters[ $name ] = $value;
			}
		}
		$result = Customers::changed_since( $filters, ( $page - 1 ) * $per_page, $per_page + 1, $after );
		$items  = array_slice( $result['items'], 0, $per_page );
		$last   = count( $result['items'] ) > $per_page && $items ? end( $items ) : null;
		return Api_Response::success(
			$items,
			array(
				'total'       => $result['total'],
				'page'        => $page,
				'per_page'    => $per_page,
				'total_pages' => (int) ceil( $result['total'] / $per_page ),
				'next_cursor' => $last ? self::encode_since_cursor( Customers::parse_since( (string) $last['updated_at'] ), (int) $last['id'] ) : null,
			)
		);
	}

	private static function encode_since_cursor( string $updated_at, int $id ): string {
		return rtrim( strtr( base64_encode( wp_json_encode( array( 'u' => $updated_at, 'a' => $id ) ) ), '+/', '-_' ), '=' );
	}

	/** @return ?array{0: string, 1: int} the (updated_at, id) a cursor of updated_since points after */
	private static function decode_since_cursor( string $cursor ): ?array {
		$json = base64_decode( strtr( $cursor, '-_', '+/' ), true );
		$data = false === $json ? null : json_decode( $json, true );
		if ( ! is_array( $data ) || ! isset( $data['u'], $data['a'] ) || ! is_string( $data['u'] ) || ! is_int( $data['a'] ) || $data['a'] < 1 ) {
			return null;
		}
		if ( ! preg_match( '/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/', $data['u'] ) || ! Dates::is_date( substr( $data['u'], 0, 10 ) ) ) {
			return null;
		}
		return array( $data['u'], $data['a'] );
	}

	public static function get_customer( \WP_REST_Request $request ) {
		return self::get_item( $request, array( Customers::class, 'get' ) );
	}

	public static function create_customer( \WP_REST_Request $request ) {
		return self::create_item( $request, Customers::FIELDS, array( Customers::class, 'create' ) );
	}

	public static function update_customer( \WP_REST_Request $request ) {
		return self::update_item( $request, Customers::FIELDS, array( Customers::class, 'update' ) );
	}

	public static function delete_customer( \WP_REST_Request $request ) {
		return self::delete_item( $request, array( Customers::class, 'delete' ) );
	}
}
