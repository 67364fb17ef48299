<?php
/**
 * Plugin Name: LatePoint API Keys — HTTP benchmark twin routes (bench only)
 * Description: Copied into the stack's wp-content/mu-plugins by bench/http_auth.sh for the length of a
 *              run and removed at its end. Never ship this.
 *
 * Two routes that return the same small payload as GET /wp-json/latepoint-api/v1/me (same envelope,
 * same fields, values of the same size), so that the only difference between them and /me is how the
 * caller is authenticated:
 *
 *   GET /wp-json/lpapi-bench/v1/open          no authentication (permission_callback __return_true)
 *   GET /wp-json/lpapi-bench/v1/app-password  WordPress core Application Passwords (Basic auth),
 *                                             permission_callback current_user_can( 'read' )
 *
 * and, for the benchmark's own checks (never timed), GET /wp-json/lpapi-bench/v1/info: whether this
 * php-fpm worker has the native extension loaded, PHP's version, and whether opcache is on.
 *
 * The lpapi-bench namespace is not one of the plugin's routes, so the plugin's own REST hooks return at
 * their first check on these routes.
 */

defined( 'ABSPATH' ) || exit;

add_action(
	'rest_api_init',
	static function () {
		$payload = static function () {
			// What /me returns for a key made by bench/http_auth.sh (same shape and sizes).
			return new WP_REST_Response(
				array(
					'status' => 'success',
					'data'   => array(
						'id'          => 1,
						'name'        => 'bench',
						'environment' => 'live',
						'prefix'      => 'lp_live_QQ2f',
						'last4'       => '7GsP',
						'permissions' => array( 'services:read' ),
						'limits'      => array(
							'per_minute' => 1000000,
							'per_hour'   => 100000000,
						),
						'expires_at'  => null,
						'rate_limit'  => array(
							'minute' => array(
								'limit'     => 1000000,
								'remaining' => 999999,
								'reset'     => 1795530120,
							),
							'hour'   => array(
								'limit'     => 100000000,
								'remaining' => 99999999,
								'reset'     => 1795532400,
							),
						),
					),
					'meta'   => (object) array(),
				),
				200
			);
		};
		register_rest_route(
			'lpapi-bench/v1',
			'/open',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => $payload,
				'permission_callback' => '__return_true',
			)
		);
		register_rest_route(
			'lpapi-bench/v1',
			'/app-password',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => $payload,
				'permission_callback' => static function () {
					return current_user_can( 'read' );
				},
			)
		);
		register_rest_route(
			'lpapi-bench/v1',
			'/info',
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => static function () {
					$opcache = function_exists( 'opcache_get_status' ) ? opcache_get_status( false ) : false;
					return new WP_REST_Response(
						array(
							'native'      => extension_loaded( 'lpapi' ),
							'php'         => PHP_VERSION,
							'opcache'     => is_array( $opcache ) && ! empty( $opcache['opcache_enabled'] ),
							'apcu'        => function_exists( 'apcu_enabled' ) && apcu_enabled(),
							'wordpress'   => get_bloginfo( 'version' ),
						),
						200
					);
				},
				'permission_callback' => '__return_true',
			)
		);
	}
);
