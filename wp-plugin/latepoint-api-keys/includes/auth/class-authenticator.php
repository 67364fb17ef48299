<?php
/**
 * API-key authentication for this plugin's routes only (docs/api.md), hooked
 * into WordPress's REST pipeline the way WooCommerce's REST authentication is:
 * checks on `rest_pre_dispatch`, the permission each route declares
 * (Routes::PERMISSION) in its permission_callback, headers and envelopes on `rest_post_dispatch`.
 *
 * Order of checks: no key in the query string → unambiguous credentials →
 * key present → well-formed
 * and checksum → known → status and expiry → environment → IP and Origin
 * allowlists → rate limit → permission. A request refused for lack of
 * permission still counts against the rate limit.
 *
 * Keys belong to the site, not to a user: a key never logs anyone in.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Auth;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Keys\Key_Format;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Keys\Key_Validator;
use LatePointApi\Rest\Api_Response;
use LatePointApi\Rest\Permission_Error;
use LatePointApi\Rest\Routes;
use LatePointApi\Support\Core;
use LatePointApi\Support\Settings;
use LatePointApi\Support\Storage_Error;
use LatePointApi\Native\InvalidKeyException;
use LatePointApi\Native\LpapiException;
use LatePointApi\Native\RateStoreUnavailableException;

defined( 'ABSPATH' ) || exit;

/**
 * The REST hooks.
 */
final class Authenticator {

	const API_NAMESPACE = Routes::API_NAMESPACE;
	/** Query parameters that look like someone put a key in the URL. */
	const QUERY_KEY_NAMES = array( 'api_key', 'apikey', 'key', 'x-api-key', 'x_api_key', 'access_token', 'token', 'auth' );

	public static function register(): void {
		add_filter( 'rest_pre_dispatch', array( self::class, 'pre_dispatch' ), 10, 3 );
		add_filter( 'rest_request_before_callbacks', array( self::class, 'permission_first' ), 10, 3 );
		add_filter( 'rest_post_dispatch', array( self::class, 'post_dispatch' ), 20, 3 );
		add_filter( 'rest_allowed_cors_headers', array( self::class, 'cors_allowed_headers' ) );
		add_filter( 'rest_exposed_cors_headers', array( self::class, 'cors_exposed_headers' ) );
	}

	public static function uses_api_key( \WP_REST_Request $request ): bool {
		return Routes::takes_api_key( $request->get_route(), $request->get_method() );
	}

	/**
	 * @param mixed $result
	 * @return mixed
	 */
	public static function pre_dispatch( $result, $server, \WP_REST_Request $request ) { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter -- rest_pre_dispatch passes the server before the request.
		if ( null !== $result || ! Routes::is_api_route( $request->get_route() ) ) {
			return $result;
		}
		Request_Context::start();
		$started                    = microtime( true );
		Request_Context::$client_ip = Client_Ip::resolve( $_SERVER, (array) Settings::get( 'trusted_proxies' ) );
		$credentials                = self::credentials( $request );
		if ( Routes::is_admin_route( $request->get_route() ) && ( null !== $credentials['key'] || $credentials['ambiguous'] ) ) {
			return Api_Response::error( 403, 'insufficient_permissions', __( 'API keys cannot manage keys or webhooks; sign in to WordPress as an administrator.', 'latepoint-api-keys' ) );
		}
		$error                            = self::uses_api_key( $request ) ? self::authenticate( $request ) : null;
		Request_Context::$handler_started = microtime( true );
		Request_Context::$auth_seconds    = Request_Context::$handler_started - $started;
		if ( null !== $error ) {
			Request_Context::$auth_error = $error->get_error_code();
			return $error;
		}
		return null;
	}

	/** Runs every check before the permission; null when the request may proceed. */
	public static function authenticate( \WP_REST_Request $request ): ?\WP_Error {
		if ( self::query_has_key( $request->get_query_params() ) ) {
			return Api_Response::error( 400, 'key_in_query', __( 'Send the API key in the X-API-Key header (or Authorization: Bearer), never in the URL: URLs end up in logs.', 'latepoint-api-keys' ) );
		}
		$credentials = self::credentials( $request );
		if ( $credentials['ambiguous'] ) {
			return Api_Response::error( 400, 'ambiguous_credentials', __( 'The request carries more than one API key (X-API-Key sent twice, or X-API-Key and Authorization: Bearer that differ). Send exactly one.', 'latepoint-api-keys' ) );
		}
		$key = $credentials['key'];
		if ( null === $key ) {
			return Api_Response::error( 401, 'missing_api_key', __( 'This endpoint needs an API key in the X-API-Key header.', 'latepoint-api-keys' ) );
		}
		Request_Context::$presented_prefix = Key_Format::display_prefix( $key );
		try {
			$parsed = Core::key_parse( $key );
		} catch ( InvalidKeyException $e ) {
			return Api_Response::error( 401, 'invalid_api_key', __( 'The API key is malformed. Check that it was copied whole.', 'latepoint-api-keys' ) );
		}
		try {
			$record = Key_Service::find_for_auth( $parsed['hash'], $from_cache );
		} catch ( Storage_Error $e ) {
			return Api_Response::error( 503, 'service_unavailable', __( 'The database is unavailable; try again shortly.', 'latepoint-api-keys' ) );
		}
		$error = self::key_error( $record, $request );
		if ( null !== $error ) {
			return $error;
		}
		try {
			$decision = Rate_Limits::hit( $record, Rate_Limits::operation( $request ) );
		} catch ( RateStoreUnavailableException $e ) {
			Rate_Limits::log_switch( 'server', 1 === $e->getCode() );
			return Api_Response::error( 503, 'service_unavailable', __( 'Rate limiting is unavailable (its Redis server cannot be reached); try again shortly.', 'latepoint-api-keys' ) );
		} catch ( LpapiException $e ) {
			return Api_Response::error( 503, 'service_unavailable', __( 'The rate limiter is unavailable; try again shortly.', 'latepoint-api-keys' ) );
		}
		Request_Context::$rate = $decision;
		Rate_Limits::log_switch( $decision['scope'], $decision['scope_changed'] );
		if ( $decision['cache_flushed'] && $from_cache ) {
			// A key changed on another server, or Redis went down or came back: the cached
			// record may be stale, so the checks run again on the database's (the cache is empty now).
			try {
				$record = Key_Service::find_for_auth( $parsed['hash'] );
			} catch ( Storage_Error $e ) {
				return Api_Response::error( 503, 'service_unavailable', __( 'The database is unavailable; try again shortly.', 'latepoint-api-keys' ) );
			}
			$error = self::key_error( $record, $request );
			if ( null !== $error ) {
				return $error;
			}
		}
		return $decision['allowed'] ? null : Rate_Limits::refusal( $decision );
	}

	/**
	 * The checks of a key record before the rate limit: known, status and expiry,
	 * environment, IP and Origin allowlists. Null when the key may proceed (it is
	 * then Request_Context::$key).
	 */
	private static function key_error( ?array $record, \WP_REST_Request $request ): ?\WP_Error {
		Request_Context::$key = null;
		if ( null === $record ) {
			return Api_Response::error( 401, 'invalid_api_key', __( 'The API key is not known to this site.', 'latepoint-api-keys' ) );
		}
		// From here on a refusal is logged under the key, so its log and usage show it.
		Request_Context::$known_key = $record;
		$status_error               = self::status_error( $record );
		if ( null !== $status_error ) {
			Request_Context::$presented_prefix = $record['key_prefix'];
			return $status_error;
		}
		if ( 'test' === $record['environment'] && 'production' === Settings::environment_type() ) {
			return Api_Response::error( 403, 'environment_mismatch', __( 'Test keys do not work on a production site. Use a live key.', 'latepoint-api-keys' ) );
		}
		if ( $record['allowed_ips'] && ! Client_Ip::in_list( Request_Context::$client_ip, $record['allowed_ips'] ) ) {
			return Api_Response::error( 403, 'ip_not_allowed', __( 'This key may not be used from this IP address.', 'latepoint-api-keys' ), array( 'ip' => Request_Context::$client_ip ) );
		}
		$origin = $request->get_header( 'origin' );
		if ( $record['allowed_origins'] && null !== $origin && '' !== $origin && ! in_array( Key_Validator::normalize_origin( $origin ), $record['allowed_origins'], true ) ) {
			return Api_Response::error( 403, 'origin_not_allowed', __( 'This key may not be used from this origin.', 'latepoint-api-keys' ) );
		}
		Request_Context::$key = $record;
		return null;
	}

	private static function status_error( array $record ): ?\WP_Error {
		$now = time();
		switch ( $record['status'] ) {
			case 'revoked':
				return Api_Response::error( 401, 'key_revoked', __( 'This API key has been revoked.', 'latepoint-api-keys' ) );
			case 'disabled':
				return Api_Response::error( 401, 'key_disabled', __( 'This API key is disabled.', 'latepoint-api-keys' ) );
			case 'expired':
				return Api_Response::error( 401, 'key_expired', __( 'This API key has expired.', 'latepoint-api-keys' ) );
			case 'rotated':
				if ( null === $record['grace_until'] || $record['grace_until'] <= $now ) {
					return Api_Response::error( 401, 'key_revoked', __( 'This API key was rotated and its grace period is over; use its replacement.', 'latepoint-api-keys' ) );
				}
				break;
			case 'active':
				break;
			default:
				return Api_Response::error( 401, 'invalid_api_key', __( 'The API key is not usable.', 'latepoint-api-keys' ) );
		}
		if ( null !== $record['expires_at'] && $record['expires_at'] <= $now ) {
			return Api_Response::error( 401, 'key_expired', __( 'This API key has expired.', 'latepoint-api-keys' ) );
		}
		return null;
	}

	/**
	 * Whether a query parameter, at any depth (`?a[]=`, `?a[b][c]=`), holds a
	 * full key in its value or its name, or a top-level name says it is a key.
	 *
	 * @param array<array-key, mixed> $params
	 */
	public static function query_has_key( array $params, bool $top = true ): bool {
		foreach ( $params as $name => $value ) {
			$name = (string) $name;
			if ( ( $top && in_array( strtolower( $name ), self::QUERY_KEY_NAMES, true ) ) || Key_Format::contains_key( $name ) ) {
				return true;
			}
			if ( is_array( $value ) ? self::query_has_key( $value, false ) : ( is_scalar( $value ) && Key_Format::contains_key( (string) $value ) ) ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The presented key and whether the request is ambiguous about it (Credentials).
	 *
	 * @return array{key: ?string, ambiguous: bool}
	 */
	public static function credentials( \WP_REST_Request $request ): array {
		$header        = $request->get_header( 'x_api_key' );
		$authorization = $request->get_header( 'authorization' );
		// The web server's first copy belongs to the request PHP is serving, not to one dispatched inside it.
		$first = null;
		if ( null !== $header && isset( $_SERVER[ Credentials::FIRST_X_API_KEY ], $_SERVER['HTTP_X_API_KEY'] ) && $header === $_SERVER['HTTP_X_API_KEY'] ) {
			$first = (string) $_SERVER[ Credentials::FIRST_X_API_KEY ];
		}
		return Credentials::read( $header, $authorization, $first );
	}

	/**
	 * The permission_callback of every API-key endpoint: the calling key (checked
	 * on rest_pre_dispatch) must hold the permission the matched endpoint
	 * declares in its Routes::PERMISSION option ('' = any valid key).
	 *
	 * @return true|\WP_Error
	 */
	public static function check_permission( \WP_REST_Request $request ) {
		$key = Request_Context::$key;
		if ( null === $key ) {
			return Api_Response::error( 401, 'missing_api_key', __( 'This endpoint needs an API key in the X-API-Key header.', 'latepoint-api-keys' ) );
		}
		$permission = (string) ( $request->get_attributes()[ Routes::PERMISSION ] ?? '' );
		if ( '' !== $permission && ! Permission_Error::held( $permission ) ) {
			return ( new Permission_Error( $permission ) )->response();
		}
		return true;
	}

	/**
	 * rest_request_before_callbacks: WordPress checks a route's arguments before its
	 * permission_callback. On this plugin's routes a caller who may not use the route
	 * is told so (401/403), not which fields its request lacks (docs/api.md: the
	 * permission is checked before the request itself).
	 *
	 * @param mixed $response
	 * @return mixed
	 */
	public static function permission_first( $response, $handler, $request ) {
		if ( ! is_wp_error( $response ) || ! $request instanceof \WP_REST_Request || ! Routes::is_api_route( $request->get_route() )
			|| ! is_array( $handler ) || empty( $handler['permission_callback'] ) ) {
			return $response;
		}
		$permission = call_user_func( $handler['permission_callback'], $request );
		return is_wp_error( $permission ) ? $permission : $response;
	}

	/** rest_post_dispatch: envelope, X-Request-Id, rate-limit headers, the audit row. */
	public static function post_dispatch( $response, $server, \WP_REST_Request $request ) { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter -- rest_post_dispatch passes the server before the request.
		if ( ! $response instanceof \WP_REST_Response || ! Routes::is_api_route( $request->get_route() ) ) {
			return $response;
		}
		$response = Api_Response::shape( $response );
		$response->header( 'X-Request-Id', Request_Context::request_id() );
		$response->header( 'Cache-Control', 'no-store' );
		$response->header( 'Server-Timing', Request_Context::server_timing() );
		if ( null !== Request_Context::$rate ) {
			foreach ( Rate_Limits::headers( Request_Context::$rate, time() ) as $name => $value ) {
				$response->header( $name, $value );
			}
		}
		if ( self::uses_api_key( $request ) ) {
			self::log( $request, $response );
		}
		return $response;
	}

	private static function log( \WP_REST_Request $request, \WP_REST_Response $response ): void {
		$status = $response->get_status();
		$data   = $response->get_data();
		$key    = Request_Context::$key ?? Request_Context::$known_key;
		if ( 429 === $status ) {
			$event = 'rate_limited';
		} elseif ( null !== Request_Context::$auth_error ) {
			$event = 'auth_failed';
		} else {
			$event = 'request';
		}
		Audit_Log::record(
			array(
				'created_at'  => Audit_Log::now_ms(),
				'request_id'  => Request_Context::request_id(),
				'event'       => $event,
				'key_id'      => $key['id'] ?? null,
				'key_prefix'  => $key['key_prefix'] ?? Request_Context::$presented_prefix,
				'method'      => $request->get_method(),
				'route'       => $request->get_route(),
				'status'      => $status,
				'error_code'  => is_array( $data ) && isset( $data['error']['code'] ) ? $data['error']['code'] : '',
				'client_ip'   => Request_Context::$client_ip,
				'user_agent'  => (string) $request->get_header( 'user_agent' ),
				'duration_ms' => Request_Context::duration_ms(),
			)
		);
	}

	/** @param string[] $headers */
	public static function cors_allowed_headers( array $headers ): array {
		$headers[] = 'X-API-Key';
		$headers[] = 'Idempotency-Key';
		return $headers;
	}

	/** @param string[] $headers */
	public static function cors_exposed_headers( array $headers ): array {
		return array_merge( $headers, array( 'X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'RateLimit', 'RateLimit-Policy', 'X-RateLimit-Scope', 'Retry-After', 'Idempotent-Replayed', 'Server-Timing' ) );
	}
}
