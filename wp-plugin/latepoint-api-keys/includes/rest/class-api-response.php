<?php
/**
 * The docs/api.md envelopes: success `{"status":"success","data":…,"meta":{…}}`,
 * error `{"status":"error","error":{code,message,details,request_id}}`, and
 * the translation of WordPress's own REST errors into them.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\Auth\Request_Context;
use LatePointApi\Support\Conflict_Error;
use LatePointApi\Support\LatePoint_Inactive_Error;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Storage_Error;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Builds responses.
 */
final class Api_Response {

	/** WordPress REST error codes → [HTTP status, API code]. */
	const WP_ERRORS = array(
		'rest_no_route'               => array( 404, 'not_found' ),
		'rest_post_invalid_id'        => array( 404, 'not_found' ),
		'rest_invalid_param'          => array( 422, 'validation_failed' ),
		'rest_missing_callback_param' => array( 422, 'validation_failed' ),
		'rest_invalid_json'           => array( 400, 'bad_request' ),
		'rest_not_logged_in'          => array( 401, 'not_authenticated' ),
		'rest_cookie_invalid_nonce'   => array( 403, 'invalid_nonce' ),
		'rest_forbidden'              => array( 403, 'insufficient_permissions' ),
		'incorrect_password'          => array( 401, 'not_authenticated' ),
		'invalid_username'            => array( 401, 'not_authenticated' ),
		'invalid_email'               => array( 401, 'not_authenticated' ),
		'application_passwords_disabled' => array( 401, 'not_authenticated' ),
	);

	public static function success( $data, array $meta = array(), int $status = 200 ): \WP_REST_Response {
		return new \WP_REST_Response(
			array(
				'status' => 'success',
				'data'   => $data,
				'meta'   => (object) $meta,
			),
			$status
		);
	}

	/** An error the handlers return; shaped into the envelope on the way out. */
	public static function error( int $status, string $code, string $message, array $details = array() ): \WP_Error {
		return new \WP_Error( $code, $message, array( 'status' => $status, 'details' => $details ) );
	}

	/** A page of a list, with both paging styles in meta. */
	public static function page( array $items, int $total, int $page, int $per_page, ?int $next_before = null ): \WP_REST_Response {
		$meta = array(
			'total'       => $total,
			'page'        => $page,
			'per_page'    => $per_page,
			'total_pages' => (int) ceil( $total / max( 1, $per_page ) ),
			'next_cursor' => null === $next_before ? null : self::encode_cursor( $next_before ),
		);
		return self::success( $items, $meta );
	}

	public static function encode_cursor( int $before_id ): string {
		return rtrim( strtr( base64_encode( wp_json_encode( array( 'b' => $before_id ) ) ), '+/', '-_' ), '=' );
	}

	/** The id a cursor points before, or null when it is not a cursor of ours. */
	public static function decode_cursor( string $cursor ): ?int {
		$json = base64_decode( strtr( $cursor, '-_', '+/' ), true );
		$data = false === $json ? null : json_decode( $json, true );
		return is_array( $data ) && isset( $data['b'] ) && is_int( $data['b'] ) && $data['b'] > 0 ? $data['b'] : null;
	}

	/**
	 * The one place a handler runs: its return value, or the envelope of the
	 * plugin's error it threw (Validation_Error 422, Not_Found_Error 404,
	 * Conflict_Error 409, LatePoint_Inactive_Error and Storage_Error 503).
	 *
	 * @return mixed
	 */
	public static function run( callable $handler ) {
		try {
			return $handler();
		} catch ( \Throwable $e ) {
			return self::from_exception( $e );
		}
	}

	/** Translates an exception from a service into an error response. */
	public static function from_exception( \Throwable $e ): \WP_Error {
		if ( $e instanceof Validation_Error ) {
			return self::error( 422, 'validation_failed', $e->getMessage(), array( 'fields' => $e->fields() ) );
		}
		if ( $e instanceof Not_Found_Error ) {
			return self::error( 404, 'not_found', $e->getMessage() );
		}
		if ( $e instanceof Conflict_Error ) {
			return self::error( 409, $e->error_code(), $e->getMessage(), $e->details() );
		}
		if ( $e instanceof Permission_Error ) {
			return $e->response();
		}
		if ( $e instanceof LatePoint_Inactive_Error ) {
			return self::error( 503, 'latepoint_inactive', __( 'Writes go through LatePoint itself, which is not active on this site; reads still work.', 'latepoint-api-keys' ) );
		}
		if ( $e instanceof Storage_Error ) {
			return self::error( 503, 'service_unavailable', __( 'The database is unavailable; try again shortly.', 'latepoint-api-keys' ) );
		}
		// Unexpected: log without the request's data, answer without internals.
		error_log( 'LatePoint API Keys: ' . get_class( $e ) . ' in ' . $e->getFile() . ':' . $e->getLine() ); // phpcs:ignore Generic.PHP.ForbiddenFunctions -- the one server-side trace of an unexpected error: class, file and line, never the message or the request.
		return self::error( 500, 'internal_error', __( 'Something went wrong on the server.', 'latepoint-api-keys' ) );
	}

	/**
	 * Rewrites any error response of our namespace into the API envelope.
	 * WordPress's own errors (no route, invalid parameters, bad JSON) get
	 * API codes; parameter errors become 422 with details per field.
	 */
	public static function shape( \WP_REST_Response $response ): \WP_REST_Response {
		$data = $response->get_data();
		if ( $response->get_status() < 400 || ! is_array( $data ) || ! isset( $data['code'] ) || isset( $data['status'] ) && 'error' === $data['status'] ) {
			return $response;
		}
		$code    = (string) $data['code'];
		$status  = $response->get_status();
		$message = isset( $data['message'] ) ? (string) $data['message'] : '';
		$extra   = isset( $data['data'] ) && is_array( $data['data'] ) ? $data['data'] : array();
		$details = isset( $extra['details'] ) && is_array( $extra['details'] ) ? $extra['details'] : array();

		if ( isset( self::WP_ERRORS[ $code ] ) ) {
			list( $status, $code ) = self::WP_ERRORS[ $code ];
			if ( 'validation_failed' === $code ) {
				$fields = array();
				foreach ( (array) ( $extra['params'] ?? array() ) as $field => $reason ) {
					if ( is_int( $field ) && is_string( $reason ) ) {
						// rest_missing_callback_param lists the missing names.
						$fields[ $reason ] = __( 'Required.', 'latepoint-api-keys' );
						continue;
					}
					$fields[ $field ] = is_string( $reason ) ? $reason : __( 'Invalid value.', 'latepoint-api-keys' );
				}
				$details = array( 'fields' => $fields );
				$message = __( 'Some fields are invalid.', 'latepoint-api-keys' );
			}
			if ( 'not_found' === $code && 'rest_no_route' === $data['code'] ) {
				$message = __( 'No such endpoint or method. See /wp-json/latepoint-api/v1/openapi.json.', 'latepoint-api-keys' );
			}
		} elseif ( ! preg_match( '/^[a-z_]+$/', $code ) || str_starts_with( $code, 'rest_' ) ) {
			$code = $status >= 500 ? 'internal_error' : ( 404 === $status ? 'not_found' : 'bad_request' );
		}
		$response->set_status( $status );
		$response->set_data(
			array(
				'status' => 'error',
				'error'  => array(
					'code'       => $code,
					'message'    => wp_strip_all_tags( $message ),
					'details'    => (object) $details,
					'request_id' => Request_Context::request_id(),
				),
			)
		);
		return $response;
	}
}
