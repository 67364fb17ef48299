<?php
/**
 * Key management and logs over REST (docs/api.md), for admins and automation:
 * authenticated by WordPress (cookie + REST nonce, or an Application
 * Password), capability manage_options. An API key can never manage keys.
 * Shares Key_Service with the admin page.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Audit\Audit_Row;
use LatePointApi\Support\Settings;
use LatePointApi\Audit\Log_Query;
use LatePointApi\Keys\Key_Limits;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Keys\Permissions;

defined( 'ABSPATH' ) || exit;

/**
 * Routes under /latepoint-api/v1/keys and /logs.
 */
final class Keys_Controller {

	const ROUTE_KEYS = '/keys';
	const ROUTE_KEY  = '/keys/(?P<id>\d+)';
	const ROUTE_LOGS = '/logs';

	public static function register_routes(): void {
		$ns    = Routes::API_NAMESPACE;
		$admin = array( self::class, 'permissions_check' );
		$id    = array(
			'id' => array(
				'description' => __( 'The key id.', 'latepoint-api-keys' ),
				'type'        => 'integer',
				'minimum'     => 1,
				'required'    => true,
			),
		);
		register_rest_route(
			$ns,
			self::ROUTE_KEYS,
			array(
				array(
					'methods'             => \WP_REST_Server::READABLE,
					'callback'            => array( self::class, 'list_keys' ),
					'permission_callback' => $admin,
					Routes::RESPONSE      => Schemas::many( 'Key' ),
					'args'                => Args::paging() + array(
						'status'      => array( 'type' => 'string', 'enum' => Key_Service::STATUSES, 'description' => __( 'Only keys with this status.', 'latepoint-api-keys' ) ),
						'environment' => array( 'type' => 'string', 'enum' => array( 'live', 'test' ) ),
						'search'      => array( 'type' => 'string', 'maxLength' => 100, 'description' => __( 'Part of the name or prefix.', 'latepoint-api-keys' ) ),
					),
				),
				array(
					'methods'             => \WP_REST_Server::CREATABLE,
					'callback'            => array( self::class, 'create_key' ),
					'permission_callback' => $admin,
					Routes::RESPONSE      => Schemas::one( 'NewKey' ),
					'args'                => self::key_fields( true ),
				),
				'schema' => array( self::class, 'key_schema' ),
			)
		);
		register_rest_route(
			$ns,
			self::ROUTE_KEY,
			array(
				array(
					'methods'             => \WP_REST_Server::READABLE,
					'callback'            => array( self::class, 'get_key' ),
					'permission_callback' => $admin,
					Routes::RESPONSE      => Schemas::one( 'Key' ),
					'args'                => $id,
				),
				array(
					'methods'             => 'PATCH',
					'callback'            => array( self::class, 'update_key' ),
					'permission_callback' => $admin,
					Routes::RESPONSE      => Schemas::one( 'Key' ),
					'args'                => $id + self::key_fields( false ),
				),
				array(
					'methods'             => \WP_REST_Server::DELETABLE,
					'callback'            => array( self::class, 'revoke_key' ),
					'permission_callback' => $admin,
					Routes::RESPONSE      => Schemas::one( 'Key' ),
					'args'                => $id,
				),
				'schema' => array( self::class, 'key_schema' ),
			)
		);
		register_rest_route(
			$ns,
			self::ROUTE_KEY . '/rotate',
			array(
				'methods'             => \WP_REST_Server::CREATABLE,
				'callback'            => array( self::class, 'rotate_key' ),
				'permission_callback' => $admin,
				Routes::RESPONSE      => Schemas::one( 'NewKey', 'RotatedMeta' ),
				'args'                => $id + array(
					'grace_seconds' => array(
						'description' => __( 'How long the old key keeps working: 0, 3600, 86400 or 604800 are the usual choices.', 'latepoint-api-keys' ),
						'type'        => 'integer',
						'minimum'     => 0,
						'maximum'     => Key_Service::MAX_GRACE,
						'default'     => 0,
					),
				),
			)
		);
		foreach ( array( 'disable', 'enable' ) as $action ) {
			register_rest_route(
				$ns,
				self::ROUTE_KEY . '/' . $action,
				array(
					'methods'             => \WP_REST_Server::CREATABLE,
					'callback'            => array( self::class, $action . '_key' ),
					'permission_callback' => $admin,
					Routes::RESPONSE      => Schemas::one( 'Key' ),
					'args'                => $id,
				)
			);
		}
		register_rest_route(
			$ns,
			self::ROUTE_LOGS,
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( self::class, 'list_logs' ),
				'permission_callback' => $admin,
				Routes::RESPONSE      => Schemas::many( 'LogRow' ),
				'args'                => Args::paging() + array(
					'key_id'    => array( 'type' => 'integer', 'minimum' => 1 ),
					'status'    => array( 'type' => 'string', 'pattern' => '^([1-5][0-9][0-9]|[1-5]xx|errors)$', 'description' => __( 'An HTTP status, a class like 4xx, or "errors".', 'latepoint-api-keys' ) ),
					'event'     => array( 'type' => 'string', 'enum' => Audit_Row::EVENTS ),
					'date_from' => array( 'type' => 'string', 'format' => 'date', 'pattern' => '^\d{4}-\d{2}-\d{2}$' ),
					'date_to'   => array( 'type' => 'string', 'format' => 'date', 'pattern' => '^\d{4}-\d{2}-\d{2}$' ),
				),
			)
		);
	}

	/** Arguments of POST /keys and PATCH /keys/{id}: typed here, checked fully by Key_Service. */
	private static function key_fields( bool $creating ): array {
		$fields = array(
			'name'                  => array( 'type' => 'string', 'minLength' => 1, 'maxLength' => 100, 'required' => $creating ),
			'description'           => array( 'type' => array( 'string', 'null' ), 'maxLength' => 1000 ),
			'environment'           => array( 'type' => 'string', 'enum' => array( 'live', 'test' ) ),
			'permissions'           => array(
				'type'     => 'array',
				'items'    => array( 'type' => 'string', 'enum' => Permissions::ALL ),
				'required' => $creating,
			),
			'rate_limit_per_minute' => array( 'type' => array( 'integer', 'null' ), 'minimum' => 1, 'maximum' => Settings::MAX_PER_MINUTE ),
			'rate_limit_per_hour'   => array( 'type' => array( 'integer', 'null' ), 'minimum' => 1, 'maximum' => Settings::MAX_PER_HOUR ),
			'rate_limit_per_day'    => array( 'type' => array( 'integer', 'null' ), 'minimum' => 1, 'maximum' => Settings::MAX_PER_DAY, 'description' => __( 'Requests per UTC day, or null for the environment\'s default.', 'latepoint-api-keys' ) ),
			'operation_limits'      => array( 'type' => array( 'object', 'null' ), 'description' => __( 'Write operation => {per_minute, per_hour, per_day} (each a number or null), or null to lift that operation\'s default; null for the environment\'s defaults.', 'latepoint-api-keys' ) ),
			'allowed_ips'           => array( 'type' => 'array', 'items' => array( 'type' => 'string' ), 'maxItems' => 100 ),
			'allowed_origins'       => array( 'type' => 'array', 'items' => array( 'type' => 'string' ), 'maxItems' => 100 ),
			'expires_at'            => array( 'type' => array( 'string', 'null' ), 'description' => __( 'ISO 8601 date-time, or null for never. Test keys default to 3 days.', 'latepoint-api-keys' ) ),
		);
		if ( ! $creating ) {
			unset( $fields['environment'] );
		}
		return $fields;
	}

	public static function key_schema(): array {
		return array(
			'$schema'    => 'http://json-schema.org/draft-04/schema#',
			'title'      => 'latepoint_api_key',
			'type'       => 'object',
			'properties' => array(
				'id'          => array( 'type' => 'integer', 'readonly' => true ),
				'name'        => array( 'type' => 'string' ),
				'description' => array( 'type' => 'string' ),
				'environment' => array( 'type' => 'string', 'enum' => array( 'live', 'test' ) ),
				'prefix'      => array( 'type' => 'string', 'readonly' => true ),
				'last4'       => array( 'type' => 'string', 'readonly' => true ),
				'permissions' => array( 'type' => 'array', 'items' => array( 'type' => 'string' ) ),
				'status'      => array( 'type' => 'string', 'enum' => Key_Service::STATUSES, 'readonly' => true ),
				'expires_at'  => array( 'type' => array( 'string', 'null' ), 'format' => 'date-time' ),
			),
		);
	}

	/** manage_options, through WordPress's own authentication. */
	public static function permissions_check() {
		if ( current_user_can( 'manage_options' ) ) {
			return true;
		}
		if ( ! is_user_logged_in() ) {
			return Api_Response::error( 401, 'not_authenticated', __( 'Sign in to WordPress (cookie and REST nonce, or an Application Password) as an administrator.', 'latepoint-api-keys' ) );
		}
		return Api_Response::error( 403, 'insufficient_permissions', __( 'Managing API keys needs the manage_options capability.', 'latepoint-api-keys' ), array( 'required_capability' => 'manage_options' ) );
	}

	public static function list_keys( \WP_REST_Request $request ) {
		$paging = Args::read_paging( $request );
		if ( is_wp_error( $paging ) ) {
			return $paging;
		}
		$filters = array_filter(
			array(
				'status'      => $request->get_param( 'status' ),
				'environment' => $request->get_param( 'environment' ),
				'search'      => $request->get_param( 'search' ),
			)
		);
		return Args::paged_response(
			$paging,
			static function ( $offset, $limit, $before ) use ( $filters ) {
				$page          = Key_Service::list( $filters, $offset, $limit, $before );
				$page['items'] = array_map( array( Key_Limits::class, 'for_json' ), $page['items'] );
				return $page;
			}
		);
	}

	public static function create_key( \WP_REST_Request $request ) {
		return Api_Response::run(
			static function () use ( $request ) {
				$created = Key_Service::create( Args::body( $request ), get_current_user_id() );
				$data    = Key_Limits::for_json( $created['record'] );
				// The plaintext, once. It is in no log and no later response.
				$data['key'] = $created['key'];
				return Api_Response::success( $data, array(), 201 );
			}
		);
	}

	public static function get_key( \WP_REST_Request $request ) {
		return Api_Response::run( static fn () => Api_Response::success( Key_Limits::for_json( Key_Service::get( (int) $request['id'] ) ) ) );
	}

	public static function update_key( \WP_REST_Request $request ) {
		return Api_Response::run( static fn () => Api_Response::success( Key_Limits::for_json( Key_Service::update( (int) $request['id'], Args::body( $request ), get_current_user_id() ) ) ) );
	}

	public static function revoke_key( \WP_REST_Request $request ) {
		return Api_Response::run( static fn () => Api_Response::success( Key_Limits::for_json( Key_Service::revoke( (int) $request['id'], get_current_user_id() ) ) ) );
	}

	public static function disable_key( \WP_REST_Request $request ) {
		return Api_Response::run( static fn () => Api_Response::success( Key_Limits::for_json( Key_Service::disable( (int) $request['id'], get_current_user_id() ) ) ) );
	}

	public static function enable_key( \WP_REST_Request $request ) {
		return Api_Response::run( static fn () => Api_Response::success( Key_Limits::for_json( Key_Service::enable( (int) $request['id'], get_current_user_id() ) ) ) );
	}

	public static function rotate_key( \WP_REST_Request $request ) {
		return Api_Response::run(
			static function () use ( $request ) {
				$rotated     = Key_Service::rotate( (int) $request['id'], (int) $request->get_param( 'grace_seconds' ), get_current_user_id() );
				$data        = Key_Limits::for_json( $rotated['record'] );
				$data['key'] = $rotated['key'];
				return Api_Response::success( $data, array( 'previous' => Key_Limits::for_json( $rotated['previous'] ) ), 201 );
			}
		);
	}

	public static function list_logs( \WP_REST_Request $request ) {
		$paging = Args::read_paging( $request );
		if ( is_wp_error( $paging ) ) {
			return $paging;
		}
		Audit_Log::flush();
		$filters = array_filter(
			array(
				'key_id'    => $request->get_param( 'key_id' ),
				'status'    => $request->get_param( 'status' ),
				'event'     => $request->get_param( 'event' ),
				'date_from' => $request->get_param( 'date_from' ),
				'date_to'   => $request->get_param( 'date_to' ),
			)
		);
		return Args::paged_response(
			$paging,
			static fn ( $offset, $limit, $before ) => Log_Query::query( $filters, $offset, $limit, $before )
		);
	}

}
