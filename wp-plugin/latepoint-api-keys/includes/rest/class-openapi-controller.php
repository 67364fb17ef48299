<?php
/**
 * GET /latepoint-api/v1/openapi.json: an OpenAPI 3.1 document of this API,
 * generated from the routes as WordPress has them registered (paths, methods,
 * `args` schemas, the permission each route requires, the record it returns:
 * Routes::RESPONSE, whose schemas are in Schemas), so it cannot drift from
 * what the server does. Public: it describes, it reveals no data.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

defined( 'ABSPATH' ) || exit;

/**
 * Builds the document.
 */
final class Openapi_Controller {

	const ROUTE = '/openapi.json';

	/** Schema keywords WordPress and OpenAPI 3.1 (JSON Schema 2020-12) share. */
	const SCHEMA_KEYWORDS = array( 'type', 'enum', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'format', 'items', 'default', 'description', 'minItems', 'maxItems', 'uniqueItems', 'properties', 'additionalProperties' );

	public static function register_routes(): void {
		register_rest_route(
			Routes::API_NAMESPACE,
			self::ROUTE,
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( self::class, 'document' ),
				'permission_callback' => '__return_true',
			)
		);
	}

	public static function document(): \WP_REST_Response {
		$response = new \WP_REST_Response( self::build( rest_get_server()->get_routes( Routes::API_NAMESPACE ) ) );
		$response->header( 'Cache-Control', 'public, max-age=300' );
		return $response;
	}

	/**
	 * @param array<string, array<int, array<string, mixed>>> $routes as WP_REST_Server::get_routes() gives them.
	 */
	public static function build( array $routes ): array {
		$paths = array();
		foreach ( $routes as $route => $endpoints ) {
			$prefix = '/' . Routes::API_NAMESPACE;
			if ( $route === $prefix || 0 !== strpos( $route, $prefix . '/' ) ) {
				continue; // The namespace index.
			}
			list( $path, $path_params ) = self::path( substr( $route, strlen( $prefix ) ) );
			foreach ( $endpoints as $endpoint ) {
				foreach ( array_keys( array_filter( (array) $endpoint['methods'] ) ) as $method ) {
					$paths[ $path ][ strtolower( $method ) ] = self::operation( $route, $method, $endpoint, $path_params );
				}
			}
		}
		ksort( $paths );
		return array(
			'openapi'    => '3.1.0',
			'info'       => array(
				'title'       => 'LatePoint API',
				'version'     => LPAPI_PLUGIN_VERSION,
				'description' => 'Bookings, customers, agents, services and availability of a LatePoint site, and the management of its API keys. Send keys in the X-API-Key header (or Authorization: Bearer), never in the URL. Every response carries X-Request-Id; authenticated ones carry X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, RateLimit-Policy and RateLimit.',
			),
			'servers'    => array( array( 'url' => rest_url( Routes::API_NAMESPACE ) ) ),
			'paths'      => (object) $paths,
			'components' => self::components(),
		);
	}

	/** `/keys/(?P<id>\d+)/rotate` → `/keys/{id}/rotate`, and the names of its path parameters. */
	private static function path( string $route ): array {
		$names = array();
		$path  = preg_replace_callback(
			'/\(\?P<([a-zA-Z0-9_]+)>[^)]*\)/',
			static function ( $m ) use ( &$names ) {
				$names[] = $m[1];
				return '{' . $m[1] . '}';
			},
			$route
		);
		return array( $path, $names );
	}

	private static function operation( string $route, string $method, array $endpoint, array $path_params ): array {
		$permission = isset( $endpoint[ Routes::PERMISSION ] ) ? (string) $endpoint[ Routes::PERMISSION ] : null;
		$is_admin   = Routes::is_admin_route( $route );
		$is_public  = Routes::is_public_route( $route );
		$args       = (array) ( $endpoint['args'] ?? array() );
		$operation  = array(
			'operationId' => self::operation_id( $method, $route ),
			'tags'        => array( explode( '/', trim( substr( $route, strlen( '/' . Routes::API_NAMESPACE ) ), '/' ) )[0] ),
			'parameters'  => array(),
			'responses'   => array(),
		);
		if ( null !== $permission ) {
			$operation['security']              = array( array( 'ApiKey' => array() ) );
			$operation['x-required-permission'] = '' === $permission ? null : $permission;
			$operation['description']           = '' === $permission ? 'Needs any valid API key.' : "Needs an API key with the {$permission} permission.";
		} elseif ( $is_admin ) {
			$operation['security']    = array( array( 'WordPressApplicationPassword' => array() ), array( 'WordPressCookie' => array() ) );
			$operation['description'] = 'For WordPress administrators (manage_options), with an Application Password or a logged-in cookie and REST nonce. API keys are refused.';
		} elseif ( $is_public ) {
			$operation['security'] = array();
		}
		$body = array();
		foreach ( $args as $name => $arg ) {
			$schema = self::schema( (array) $arg );
			if ( in_array( $name, $path_params, true ) ) {
				$operation['parameters'][] = array( 'name' => $name, 'in' => 'path', 'required' => true, 'schema' => $schema );
			} elseif ( in_array( $method, array( 'GET', 'DELETE' ), true ) ) {
				$operation['parameters'][] = array_filter(
					array(
						'name'        => $name,
						'in'          => 'query',
						'required'    => ! empty( $arg['required'] ),
						'description' => $arg['description'] ?? null,
						'schema'      => $schema,
					),
					static fn ( $v ) => null !== $v
				);
			} else {
				$body['properties'][ $name ] = $schema;
				if ( ! empty( $arg['required'] ) ) {
					$body['required'][] = $name;
				}
			}
		}
		foreach ( $path_params as $name ) {
			if ( ! array_filter( $operation['parameters'], static fn ( $p ) => $p['name'] === $name ) ) {
				$operation['parameters'][] = array( 'name' => $name, 'in' => 'path', 'required' => true, 'schema' => array( 'type' => 'string' ) );
			}
		}
		if ( null !== $permission && 'POST' === $method ) {
			$operation['parameters'][] = array(
				'name'        => 'Idempotency-Key',
				'in'          => 'header',
				'required'    => false,
				'description' => 'Makes a retry safe: a repeat with the same key and body gets the first response again (Idempotent-Replayed: true) for 24 h.',
				'schema'      => array( 'type' => 'string', 'pattern' => '^[!-~]{1,255}$' ),
			);
		}
		if ( $body ) {
			$operation['requestBody'] = array(
				'required' => ! empty( $body['required'] ),
				'content'  => array( 'application/json' => array( 'schema' => array( 'type' => 'object', 'additionalProperties' => false ) + $body ) ),
			);
		}
		// POST creates (201), except the state changes of /keys/{id}/disable|enable; a resend is accepted (202: sent later).
		$success = 'POST' === $method && ! preg_match( '#/(disable|enable)$#', $route ) ? '201' : '200';
		if ( 'POST' === $method && preg_match( '#/resend$#', $route ) ) {
			$success = '202';
		}
		$returns = empty( $endpoint[ Routes::RESPONSE ] ) ? null : (array) $endpoint[ Routes::RESPONSE ];
		if ( '/' . Routes::API_NAMESPACE . Status_Controller::ROUTE === $route ) {
			foreach ( array( '200' => 'Everything is usable.', '503' => 'One check failed (Retry-After: 30); while the database is down, the other checks are null.' ) as $status => $description ) {
				$operation['responses'][ $status ] = array(
					'description' => $description . ' Not an envelope.',
					'content'     => array( 'application/json' => array( 'schema' => Status_Controller::SCHEMA ) ),
				);
			}
			return $operation;
		}
		if ( '/' . Routes::API_NAMESPACE . self::ROUTE === $route ) {
			$operation['responses'][ $success ] = array(
				'description' => 'This document (not an envelope).',
				'content'     => array( 'application/json' => array( 'schema' => array( 'type' => 'object', 'required' => array( 'openapi', 'info', 'paths' ) ) ) ),
			);
		} else {
			$operation['responses'][ $success ] = array(
				'description' => null === $returns ? 'Success: {"status":"success","data":…,"meta":{…}}' : Schemas::summary( $returns ),
				'content'     => array( 'application/json' => array( 'schema' => null === $returns ? array( '$ref' => '#/components/schemas/Success' ) : Schemas::envelope( $returns ) ) ),
			);
		}
		$errors = array( '400', '404', '422', '503' );
		if ( null !== $permission ) {
			$errors = array_merge( $errors, array( '401', '403', '429' ) );
		} elseif ( $is_admin ) {
			$errors = array_merge( $errors, array( '401', '403', '409' ) );
		}
		if ( null !== $permission && in_array( $method, array( 'POST', 'PATCH', 'DELETE' ), true ) ) {
			$errors[] = '409';
		}
		sort( $errors );
		foreach ( array_unique( $errors ) as $status ) {
			$operation['responses'][ $status ] = array( '$ref' => '#/components/responses/Error' . $status );
		}
		return $operation;
	}

	/** e.g. GET /bookings/(?P<id>\d+) → get_bookings_by_id. */
	private static function operation_id( string $method, string $route ): string {
		$relative = substr( $route, strlen( '/' . Routes::API_NAMESPACE ) + 1 );
		$relative = preg_replace( '/\(\?P<([a-zA-Z0-9_]+)>[^)]*\)/', 'by_$1', $relative );
		return strtolower( $method ) . '_' . trim( preg_replace( '/[^a-zA-Z0-9]+/', '_', $relative ), '_' );
	}

	/** A WordPress arg schema as a JSON Schema (OpenAPI 3.1). */
	private static function schema( array $arg ): array {
		$schema = array_intersect_key( $arg, array_flip( self::SCHEMA_KEYWORDS ) );
		if ( isset( $schema['items'] ) && is_array( $schema['items'] ) ) {
			$schema['items'] = self::schema( $schema['items'] );
		}
		if ( isset( $schema['properties'] ) && is_array( $schema['properties'] ) ) {
			$schema['properties'] = array_map( array( self::class, 'schema' ), $schema['properties'] );
		}
		return $schema ?: array( 'type' => 'string' );
	}

	private static function components(): array {
		$codes     = array(
			'400' => array( 'Bad request', array( 'key_in_query', 'ambiguous_credentials', 'bad_request', 'invalid_idempotency_key' ) ),
			'401' => array( 'Not authenticated', array( 'missing_api_key', 'invalid_api_key', 'key_revoked', 'key_disabled', 'key_expired', 'not_authenticated' ) ),
			'403' => array( 'Forbidden', array( 'environment_mismatch', 'ip_not_allowed', 'origin_not_allowed', 'insufficient_permissions' ) ),
			'404' => array( 'Not found', array( 'not_found' ) ),
			'409' => array( 'Conflict', array( 'customer_has_bookings', 'slot_unavailable', 'email_taken', 'conflict', 'idempotency_in_progress' ) ),
			'422' => array( 'Invalid input; details.fields names each field; or an Idempotency-Key reused with another request', array( 'validation_failed', 'idempotency_key_reused' ) ),
			'429' => array( 'Rate limit exceeded; see Retry-After', array( 'rate_limit_exceeded' ) ),
			'503' => array( 'Temporarily unavailable (database or rate limiter), or a write on a site where LatePoint is not active', array( 'service_unavailable', 'latepoint_inactive' ) ),
		);
		$responses = array();
		foreach ( $codes as $status => list( $description, $error_codes ) ) {
			$responses[ 'Error' . $status ] = array(
				'description' => $description . ': ' . implode( ', ', $error_codes ),
				'headers'     => array(
					'X-Request-Id' => array( 'schema' => array( 'type' => 'string' ) ),
				) + ( '429' === $status ? array( 'Retry-After' => array( 'schema' => array( 'type' => 'integer' ) ) ) : array() ),
				'content'     => array(
					'application/json' => array(
						'schema' => array(
							'allOf' => array(
								array( '$ref' => '#/components/schemas/Error' ),
								array( 'properties' => array( 'error' => array( 'properties' => array( 'code' => array( 'enum' => $error_codes ) ) ) ) ),
							),
						),
					),
				),
			);
		}
		return array(
			'securitySchemes' => array(
				'ApiKey'                       => array( 'type' => 'apiKey', 'in' => 'header', 'name' => 'X-API-Key', 'description' => 'lp_live_… or lp_test_… (46 characters). Authorization: Bearer <key> also works.' ),
				'WordPressApplicationPassword' => array( 'type' => 'http', 'scheme' => 'basic', 'description' => 'A WordPress user name and Application Password.' ),
				'WordPressCookie'              => array( 'type' => 'apiKey', 'in' => 'header', 'name' => 'X-WP-Nonce', 'description' => 'The logged-in cookie plus a wp_rest nonce.' ),
			),
			'schemas'         => Schemas::components() + array(
				'Success' => array(
					'type'       => 'object',
					'required'   => array( 'status', 'data' ),
					'properties' => array(
						'status' => array( 'const' => 'success' ),
						'data'   => array(),
						'meta'   => array(
							'type'       => 'object',
							'properties' => array(
								'total'       => array( 'type' => 'integer' ),
								'page'        => array( 'type' => 'integer' ),
								'per_page'    => array( 'type' => 'integer' ),
								'total_pages' => array( 'type' => 'integer' ),
								'next_cursor' => array( 'type' => array( 'string', 'null' ) ),
							),
						),
					),
				),
				'Error'   => array(
					'type'       => 'object',
					'required'   => array( 'status', 'error' ),
					'properties' => array(
						'status' => array( 'const' => 'error' ),
						'error'  => array(
							'type'       => 'object',
							'required'   => array( 'code', 'message', 'request_id' ),
							'properties' => array(
								'code'       => array( 'type' => 'string' ),
								'message'    => array( 'type' => 'string' ),
								'details'    => array( 'type' => 'object' ),
								'request_id' => array( 'type' => 'string', 'pattern' => '^req_[0-9A-Za-z]{24}$' ),
							),
						),
					),
				),
			),
			'responses'       => $responses,
		);
	}
}
