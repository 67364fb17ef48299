<?php
/**
 * The LatePoint resource routes (SPEC §7) and the permission each needs.
 * Every route is guarded by Authenticator::requires( permission ). The data
 * handlers need LatePoint's tables; where they do not exist the routes answer
 * 503 service_unavailable saying so.
 *
 * @package LatePointApi
 */

namespace LatePointApi;

defined( 'ABSPATH' ) || exit;

/**
 * Route table and registration.
 */
final class Rest_Resources_Controller {

	/**
	 * route => [ method => [permission, handler] ].
	 *
	 * @return array<string, array<string, array{0: string, 1: callable}>>
	 */
	public static function routes(): array {
		$routes = array();
		foreach ( array( 'bookings', 'customers' ) as $resource ) {
			$routes[ '/' . $resource ]                     = array(
				'GET'  => array( "{$resource}:read", array( self::class, 'handle' ) ),
				'POST' => array( "{$resource}:create", array( self::class, 'handle' ) ),
			);
			$routes[ '/' . $resource . '/(?P<id>\d+)' ] = array(
				'GET'    => array( "{$resource}:read", array( self::class, 'handle' ) ),
				'PATCH'  => array( "{$resource}:update", array( self::class, 'handle' ) ),
				'DELETE' => array( "{$resource}:delete", array( self::class, 'handle' ) ),
			);
		}
		$routes['/agents']                         = array( 'GET' => array( 'agents:read', array( self::class, 'handle' ) ) );
		$routes['/agents/(?P<id>\d+)']             = array( 'GET' => array( 'agents:read', array( self::class, 'handle' ) ) );
		$routes['/agents/(?P<id>\d+)/schedule']    = array( 'GET' => array( 'agents:read', array( self::class, 'handle' ) ) );
		$routes['/services']                       = array( 'GET' => array( 'services:read', array( self::class, 'handle' ) ) );
		$routes['/services/(?P<id>\d+)']           = array( 'GET' => array( 'services:read', array( self::class, 'handle' ) ) );
		$routes['/availability']                   = array( 'GET' => array( 'availability:read', array( self::class, 'handle' ) ) );
		return $routes;
	}

	public static function register_routes(): void {
		foreach ( self::routes() as $route => $methods ) {
			$endpoints = array();
			foreach ( $methods as $method => list( $permission, $handler ) ) {
				$endpoints[] = array(
					'methods'             => $method,
					'callback'            => $handler,
					'permission_callback' => Authenticator::requires( $permission ),
				);
			}
			register_rest_route( Authenticator::API_NAMESPACE, $route, $endpoints );
		}
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
