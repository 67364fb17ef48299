<?php
/**
 * The LatePoint resource routes (SPEC §7) and the permission each needs.
 * Every route is guarded by Authenticator::requires( permission ). The data
 * handlers need LatePoint's tables; where they do not exist the routes answer
 * 503 service_unavailable saying so.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\Auth\Authenticator;

defined( 'ABSPATH' ) || exit;

/**
 * Route table and registration.
 */
final class Resources_Controller {

	/**
	 * route => [ method => [permission, handler, args?] ].
	 *
	 * @return array<string, array<string, array{0: string, 1: callable, 2?: array}>>
	 */
	public static function routes(): array {
		$routes = array();
		$b      = Bookings_Controller::class;
		$c      = Customers_Controller::class;
		$cat    = Catalog_Controller::class;

		$routes['/bookings']                   = array(
			'GET'  => array( 'bookings:read', array( $b, 'list_bookings' ), $b::list_args() ),
			'POST' => array( 'bookings:create', array( $b, 'create_booking' ), $b::create_args() ),
		);
		$routes['/bookings/(?P<id>\d+)']       = array(
			'GET'    => array( 'bookings:read', array( $b, 'get_booking' ), $b::id_args() ),
			'PATCH'  => array( 'bookings:update', array( $b, 'update_booking' ), $b::update_args() ),
			'DELETE' => array( 'bookings:delete', array( $b, 'delete_booking' ), $b::id_args() ),
		);
		$routes['/customers']                  = array(
			'GET'  => array( 'customers:read', array( $c, 'list_customers' ), $c::list_args() ),
			'POST' => array( 'customers:create', array( $c, 'create_customer' ), $c::write_args( true ) ),
		);
		$routes['/customers/(?P<id>\d+)']      = array(
			'GET'    => array( 'customers:read', array( $c, 'get_customer' ), $c::id_args() ),
			'PATCH'  => array( 'customers:update', array( $c, 'update_customer' ), $c::write_args( false ) ),
			'DELETE' => array( 'customers:delete', array( $c, 'delete_customer' ), $c::id_args() ),
		);
		$routes['/agents']                      = array( 'GET' => array( 'agents:read', array( $cat, 'list_agents' ), $cat::agents_args() ) );
		$routes['/agents/(?P<id>\d+)']          = array( 'GET' => array( 'agents:read', array( $cat, 'get_agent' ), $cat::id_args( __( 'The agent id.', 'latepoint-api-keys' ) ) ) );
		$routes['/agents/(?P<id>\d+)/schedule'] = array( 'GET' => array( 'agents:read', array( Availability_Controller::class, 'get_schedule' ), Availability_Controller::schedule_args() ) );
		$routes['/services']                    = array( 'GET' => array( 'services:read', array( $cat, 'list_services' ), $cat::services_args() ) );
		$routes['/services/(?P<id>\d+)']        = array( 'GET' => array( 'services:read', array( $cat, 'get_service' ), $cat::id_args( __( 'The service id.', 'latepoint-api-keys' ) ) ) );
		$routes['/availability']                = array( 'GET' => array( 'availability:read', array( Availability_Controller::class, 'get_availability' ), Availability_Controller::availability_args() ) );
		return $routes;
	}

	public static function register_routes(): void {
		foreach ( self::routes() as $route => $methods ) {
			$endpoints = array();
			foreach ( $methods as $method => $endpoint ) {
				$endpoints[] = array(
					'methods'             => $method,
					'callback'            => $endpoint[1],
					'permission_callback' => Authenticator::requires( $endpoint[0] ),
					'args'                => self::validate_all( $endpoint[2] ?? array() ),
				);
			}
			register_rest_route( Authenticator::API_NAMESPACE, $route, $endpoints );
		}
	}

	/**
	 * Gives every arg a validate_callback, so WordPress checks all of them in
	 * one pass and the 422 names every bad field at once (by default, type
	 * checks run later, at sanitising, and stop at the first failing stage).
	 */
	private static function validate_all( array $args ): array {
		foreach ( $args as $name => $arg ) {
			if ( ! isset( $arg['validate_callback'] ) ) {
				$args[ $name ]['validate_callback'] = 'rest_validate_request_arg';
			}
		}
		return $args;
	}

	/** Whether LatePoint's tables exist on this site. */
	public static function latepoint_tables_exist(): bool {
		global $wpdb;
		static $exists = null;
		if ( null === $exists ) {
			$table  = $wpdb->prefix . 'latepoint_bookings';
			$exists = $table === $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $table ) ) );
		}
		return $exists;
	}

	public static function handle( \WP_REST_Request $request ) {
		return Api_Response::error( 503, 'service_unavailable', __( 'This endpoint needs LatePoint, whose tables were not found on this site.', 'latepoint-api-keys' ) );
	}
}
