<?php
/**
 * /bookings: list (filters status, agent, service, customer, location, date
 * range, booking code, customer email or phone, updated_since for sync), get,
 * create (agent "any", a new customer inline), update (reschedule, status),
 * delete, over the LatePoint\Bookings data layer; `include` embeds the
 * booking's customer, agent, service and location, each needing its read
 * permission.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\LatePoint\Booking_Embeds;
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
	const FILTERS    = array( 'status', 'agent_id', 'service_id', 'customer_id', 'location_id', 'date_from', 'date_to', 'booking_code', 'customer_email', 'customer_phone', 'updated_since' );

	/** Filters that reveal customers' data, and so need customers:read. */
	const CUSTOMER_FILTERS = array( 'customer_email', 'customer_phone' );

	public static function register_routes(): void {
		add_filter( 'rest_request_before_callbacks', array( self::class, 'missing_customer' ), 20, 3 );
		self::route(
			self::ROUTE,
			self::endpoint( 'GET', 'bookings:read', array( self::class, 'list_bookings' ), self::list_args(), Schemas::many( 'Booking' ), Routes::LANE_WITHOUT_ADDONS ),
			self::endpoint( 'POST', 'bookings:create', array( self::class, 'create_booking' ), self::create_args(), Schemas::one( 'Booking', 'BookingCreatedMeta' ) )
		);
		self::route(
			self::ROUTE_ITEM,
			self::endpoint( 'GET', 'bookings:read', array( self::class, 'get_booking' ), self::booking_id_args() + self::include_args(), Schemas::one( 'Booking' ), Routes::LANE_WITHOUT_ADDONS ),
			self::endpoint( 'PATCH', 'bookings:update', array( self::class, 'update_booking' ), self::update_args() + self::include_args(), Schemas::one( 'Booking' ) ),
			self::endpoint( 'DELETE', 'bookings:delete', array( self::class, 'delete_booking' ), self::booking_id_args(), Schemas::deleted( 'Booking' ) )
		);
	}

	/** @return array<string, array<string, mixed>> */
	public static function list_args(): array {
		return Args::paging() + self::include_args() + array(
			'status'      => array( 'type' => 'string', 'enum' => Tables::BOOKING_STATUSES, 'description' => __( 'Only bookings with this status.', 'latepoint-api-keys' ) ),
			'agent_id'    => Args::id_arg( __( 'Only this agent\'s bookings.', 'latepoint-api-keys' ) ),
			'service_id'  => Args::id_arg( __( 'Only bookings of this service.', 'latepoint-api-keys' ) ),
			'customer_id' => Args::id_arg( __( 'Only this customer\'s bookings.', 'latepoint-api-keys' ) ),
			'location_id' => Args::id_arg( __( 'Only bookings at this location.', 'latepoint-api-keys' ) ),
			'date_from'   => Args::date_arg( array( 'description' => __( 'Bookings starting on or after this date.', 'latepoint-api-keys' ) ) ),
			'date_to'     => Args::date_arg( array( 'description' => __( 'Bookings starting on or before this date.', 'latepoint-api-keys' ) ) ),
			'booking_code'   => array( 'type' => 'string', 'pattern' => '^[A-Za-z0-9]{1,20}$', 'description' => __( 'Only the booking with this code.', 'latepoint-api-keys' ) ),
			'customer_email' => array( 'type' => 'string', 'minLength' => 1, 'maxLength' => 110, 'description' => __( 'Only bookings of the customer with this email (needs customers:read).', 'latepoint-api-keys' ) ),
			'customer_phone' => array( 'type' => 'string', 'minLength' => 1, 'maxLength' => 50, 'description' => __( 'Only bookings of the customer with this phone, as stored (needs customers:read).', 'latepoint-api-keys' ) ),
			'updated_since'  => array(
				'type'              => 'string',
				'maxLength'         => 40,
				'description'       => __( 'ISO 8601: only bookings changed at or after it, sorted by updated_at then id (for sync).', 'latepoint-api-keys' ),
				'validate_callback' => static function ( $value, $request, $param ) {
					$valid = rest_validate_request_arg( $value, $request, $param );
					if ( true === $valid && null === Bookings::parse_since( (string) $value ) ) {
						return new \WP_Error( 'rest_invalid_param', __( 'An ISO 8601 date or date-time is required (years 1970–2100).', 'latepoint-api-keys' ) );
					}
					return $valid;
				},
			),
		);
	}

	/** @return array<string, array<string, mixed>> the `include` query parameter */
	public static function include_args(): array {
		return array(
			'include' => array(
				'type'        => 'string',
				'maxLength'   => 100,
				'pattern'     => '^[a-z, ]*$',
				'description' => __( 'Embed records: customer, agent, service, location (comma-separated; each needs its read permission).', 'latepoint-api-keys' ),
			),
		);
	}

	/**
	 * rest_request_before_callbacks: WordPress lists a create's missing
	 * required fields in one 422; customer_id is among them when the body has
	 * neither it nor a new customer (its schema cannot say "one of the two").
	 *
	 * @param mixed $response
	 * @return mixed
	 */
	public static function missing_customer( $response, $handler, $request ) { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter -- rest_request_before_callbacks passes the handler before the request.
		if ( ! is_wp_error( $response ) || 'rest_missing_callback_param' !== $response->get_error_code() || ! $request instanceof \WP_REST_Request
			|| 'POST' !== $request->get_method() || Routes::API_NAMESPACE . self::ROUTE !== ltrim( $request->get_route(), '/' )
			|| null !== $request->get_param( 'customer_id' ) || null !== $request->get_param( 'customer' ) ) {
			return $response;
		}
		$data           = (array) $response->get_error_data();
		$data['params'] = array_merge( array( 'customer_id' ), (array) ( $data['params'] ?? array() ) );
		return new \WP_Error( 'rest_missing_callback_param', $response->get_error_message(), $data );
	}

	/** @return array<string, array<string, mixed>> */
	public static function booking_id_args(): array {
		return self::id_args( __( 'The booking id.', 'latepoint-api-keys' ) );
	}

	/** @return array<string, array<string, mixed>> */
	public static function create_args(): array {
		return self::include_args() + array(
			'customer_id'      => Args::id_arg( __( 'The customer; or a new one in customer.', 'latepoint-api-keys' ) ),
			'customer'         => array(
				'type'                 => 'object',
				'description'          => __( 'A new customer (needs customers:create); an existing customer with this email is used unchanged.', 'latepoint-api-keys' ),
				'properties'           => array(
					'first_name' => array( 'type' => 'string', 'maxLength' => 255 ),
					'last_name'  => array( 'type' => 'string', 'maxLength' => 255 ),
					'email'      => array( 'type' => 'string', 'maxLength' => 110 ),
					'phone'      => array( 'type' => 'string', 'maxLength' => 50 ),
				),
				'required'             => array( 'email' ),
				'additionalProperties' => false,
			),
			'service_id'       => Args::id_arg( __( 'The service; gives the duration and buffers.', 'latepoint-api-keys' ), array( 'required' => true ) ),
			'agent_id'         => array(
				'required'    => true,
				'description' => __( 'The agent, or "any": LatePoint assigns one by its rule.', 'latepoint-api-keys' ),
				'anyOf'       => array(
					array(
						'type'    => 'integer',
						'minimum' => 1,
						'maximum' => 2147483647,
					),
					array(
						'type' => 'string',
						'enum' => array( 'any' ),
					),
				),
			),
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
		return self::run(
			static function () use ( $request ) {
				$embeds = self::embeds( $request );
				$paging = Args::read_paging( $request );
				if ( is_wp_error( $paging ) ) {
					return $paging;
				}
				$filters = array();
				foreach ( self::FILTERS as $name ) {
					$value = $request->get_param( $name );
					if ( null !== $value && '' !== $value ) {
						$filters[ $name ] = $value;
					}
				}
				if ( array_intersect_key( $filters, array_flip( self::CUSTOMER_FILTERS ) ) ) {
					Permission_Error::require( 'customers:read' );
				}
				$result = Bookings::query( $filters, $paging['offset'], $paging['per_page'] + 1, $paging['before_id'] );
				$items  = array_slice( $result['items'], 0, $paging['per_page'] );
				$next   = count( $result['items'] ) > $paging['per_page'] && $items ? $result['cursors'][ count( $items ) - 1 ] : null;
				return Api_Response::page( Booking_Embeds::add( $items, $embeds ), $result['total'], null === $paging['before_id'] ? $paging['page'] : 1, $paging['per_page'], $next );
			}
		);
	}

	public static function get_booking( \WP_REST_Request $request ) {
		return self::run(
			static function () use ( $request ) {
				$embeds = self::embeds( $request );
				return Api_Response::success( self::with( Bookings::present( Bookings::row( (int) $request['id'] ) ), $embeds ) );
			}
		);
	}

	/**
	 * 201 with the booking. meta.agent_assignment says which agent "any" gave,
	 * by which rule; meta.customer_created whether an inline customer was new,
	 * only to a key with customers:read (it would tell whether an email is a
	 * customer's).
	 */
	public static function create_booking( \WP_REST_Request $request ) {
		return self::run(
			static function () use ( $request ) {
				$embeds = self::embeds( $request );
				$body   = Args::write_body( $request );
				Args::reject_unknown( $body, Booking_Writes::CREATE_FIELDS );
				if ( array_key_exists( 'customer', $body ) ) {
					Permission_Error::require( 'customers:create' );
				}
				$result = Booking_Writes::create_with_details( $body );
				$meta   = array();
				if ( null !== $result['agent_rule'] ) {
					$meta['agent_assignment'] = array(
						'requested' => 'any',
						'agent_id'  => $result['booking']['agent_id'],
						'rule'      => $result['agent_rule'],
					);
				}
				if ( null !== $result['customer_created'] && Permission_Error::held( 'customers:read' ) ) {
					$meta['customer_created'] = $result['customer_created'];
				}
				return Api_Response::success( self::with( $result['booking'], $embeds ), $meta, 201 );
			}
		);
	}

	public static function update_booking( \WP_REST_Request $request ) {
		return self::run(
			static function () use ( $request ) {
				$embeds = self::embeds( $request );
				$body   = Args::write_body( $request );
				Args::reject_unknown( $body, Booking_Writes::UPDATE_FIELDS );
				return Api_Response::success( self::with( Booking_Writes::update( (int) $request['id'], $body ), $embeds ) );
			}
		);
	}

	public static function delete_booking( \WP_REST_Request $request ) {
		return self::delete_item( $request, array( Booking_Writes::class, 'delete' ) );
	}

	/**
	 * The embeds `include` names, each checked against the key's permissions
	 * (403 insufficient_permissions naming the first one missing).
	 *
	 * @return string[]
	 */
	private static function embeds( \WP_REST_Request $request ): array {
		$embeds = Booking_Embeds::parse( (string) $request->get_param( 'include' ) );
		foreach ( $embeds as $embed ) {
			Permission_Error::require( Booking_Embeds::PERMISSIONS[ $embed ] );
		}
		return $embeds;
	}

	private static function with( array $booking, array $embeds ): array {
		return $embeds ? Booking_Embeds::add( array( $booking ), $embeds )[0] : $booking;
	}

}
