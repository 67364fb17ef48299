<?php
/**
 * The Idempotency-Key header of the resource POSTs (docs/api.md): a retried
 * POST /bookings gets the first attempt's response again instead of booking twice.
 *
 * Only on POSTs of routes that take an API key (Routes::takes_api_key), never
 * on key or webhook management. Hooked after authentication and the rate limit
 * (Authenticator's rest_pre_dispatch), so a replay counts like any request:
 *
 * - rest_request_before_callbacks (after Authenticator::permission_first): a
 *   malformed header is refused with 400, once the key may use the route;
 * - rest_dispatch_request (the handler is about to run): the claim, atomic
 *   across workers and servers (a unique index; INSERT IGNORE; a stale claim is
 *   taken over with a conditional UPDATE), or the stored response, or 409/422;
 * - rest_post_dispatch (after Authenticator::post_dispatch shaped the envelope):
 *   the response of the claiming request is stored for Idempotency::TTL seconds.
 *
 * Keys are scoped by the API key's counter_id, which a rotated key and its
 * replacements share: a retry sent with the replacement still replays.
 * Times come from the database's clock (UTC_TIMESTAMP()), one clock for every server.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Idempotency;

use LatePointApi\Auth\Request_Context;
use LatePointApi\Rest\Api_Response;
use LatePointApi\Rest\Routes;
use LatePointApi\Support\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * Claims, replays and stores.
 */
final class Idempotency {

	const HEADER          = 'Idempotency-Key';
	const REPLAYED_HEADER = 'Idempotent-Replayed';
	/** How long a response is kept (and replayed), in seconds. */
	const TTL = DAY_IN_SECONDS;
	/** After how many seconds without a response a claim may be taken over. */
	const CLAIM_SECONDS = 60;
	/** Headers a replay makes afresh (Authenticator::post_dispatch), never from the stored response. */
	const FRESH_HEADERS = array( 'x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit', 'ratelimit-policy', 'x-ratelimit-scope', 'retry-after', 'idempotent-replayed' );

	/** @var ?array{request: \WP_REST_Request, id: int, token: string} the claim this process holds */
	private static $claim = null;

	public static function register(): void {
		add_filter( 'rest_request_before_callbacks', array( self::class, 'check_header' ), 20, 3 );
		add_filter( 'rest_dispatch_request', array( self::class, 'dispatch' ), 10, 4 );
		add_filter( 'rest_post_dispatch', array( self::class, 'store' ), 30, 3 );
	}

	/** Whether the request is one the header applies to: an authenticated resource POST. */
	public static function applies( \WP_REST_Request $request ): bool {
		return 'POST' === strtoupper( $request->get_method() ) && Routes::takes_api_key( $request->get_route(), $request->get_method() )
			&& null !== Request_Context::$key;
	}

	/** Whether a header value is a valid key: 1–255 visible ASCII characters. */
	public static function valid( string $value ): bool {
		return 1 === preg_match( '/^[\x21-\x7E]{1,255}$/D', $value );
	}

	/** method + route + SHA-256 of the raw body, hashed. */
	public static function fingerprint( \WP_REST_Request $request ): string {
		return hash( 'sha256', strtoupper( $request->get_method() ) . ' ' . $request->get_route() . ' ' . hash( 'sha256', (string) $request->get_body() ) );
	}

	/**
	 * rest_request_before_callbacks: a malformed header gets 400, unless the key
	 * may not use the route at all (then its 401/403, as for any request).
	 *
	 * @param mixed $response
	 * @param mixed $handler
	 * @param mixed $request
	 * @return mixed
	 */
	public static function check_header( $response, $handler, $request ) {
		if ( ! $request instanceof \WP_REST_Request || ! self::applies( $request ) ) {
			return $response;
		}
		$value = $request->get_header( 'idempotency_key' );
		if ( null === $value || self::valid( $value ) ) {
			return $response;
		}
		$error = is_wp_error( $response ) ? $response->get_error_data() : null;
		if ( is_array( $error ) && in_array( (int) ( $error['status'] ?? 0 ), array( 401, 403 ), true ) ) {
			return $response;
		}
		if ( is_array( $handler ) && ! empty( $handler['permission_callback'] ) ) {
			$permission = call_user_func( $handler['permission_callback'], $request );
			if ( is_wp_error( $permission ) ) {
				return $permission;
			}
		}
		return self::invalid_header();
	}

	/**
	 * rest_dispatch_request: the handler is about to run. Claims the key, or
	 * answers instead of the handler (replay, 409, 422).
	 *
	 * @param mixed $result
	 * @param mixed $request
	 * @return mixed
	 */
	public static function dispatch( $result, $request, $route = '', $handler = array() ) { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter -- rest_dispatch_request passes the route and handler after the request.
		self::$claim = null;
		if ( null !== $result || ! $request instanceof \WP_REST_Request || ! self::applies( $request ) ) {
			return $result;
		}
		$value = $request->get_header( 'idempotency_key' );
		if ( null === $value ) {
			return $result;
		}
		if ( ! self::valid( $value ) ) {
			return self::invalid_header();
		}
		$key = Request_Context::$key;
		return self::claim( $request, (int) ( $key['counter_id'] ?? $key['id'] ), hash( 'sha256', $value ) );
	}

	/**
	 * The claim itself. Null when this request holds it (the handler runs);
	 * otherwise the answer instead of the handler's.
	 *
	 * @return null|\WP_Error|\WP_REST_Response
	 */
	private static function claim( \WP_REST_Request $request, int $scope, string $key_hash ) {
		global $wpdb;
		$fingerprint = self::fingerprint( $request );
		$token       = bin2hex( random_bytes( 16 ) );
		for ( $attempt = 0; $attempt < 5; $attempt++ ) {
			$inserted = $wpdb->query(
				$wpdb->prepare(
					'INSERT IGNORE INTO ' . Schema::idempotency() . ' (scope_id, key_hash, fingerprint, claim_token, created_at, claimed_at) VALUES (%d, %s, %s, %s, UTC_TIMESTAMP(), UTC_TIMESTAMP())',
					$scope,
					$key_hash,
					$fingerprint,
					$token
				)
			);
			if ( false === $inserted ) {
				return self::unavailable();
			}
			if ( 1 === (int) $inserted ) {
				return self::hold( $request, (int) $wpdb->insert_id, $token );
			}
			$row = $wpdb->get_row(
				$wpdb->prepare(
					'SELECT id, fingerprint, response_status, response, claimed_at < UTC_TIMESTAMP() - INTERVAL %d SECOND AS stale, created_at < UTC_TIMESTAMP() - INTERVAL %d SECOND AS expired FROM ' . Schema::idempotency() . ' WHERE scope_id = %d AND key_hash = %s',
					self::CLAIM_SECONDS,
					self::TTL,
					$scope,
					$key_hash
				),
				ARRAY_A
			);
			if ( null === $row ) {
				if ( '' !== $wpdb->last_error ) {
					return self::unavailable();
				}
				continue; // Deleted in between (expired): insert again.
			}
			$id = (int) $row['id'];
			if ( '1' === (string) $row['expired'] ) {
				// Older than the TTL and not yet cleaned up: as if absent, whoever wins the UPDATE owns it.
				$taken = $wpdb->query(
					$wpdb->prepare(
						'UPDATE ' . Schema::idempotency() . ' SET fingerprint = %s, claim_token = %s, created_at = UTC_TIMESTAMP(), claimed_at = UTC_TIMESTAMP(), response_status = NULL, response = NULL WHERE id = %d AND created_at < UTC_TIMESTAMP() - INTERVAL %d SECOND',
						$fingerprint,
						$token,
						$id,
						self::TTL
					)
				);
				if ( 1 === (int) $taken ) {
					return self::hold( $request, $id, $token );
				}
				continue;
			}
			if ( ! hash_equals( (string) $row['fingerprint'], $fingerprint ) ) {
				return Api_Response::error( 422, 'idempotency_key_reused', __( 'This Idempotency-Key was used with another request (method, route or body). Use a new key for a new request.', 'latepoint-api-keys' ) );
			}
			if ( null !== $row['response'] ) {
				return self::replay( (int) $row['response_status'], (string) $row['response'] );
			}
			if ( '1' === (string) $row['stale'] ) {
				// The first attempt never answered: take its claim over, if no one else did meanwhile.
				$taken = $wpdb->query(
					$wpdb->prepare(
						'UPDATE ' . Schema::idempotency() . ' SET claim_token = %s, claimed_at = UTC_TIMESTAMP() WHERE id = %d AND response IS NULL AND claimed_at < UTC_TIMESTAMP() - INTERVAL %d SECOND',
						$token,
						$id,
						self::CLAIM_SECONDS
					)
				);
				if ( 1 === (int) $taken ) {
					return self::hold( $request, $id, $token );
				}
				continue; // Someone else took it over or answered: read again.
			}
			return Api_Response::error( 409, 'idempotency_in_progress', __( 'A request with this Idempotency-Key is still being processed. Retry in a moment to get its response.', 'latepoint-api-keys' ) );
		}
		return Api_Response::error( 409, 'idempotency_in_progress', __( 'A request with this Idempotency-Key is still being processed. Retry in a moment to get its response.', 'latepoint-api-keys' ) );
	}

	private static function hold( \WP_REST_Request $request, int $id, string $token ): ?\WP_Error {
		self::$claim = array(
			'request' => $request,
			'id'      => $id,
			'token'   => $token,
		);
		return null;
	}

	/**
	 * rest_post_dispatch (after the envelope): stores the response of the
	 * request holding the claim.
	 *
	 * @param mixed $response
	 * @param mixed $server
	 * @param mixed $request
	 * @return mixed
	 */
	public static function store( $response, $server, $request ) { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter -- rest_post_dispatch passes the server before the request.
		global $wpdb;
		$claim = self::$claim;
		if ( null === $claim || $claim['request'] !== $request || ! $response instanceof \WP_REST_Response ) {
			return $response;
		}
		self::$claim = null;
		$headers     = array();
		foreach ( $response->get_headers() as $name => $value ) {
			if ( ! in_array( strtolower( (string) $name ), self::FRESH_HEADERS, true ) ) {
				$headers[ (string) $name ] = (string) $value;
			}
		}
		$stored = wp_json_encode(
			array(
				'headers' => (object) $headers,
				'body'    => $response->get_data(),
			)
		);
		if ( false === $stored ) {
			return $response; // Not storable: the claim goes stale and a retry may run again after CLAIM_SECONDS.
		}
		$wpdb->query(
			$wpdb->prepare(
				'UPDATE ' . Schema::idempotency() . ' SET response_status = %d, response = %s WHERE id = %d AND claim_token = %s AND response IS NULL',
				$response->get_status(),
				$stored,
				$claim['id'],
				$claim['token']
			)
		);
		return $response;
	}

	/**
	 * The stored response again: same status, body and headers, and
	 * Idempotent-Replayed: true (X-Request-Id and the rate-limit headers are
	 * this request's; so is an error envelope's request_id, which matches X-Request-Id).
	 */
	private static function replay( int $status, string $stored ): \WP_REST_Response {
		$decoded = json_decode( $stored );
		$body    = is_object( $decoded ) && property_exists( $decoded, 'body' ) ? $decoded->body : null;
		// The envelope's top level as arrays (as handlers return it), nested objects kept ({} stays {}).
		if ( is_object( $body ) ) {
			$body = (array) $body;
		}
		if ( is_array( $body ) && isset( $body['error'] ) && is_object( $body['error'] ) ) {
			$body['error']               = (array) $body['error'];
			$body['error']['request_id'] = Request_Context::request_id();
		}
		$response = new \WP_REST_Response( $body, $status );
		$headers  = is_object( $decoded ) && isset( $decoded->headers ) ? (array) $decoded->headers : array();
		foreach ( $headers as $name => $value ) {
			$response->header( (string) $name, (string) $value );
		}
		$response->header( self::REPLAYED_HEADER, 'true' );
		return $response;
	}

	private static function invalid_header(): \WP_Error {
		return Api_Response::error( 400, 'invalid_idempotency_key', __( 'The Idempotency-Key header must be 1 to 255 visible ASCII characters (no spaces).', 'latepoint-api-keys' ) );
	}

	private static function unavailable(): \WP_Error {
		return Api_Response::error( 503, 'service_unavailable', __( 'The database is unavailable; try again shortly.', 'latepoint-api-keys' ) );
	}

	/** Deletes the rows older than the TTL (the daily maintenance). */
	public static function purge(): int {
		global $wpdb;
		return (int) $wpdb->query( $wpdb->prepare( 'DELETE FROM ' . Schema::idempotency() . ' WHERE created_at < UTC_TIMESTAMP() - INTERVAL %d SECOND', self::TTL ) );
	}
}
