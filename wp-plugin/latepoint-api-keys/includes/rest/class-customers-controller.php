<?php
/**
 * /customers: list (search by name, email, phone), get, create, update,
 * delete, over the LatePoint\Customers data layer (409 email_taken,
 * 409 customer_has_bookings).
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\LatePoint\Customers;

defined( 'ABSPATH' ) || exit;

/**
 * Routes and handlers.
 */
final class Customers_Controller extends Resource_Controller {

	const ROUTE      = '/customers';
	const ROUTE_ITEM = '/customers/(?P<id>\d+)';
	const FILTERS    = array( 'search', 'status' );

	public static function register_routes(): void {
		self::route(
			self::ROUTE,
			self::endpoint( 'GET', 'customers:read', array( self::class, 'list_customers' ), self::list_args() ),
			self::endpoint( 'POST', 'customers:create', array( self::class, 'create_customer' ), self::write_args( true ) )
		);
		self::route(
			self::ROUTE_ITEM,
			self::endpoint( 'GET', 'customers:read', array( self::class, 'get_customer' ), self::customer_id_args() ),
			self::endpoint( 'PATCH', 'customers:update', array( self::class, 'update_customer' ), self::write_args( false ) ),
			self::endpoint( 'DELETE', 'customers:delete', array( self::class, 'delete_customer' ), self::customer_id_args() )
		);
	}

	/** @return array<string, array<string, mixed>> */
	public static function list_args(): array {
		return Args::paging() + array(
			'search' => array( 'type' => 'string', 'maxLength' => 100, 'description' => __( 'Part of the first or last name, email or phone.', 'latepoint-api-keys' ) ),
			'status' => array( 'type' => 'string', 'maxLength' => 50, 'pattern' => '^[a-z_]+$' ),
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
			'is_guest'    => array( 'type' => 'boolean', 'description' => __( 'Default true.', 'latepoint-api-keys' ) ),
		);
		return $creating ? $args : self::customer_id_args() + $args;
	}

	public static function list_customers( \WP_REST_Request $request ) {
		return self::list_items( $request, self::FILTERS, array( Customers::class, 'query' ) );
	}

	public static function get_customer( \WP_REST_Request $request ) {
		return self::get_item( $request, static fn ( int $id ) => Customers::present( Customers::row( $id ) ) );
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
