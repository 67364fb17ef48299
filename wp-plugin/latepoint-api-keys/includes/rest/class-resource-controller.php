<?php
/**
 * The shell every LatePoint resource route shares: registration of API-key
 * endpoints (each declares the permission it needs, as the route option
 * Routes::PERMISSION), the 503 when LatePoint's tables are missing, and the
 * list / get / create / update / delete handlers over a data layer in
 * includes/latepoint/.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\Auth\Authenticator;
use LatePointApi\LatePoint\Tables;

defined( 'ABSPATH' ) || exit;

/**
 * Base of the resource controllers.
 */
abstract class Resource_Controller {

	/**
	 * One API-key endpoint of a route.
	 *
	 * @param string   $method     GET, POST, PATCH or DELETE.
	 * @param string   $permission the permission the calling key needs ('' = any valid key).
	 * @param callable $callback   the handler.
	 * @param array    $args       its `args`.
	 * @param array    $response   the record it returns (Schemas::one(), many(), deleted()).
	 * @param string   $lane       Routes::LANE_ALWAYS or LANE_WITHOUT_ADDONS for a read the lean lane may answer; '' for none.
	 */
	public static function endpoint( string $method, string $permission, callable $callback, array $args = array(), array $response = array(), string $lane = '' ): array {
		$endpoint = array(
			'methods'             => $method,
			'callback'            => $callback,
			'permission_callback' => array( Authenticator::class, 'check_permission' ),
			Routes::PERMISSION    => $permission,
			Routes::RESPONSE      => $response,
			'args'                => Args::validate_all( $args ),
		);
		if ( '' !== $lane ) {
			$endpoint[ Routes::LANE ] = $lane;
		}
		return $endpoint;
	}

	/** Registers a route of this plugin's namespace. */
	protected static function route( string $route, array ...$endpoints ): void {
		register_rest_route( Routes::API_NAMESPACE, $route, $endpoints );
	}

	/** Runs a handler: 503 without LatePoint's tables, the plugin's errors as envelopes. */
	public static function run( callable $handler ) {
		Tables::forget();
		if ( ! Tables::exist() ) {
			return self::missing_error();
		}
		$response = Api_Response::run( $handler );
		// The tables were known to exist; a storage error may mean they are gone since.
		if ( is_wp_error( $response ) && 'service_unavailable' === $response->get_error_code() && ! Tables::found() ) {
			return self::missing_error();
		}
		return $response;
	}

	/** The 503 a resource route answers when LatePoint's tables are missing. */
	public static function missing_error(): \WP_Error {
		return Api_Response::error( 503, 'service_unavailable', __( 'This endpoint needs LatePoint, whose tables were not found on this site.', 'latepoint-api-keys' ) );
	}

	/**
	 * A page of a list: the named query parameters that are set become the filters.
	 *
	 * @param string[]                                                                         $filter_names
	 * @param callable(array $filters, int $offset, int $limit, ?int $cursor): array{items: array[], total: int} $fetch
	 */
	protected static function list_items( \WP_REST_Request $request, array $filter_names, callable $fetch ) {
		return self::run(
			static function () use ( $request, $filter_names, $fetch ) {
				$paging = Args::read_paging( $request );
				if ( is_wp_error( $paging ) ) {
					return $paging;
				}
				$filters = array();
				foreach ( $filter_names as $name ) {
					$value = $request->get_param( $name );
					if ( null !== $value && '' !== $value ) {
						$filters[ $name ] = $value;
					}
				}
				return Args::paged_response( $paging, static fn ( $offset, $limit, $cursor ) => $fetch( $filters, $offset, $limit, $cursor ) );
			}
		);
	}

	/** @param callable(int $id): array $load */
	protected static function get_item( \WP_REST_Request $request, callable $load ) {
		return self::run( static fn () => Api_Response::success( $load( (int) $request['id'] ) ) );
	}

	/**
	 * @param string[]                $fields the body fields the route takes
	 * @param callable(array): array $create
	 */
	protected static function create_item( \WP_REST_Request $request, array $fields, callable $create ) {
		return self::run(
			static function () use ( $request, $fields, $create ) {
				$body = Args::write_body( $request );
				Args::reject_unknown( $body, $fields );
				return Api_Response::success( $create( $body ), array(), 201 );
			}
		);
	}

	/**
	 * @param string[]                      $fields
	 * @param callable(int, array): array $update
	 */
	protected static function update_item( \WP_REST_Request $request, array $fields, callable $update ) {
		return self::run(
			static function () use ( $request, $fields, $update ) {
				$body = Args::write_body( $request );
				Args::reject_unknown( $body, $fields );
				return Api_Response::success( $update( (int) $request['id'], $body ) );
			}
		);
	}

	/** @param callable(int): array $delete returns the deleted record */
	protected static function delete_item( \WP_REST_Request $request, callable $delete ) {
		return self::run(
			static function () use ( $request, $delete ) {
				$id = (int) $request['id'];
				return Api_Response::success( array( 'id' => $id, 'deleted' => true, 'previous' => $delete( $id ) ) );
			}
		);
	}

	/** `args` of a route whose path names the record. */
	protected static function id_args( string $description ): array {
		return array( 'id' => Args::id_arg( $description, array( 'required' => true ) ) );
	}
}
