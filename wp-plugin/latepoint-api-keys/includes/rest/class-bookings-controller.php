<?php
/**
 * /bookings: list (filters status, agent, service, customer, location, date
 * range), get, create, update (reschedule, status), delete, over the
 * LatePoint\Bookings data layer.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\LatePoint\Booking_Writes;
use LatePointApi\LatePoint\Bookings;
use LatePointApi\LatePoint\Tables;

defined( 'ABSPATH' ) || exit;

/**
 * Routes and handlers.
 */
final class Bookings_Controller extends Resource_Controller {

	const ROUTE      = '/bookings';
	const ROUTE_ITEM = '/bookings/(?P<id>\d+)';
	const FILTERS    = array( 'status', 'agent_id', 'service_id', 'customer_id', 'location_id', 'date_from', 'date_to' );

	public static function register_routes(): void {
		self::route(
			self::ROUTE,
			self::endpoint( 'GET', 'bookings:read', array( self::class, 'list_bookings' ), self::list_args() ),
			self::endpoint( 'POST', 'bookings:create', array( self::class, 'create_booking' ), self::create_args() )
		);
		self::route(
			self::ROUTE_ITEM,
			self::endpoint( 'GET', 'bookings:read', array( self::class, 'get_booking' ), self::booking_id_args() ),
			self::endpoint( 'PATCH', 'bookings:update', array( self::class, 'update_booking' ), self::update_args() ),
			self::endpoint( 'DELETE', 'bookings:delete', array( self::class, 'delete_booking' ), self::booking_id_args() )
		);
	}

	/** @return array<string, array<string, mixed>> */
	public static function list_args(): array {
		return Args::paging() + array(
			'status'      => array( 'type' => 'string', 'enum' => Tables::BOOKING_STATUSES, 'description' => __( 'Only bookings with this status.', 'latepoint-api-keys' ) ),
			'agent_id'    => Args::id_arg( __( 'Only this agent\'s bookings.', 'latepoint-api-keys' ) ),
			'service_id'  => Args::id_arg( __( 'Only bookings of this service.', 'latepoint-api-keys' ) ),
			'customer_id' => Args::id_arg( __( 'Only this customer\'s bookings.', 'latepoint-api-keys' ) ),
			'location_id' => Args::id_arg( __( 'Only bookings at this location.', 'latepoint-api-keys' ) ),
			'date_from'   => Args::date_arg( array( 'description' => __( 'Bookings starting on or after this date.', 'latepoint-api-keys' ) ) ),
			'date_to'     => Args::date_arg( array( 'description' => __( 'Bookings starting on or before this date.', 'latepoint-api-keys' ) ) ),
		);
	}

	/** @return array<string, array<string, mixed>> */
	public static function booking_id_args(): array {
		return self::id_args( __( 'The booking id.', 'latepoint-api-keys' ) );
	}

	/** @return array<string, array<string, mixed>> */
	public static function create_args(): array {
		return array(
			'customer_id'      => Args::id_arg( __( 'The customer.', 'latepoint-api-keys' ), array( 'required' => true ) ),
			'service_id'       => Args::id_arg( __( 'The service; gives the duration and buffers.', 'latepoint-api-keys' ), array( 'required' => true ) ),
			'agent_id'         => Args::id_arg( __( 'The agent.', 'latepoint-api-keys' ), array( 'required' => true ) ),
			'location_id'      => Args::id_arg( __( 'The location; the default location when omitted.', 'latepoint-api-keys' ) ),
			'start_date'       => Args::date_arg( array( 'required' => true ) ),
			'start_time'       => Args::time_arg( array( 'required' => true ) ),
			'status'           => array( 'type' => 'string', 'enum' => Tables::BOOKING_STATUSES, 'description' => __( 'Default: the service\'s override, else approved.', 'latepoint-api-keys' ) ),
			'total_attendees'  => array( 'type' => 'integer', 'minimum' => 1, 'maximum' => 1000, 'default' => 1 ),
			'customer_comment' => array( 'type' => 'string', 'maxLength' => 5000 ),
		);
	}

	/** @return array<string, array<string, mixed>> */
	public static function update_args(): array {
		return self::booking_id_args() + array(
			'agent_id'        => Args::id_arg( __( 'Move the booking to this agent.', 'latepoint-api-keys' ) ),
			'location_id'     => Args::id_arg( __( 'Move the booking to this location.', 'latepoint-api-keys' ) ),
			'start_date'      => Args::date_arg(),
			'start_time'      => Args::time_arg(),
			'status'          => array( 'type' => 'string', 'enum' => Tables::BOOKING_STATUSES ),
			'total_attendees' => array( 'type' => 'integer', 'minimum' => 1, 'maximum' => 1000 ),
		);
	}

	public static function list_bookings( \WP_REST_Request $request ) {
		return self::list_items( $request, self::FILTERS, array( Bookings::class, 'query' ) );
	}

	public static function get_booking( \WP_REST_Request $request ) {
		return self::get_item( $request, static fn ( int $id ) => Bookings::present( Bookings::row( $id ) ) );
	}

	public static function create_booking( \WP_REST_Request $request ) {
		return self::create_item( $request, Booking_Writes::CREATE_FIELDS, array( Booking_Writes::class, 'create' ) );
	}

	public static function update_booking( \WP_REST_Request $request ) {
		return self::update_item( $request, Booking_Writes::UPDATE_FIELDS, array( Booking_Writes::class, 'update' ) );
	}

	public static function delete_booking( \WP_REST_Request $request ) {
		return self::delete_item( $request, array( Booking_Writes::class, 'delete' ) );
	}
}
