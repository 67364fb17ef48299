<?php
/**
 * Webhook endpoint management over REST (docs/api.md), for admins and
 * automation: authenticated by WordPress (cookie + REST nonce, or an
 * Application Password), capability manage_options, as the key routes. An
 * API key can never manage webhooks (Routes::ADMIN_BASES). Also the delivery
 * log (/webhooks/attempts), resending a delivery and sending a test event.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\Webhooks\Delivery_Log;
use LatePointApi\Webhooks\Webhook_Service;

defined( 'ABSPATH' ) || exit;

/**
 * Routes under /latepoint-api/v1/webhooks.
 */
final class Webhooks_Controller {

	const ROUTE_HOOKS = '/webhooks';
	const ROUTE_HOOK  = '/webhooks/(?P<id>\d+)';
	const ROUTE_LOG   = '/webhooks/attempts';
	const ROUTE_SEND  = '/webhooks/deliveries/(?P<id>\d+)/resend';

	public static function register_routes(): void {
		$ns    = Routes::API_NAMESPACE;
		$admin = array( Keys_Controller::class, 'permissions_check' );
		$id    = array(
			'id' => array(
				'description' => __( 'The webhook id.', 'latepoint-api-keys' ),
				'type'        => 'integer',
				'minimum'     => 1,
				'required'    => true,
			),
		);
		register_rest_route(
			$ns,
			self::ROUTE_HOOKS,
			array(
				array(
					'methods'             => \WP_REST_Server::READABLE,
					'callback'            => array( self::class, 'list_webhooks' ),
					'permission_callback' => $admin,
					Routes::RESPONSE      => Schemas::many( 'Webhook' ),
					'args'                => Args::paging() + array(
						'status' => array( 'type' => 'string', 'enum' => Webhook_Service::STATUSES, 'description' => __( 'Only webhooks with this status.', 'latepoint-api-keys' ) ),
					),
				),
				array(
					'methods'             => \WP_REST_Server::CREATABLE,
					'callback'            => array( self::class, 'create_webhook' ),
					'permission_callback' => $admin,
					Routes::RESPONSE      => Schemas::one( 'NewWebhook' ),
					'args'                => self::fields( true ),
				),
			)
		);
		register_rest_route(
			$ns,
			self::ROUTE_HOOK,
			array(
				array(
					'methods'             => \WP_REST_Server::READABLE,
					'callback'            => array( self::class, 'get_webhook' ),
					'permission_callback' => $admin,
					Routes::RESPONSE      => Schemas::one( 'Webhook' ),
					'args'                => $id,
				),
				array(
					'methods'             => 'PATCH',
					'callback'            => array( self::class, 'update_webhook' ),
					'permission_callback' => $admin,
					Routes::RESPONSE      => Schemas::one( 'Webhook' ),
					'args'                => $id + self::fields( false ),
				),
				array(
					'methods'             => \WP_REST_Server::DELETABLE,
					'callback'            => array( self::class, 'delete_webhook' ),
					'permission_callback' => $admin,
					Routes::RESPONSE      => Schemas::deleted( 'Webhook' ),
					'args'                => $id,
				),
			)
		);
		register_rest_route(
			$ns,
			self::ROUTE_HOOK . '/rotate-secret',
			array(
				'methods'             => \WP_REST_Server::CREATABLE,
				'callback'            => array( self::class, 'rotate_secret' ),
				'permission_callback' => $admin,
				Routes::RESPONSE      => Schemas::one( 'NewWebhook' ),
				'args'                => $id + array(
					'grace_seconds' => array(
						'description' => __( 'How long the old secret keeps signing, beside the new one: 0 to 604800 (7 days).', 'latepoint-api-keys' ),
						'type'        => 'integer',
						'minimum'     => 0,
						'maximum'     => Webhook_Service::MAX_GRACE,
						'default'     => 0,
					),
				),
			)
		);
		register_rest_route(
			$ns,
			self::ROUTE_HOOK . '/test',
			array(
				'methods'             => \WP_REST_Server::CREATABLE,
				'callback'            => array( self::class, 'send_test' ),
				'permission_callback' => $admin,
				Routes::RESPONSE      => Schemas::one( 'WebhookAttempt' ),
				'args'                => $id,
			)
		);
		register_rest_route(
			$ns,
			self::ROUTE_LOG,
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( self::class, 'list_attempts' ),
				'permission_callback' => $admin,
				Routes::RESPONSE      => Schemas::many( 'WebhookAttempt' ),
				'args'                => Args::paging() + array(
					'webhook_id' => array( 'type' => 'integer', 'minimum' => 1, 'description' => __( 'Only attempts to this endpoint.', 'latepoint-api-keys' ) ),
					'event_type' => array( 'type' => 'string', 'enum' => array_merge( Webhook_Service::EVENTS, array( Delivery_Log::TEST_TYPE ) ), 'description' => __( 'Only attempts of this event type.', 'latepoint-api-keys' ) ),
					'result'     => array( 'type' => 'string', 'enum' => Delivery_Log::RESULTS, 'description' => __( 'Only attempts that succeeded (2xx) or failed.', 'latepoint-api-keys' ) ),
					'message_id' => array( 'type' => 'string', 'pattern' => '^msg_[0-9a-f]{32}$', 'description' => __( 'Only attempts of this message (the webhook-id header).', 'latepoint-api-keys' ) ),
				),
			)
		);
		register_rest_route(
			$ns,
			self::ROUTE_SEND,
			array(
				'methods'             => \WP_REST_Server::CREATABLE,
				'callback'            => array( self::class, 'resend' ),
				'permission_callback' => $admin,
				Routes::RESPONSE      => Schemas::one( 'WebhookResend' ),
				'args'                => array(
					'id' => array(
						'description' => __( 'The delivery id (delivery_id in the log).', 'latepoint-api-keys' ),
						'type'        => 'integer',
						'minimum'     => 1,
						'required'    => true,
					),
				),
			)
		);
	}

	public static function list_attempts( \WP_REST_Request $request ) {
		$paging = Args::read_paging( $request );
		if ( is_wp_error( $paging ) ) {
			return $paging;
		}
		$filters = array_filter(
			array(
				'webhook_id' => (int) $request->get_param( 'webhook_id' ),
				'event_type' => (string) $request->get_param( 'event_type' ),
				'result'     => (string) $request->get_param( 'result' ),
				'message_id' => (string) $request->get_param( 'message_id' ),
			)
		);
		return Args::paged_response(
			$paging,
			static fn ( $offset, $limit, $before ) => Delivery_Log::query( $filters, $offset, $limit, $before )
		);
	}

	public static function send_test( \WP_REST_Request $request ) {
		return Api_Response::run( static fn () => Api_Response::success( Delivery_Log::send_test( (int) $request['id'], get_current_user_id() ), array(), 201 ) );
	}

	public static function resend( \WP_REST_Request $request ) {
		return Api_Response::run( static fn () => Api_Response::success( Delivery_Log::resend( (int) $request['id'], get_current_user_id() ), array(), 202 ) );
	}

	/**
	 * Arguments of POST /webhooks and PATCH /webhooks/{id}: typed here, checked by Webhook_Service,
	 * which names every invalid field at once (so no enum or length checks here).
	 */
	private static function fields( bool $creating ): array {
		return array(
			'url'         => array( 'type' => 'string', 'required' => $creating, 'description' => __( 'The http or https URL events are sent to; local addresses are refused unless LPAPI_WEBHOOKS_ALLOW_LOCAL is true.', 'latepoint-api-keys' ) ),
			'description' => array( 'type' => 'string', 'description' => __( 'At most 500 characters.', 'latepoint-api-keys' ) ),
			'events'      => array(
				'type'        => 'array',
				'items'       => array( 'type' => 'string' ),
				'required'    => $creating,
				'description' => __( 'Event names: ', 'latepoint-api-keys' ) . implode( ', ', Webhook_Service::EVENTS ) . '.',
			),
			'status'      => array( 'type' => 'string', 'description' => __( 'enabled or disabled.', 'latepoint-api-keys' ) ),
		);
	}

	public static function list_webhooks( \WP_REST_Request $request ) {
		$paging = Args::read_paging( $request );
		if ( is_wp_error( $paging ) ) {
			return $paging;
		}
		$filters = array_filter( array( 'status' => $request->get_param( 'status' ) ) );
		return Args::paged_response(
			$paging,
			static fn ( $offset, $limit, $before ) => Webhook_Service::list( $filters, $offset, $limit, $before )
		);
	}

	public static function create_webhook( \WP_REST_Request $request ) {
		return Api_Response::run(
			static function () use ( $request ) {
				$created = Webhook_Service::create( Args::body( $request ), get_current_user_id() );
				// The plaintext secret, once. It is in no log and no later response.
				$data = $created['record'] + array( 'secret' => $created['secret'] );
				return Api_Response::success( $data, array(), 201 );
			}
		);
	}

	public static function get_webhook( \WP_REST_Request $request ) {
		return Api_Response::run( static fn () => Api_Response::success( Webhook_Service::get( (int) $request['id'] ) ) );
	}

	public static function update_webhook( \WP_REST_Request $request ) {
		return Api_Response::run( static fn () => Api_Response::success( Webhook_Service::update( (int) $request['id'], Args::body( $request ), get_current_user_id() ) ) );
	}

	public static function delete_webhook( \WP_REST_Request $request ) {
		return Api_Response::run(
			static function () use ( $request ) {
				$id       = (int) $request['id'];
				$previous = Webhook_Service::delete( $id, get_current_user_id() );
				return Api_Response::success(
					array(
						'id'       => $id,
						'deleted'  => true,
						'previous' => $previous,
					)
				);
			}
		);
	}

	public static function rotate_secret( \WP_REST_Request $request ) {
		return Api_Response::run(
			static function () use ( $request ) {
				$rotated = Webhook_Service::rotate_secret( (int) $request['id'], (int) $request->get_param( 'grace_seconds' ), get_current_user_id() );
				return Api_Response::success( $rotated['record'] + array( 'secret' => $rotated['secret'] ), array(), 201 );
			}
		);
	}
}
