<?php
/**
 * Which REST routes are this plugin's, and which of them take API keys,
 * matched the way WordPress routes them: case-insensitively (WP_REST_Server
 * matches every route pattern with the `i` flag), so `/LatePoint-API/v1/me`
 * is the same route as `/latepoint-api/v1/me` and goes through the same checks.
 * Free of WordPress, so the db-error drop-in can use it before WordPress loads.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's namespace and its kinds of routes.
 */
final class Routes {

	const API_NAMESPACE = 'latepoint-api/v1';
	/**
	 * The route option naming the permission an API-key endpoint needs ('' =
	 * any valid key). Authenticator::check_permission() reads it from the
	 * matched endpoint; the OpenAPI document from the registered routes.
	 */
	const PERMISSION = 'lpapi_permission';
	/**
	 * The route option naming the record a route returns (Schemas::one(),
	 * many(), deleted()); the OpenAPI document reads it for the route's
	 * success response.
	 */
	const RESPONSE = 'lpapi_response';
	/**
	 * The route option saying whether the lean lane (LatePointApi\Lane\Lane)
	 * may answer a GET endpoint: LANE_ALWAYS, LANE_WITHOUT_ADDONS (only while
	 * no LatePoint add-on is active: the endpoint's output passes through
	 * LatePoint filters that add-ons hook, prices or availability), or absent:
	 * the full path always answers.
	 */
	const LANE                = 'lpapi_lane';
	const LANE_ALWAYS         = 'always';
	const LANE_WITHOUT_ADDONS = 'without_latepoint_addons';
	/** Routes authenticated by WordPress (cookie + nonce, Application Passwords), not by API keys. */
	const ADMIN_BASES = array( 'keys', 'logs', 'webhooks' );
	/** Routes anyone may read: the namespace index, the OpenAPI document and the status. */
	const PUBLIC_PATHS = array( '', '/openapi.json', '/status' );

	/** Whether the route is in this plugin's namespace. */
	public static function is_api_route( string $route ): bool {
		return 1 === preg_match( '#^/' . preg_quote( self::API_NAMESPACE, '#' ) . '(/|$)#i', $route );
	}

	public static function is_admin_route( string $route ): bool {
		return 1 === preg_match( '#^/' . preg_quote( self::API_NAMESPACE, '#' ) . '/(' . implode( '|', self::ADMIN_BASES ) . ')(/|$)#i', $route );
	}

	public static function is_public_route( string $route ): bool {
		if ( ! self::is_api_route( $route ) ) {
			return false;
		}
		$rest = strtolower( substr( $route, strlen( self::API_NAMESPACE ) + 1 ) );
		return in_array( $rest, self::PUBLIC_PATHS, true ) || '/' === $rest;
	}

	/** Whether requests to the route authenticate with an API key. */
	public static function takes_api_key( string $route, string $method ): bool {
		return self::is_api_route( $route ) && ! self::is_admin_route( $route ) && ! self::is_public_route( $route )
			&& 'OPTIONS' !== strtoupper( $method );
	}

	/**
	 * The permission the plugin's endpoint serving the request declares
	 * (Routes::PERMISSION), matched the way WordPress matches it; '' when none.
	 */
	public static function permission_of( \WP_REST_Request $request ): string {
		$path   = $request->get_route();
		$method = strtoupper( $request->get_method() );
		foreach ( rest_get_server()->get_routes( self::API_NAMESPACE ) as $route => $handlers ) {
			if ( 1 !== preg_match( '@^' . $route . '$@i', $path ) ) {
				continue;
			}
			foreach ( $handlers as $handler ) {
				if ( ! empty( $handler['methods'][ $method ] ) ) {
					return (string) ( $handler[ self::PERMISSION ] ?? '' );
				}
			}
		}
		return '';
	}

	/**
	 * The REST route a raw request asks for, before WordPress can tell:
	 * `?rest_route=/…`, or the path after `/wp-json/` (WordPress's default
	 * REST prefix), percent-decoded as WordPress decodes it. Null when neither.
	 *
	 * @param array<string, mixed> $query the parsed query ($_GET)
	 */
	public static function route_of_request( string $request_uri, array $query ): ?string {
		if ( isset( $query['rest_route'] ) && is_string( $query['rest_route'] ) ) {
			return '/' . ltrim( $query['rest_route'], '/' );
		}
		$path = rawurldecode( (string) strtok( $request_uri, '?' ) );
		$at   = strpos( $path, '/wp-json/' );
		return false === $at ? null : '/' . ltrim( substr( $path, $at + strlen( '/wp-json/' ) ), '/' );
	}
}
