<?php
/**
 * The lean lane: API-key GET and HEAD requests of this plugin's routes that
 * opt in (Routes::LANE), answered right after the must-use plugins have
 * loaded, before other plugins, the theme, `init` and core's REST routes.
 * The must-use loader (drop-ins/lean-lane-loader.php, put in place by
 * Lane_Loader) calls Lane::enter() on `muplugins_loaded`.
 *
 * The lane changes how WordPress boots for the request, never the code that
 * answers it: the plugin is loaded as it is on the full path, its routes are
 * registered by the same Plugin::register_routes() on a WP_REST_Server, and
 * WP_REST_Server::serve_request() dispatches it through the same
 * authenticator, permission, handler, envelope, headers, rate limit and audit
 * row. What the full path does between `muplugins_loaded` and dispatch, the
 * lane does in part: it defines the cookie, SSL and functionality constants,
 * loads pluggable.php, adds magic quotes, makes $wp_rewrite and $wp_locale,
 * loads the default text domain, runs WP-Cron's check and fires
 * `rest_api_init` without core's own route and setting registrations. It
 * skips the other plugins, the theme, `init`, `wp_loaded` and `parse_request`.
 *
 * Anything it cannot tell is the same on both paths sends the request down
 * the full path (Lane::refusal()): a method other than GET or HEAD, another
 * route, a multisite network, the plugin inactive, a loader of another
 * version, a schema behind the code, the lane turned off, a route that does
 * not opt in, or one that opts in only without LatePoint add-ons while one is
 * active.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Lane;

use LatePointApi\Auth\Request_Context;
use LatePointApi\Plugin;
use LatePointApi\Rest\Routes;
use LatePointApi\Support\Schema;
use LatePointApi\Support\Settings;

defined( 'ABSPATH' ) || exit;

/**
 * Entering, and refusing, the lean lane.
 */
final class Lane {

	/** The lanes, as Server-Timing names them. */
	const LEAN = 'lean';
	const FULL = 'full';

	/** The constant that overrides the setting (true or false), e.g. in wp-config.php. */
	const CONSTANT = 'LPAPI_LEAN_LANE';

	/**
	 * Core's rest_api_init callbacks the lane does not run: they register
	 * core's routes and settings, which no route of this plugin needs.
	 */
	const CORE_REGISTRATIONS = array( 'create_initial_rest_routes', 'register_initial_settings', 'wp_oembed_register_route' );

	/** @var ?string why the last Lane::enter() left the request to the full path (tests and diagnostics). */
	public static $refused = null;

	/**
	 * Serves the request and exits, or returns (having changed nothing the
	 * full path relies on) when the full path must answer.
	 *
	 * @param string $loader_version the version the loader was written for.
	 * @param string $plugin         the plugin's basename the loader was written for.
	 */
	public static function enter( string $loader_version, string $plugin ): void {
		$facts         = self::request_facts( $_SERVER, $_GET );
		$facts        += self::site_facts( $plugin );
		self::$refused = self::refusal( $facts );
		if ( null !== self::$refused ) {
			return;
		}
		// The plugin, loaded as WordPress would load it a moment later (include_once
		// then finds it loaded), but only once nothing above sent the request away.
		require_once WP_PLUGIN_DIR . '/' . $plugin;
		$facts['plugin_version'] = defined( 'LPAPI_PLUGIN_VERSION' ) ? (string) LPAPI_PLUGIN_VERSION : '';
		$facts['loader_version'] = $loader_version;
		self::$refused           = self::refusal( $facts );
		if ( null !== self::$refused ) {
			return;
		}
		$server              = self::server_with_routes( $facts['route'] );
		$lane                = self::route_lane( $server, $facts['route'], $facts['method'] );
		$facts['route_lane'] = $lane;
		self::$refused       = self::refusal( $facts );
		if ( null !== self::$refused ) {
			$GLOBALS['wp_rest_server'] = null; // The full path makes its own, with every route.
			return;
		}
		self::serve( $server, $facts['route'] );
	}

	/**
	 * What the request asks for: its method and REST route (null when it is
	 * not a REST request WordPress would route by `/wp-json/` or `?rest_route=`).
	 *
	 * @param array<string, mixed> $server $_SERVER
	 * @param array<string, mixed> $query  $_GET
	 * @return array{method: string, route: ?string}
	 */
	public static function request_facts( array $server, array $query ): array {
		$route = Routes::route_of_request( (string) ( $server['REQUEST_URI'] ?? '' ), $query );
		return array(
			'method' => strtoupper( (string) ( $server['REQUEST_METHOD'] ?? '' ) ),
			'route'  => null === $route ? null : ( '/' === $route ? $route : untrailingslashit( $route ) ),
		);
	}

	/**
	 * What the site is: read from options and constants only, so they are the
	 * same here as on the full path.
	 *
	 * @return array{multisite: bool, plugin_active: bool, enabled: bool, schema_current: bool, addons: string[]}
	 */
	public static function site_facts( string $plugin ): array {
		$active = (array) get_option( 'active_plugins', array() );
		return array(
			'multisite'      => is_multisite(),
			'plugin_active'  => in_array( $plugin, $active, true ) && is_file( WP_PLUGIN_DIR . '/' . $plugin ),
			'enabled'        => self::enabled(),
			'schema_current' => Schema::DB_VERSION === get_option( Schema::DB_VERSION_OPTION ),
			'addons'         => self::latepoint_addons( $active, $plugin ),
		);
	}

	/**
	 * Why the full path must answer, or null when the lane may. Each fact is
	 * checked once it is known (a missing one is not checked yet).
	 *
	 * @param array<string, mixed> $facts request_facts() + site_facts(), then plugin_version and
	 *                                    loader_version, then route_lane (Routes::LANE of the matched endpoint, '' for none).
	 */
	public static function refusal( array $facts ): ?string {
		if ( ! in_array( $facts['method'], array( 'GET', 'HEAD' ), true ) ) {
			return 'method';
		}
		if ( null === $facts['route'] || ! Routes::takes_api_key( $facts['route'], $facts['method'] ) ) {
			return 'route';
		}
		if ( $facts['multisite'] ) {
			return 'multisite';
		}
		if ( ! $facts['plugin_active'] ) {
			return 'plugin_inactive';
		}
		if ( ! $facts['enabled'] ) {
			return 'turned_off';
		}
		if ( ! $facts['schema_current'] ) {
			return 'schema_behind';
		}
		if ( isset( $facts['plugin_version'] ) && $facts['plugin_version'] !== $facts['loader_version'] ) {
			return 'version_differs';
		}
		if ( isset( $facts['route_lane'] ) ) {
			if ( Routes::LANE_ALWAYS === $facts['route_lane'] ) {
				return null;
			}
			if ( Routes::LANE_WITHOUT_ADDONS === $facts['route_lane'] ) {
				return $facts['addons'] ? 'latepoint_addon' : null;
			}
			return 'route_not_in_lane';
		}
		return null;
	}

	/** Whether the lane is on: the constant LPAPI_LEAN_LANE when defined, else the setting. */
	public static function enabled(): bool {
		if ( defined( self::CONSTANT ) ) {
			return (bool) constant( self::CONSTANT );
		}
		return (bool) Settings::get( 'lean_lane' );
	}

	/**
	 * The active plugins that are LatePoint add-ons (their folder's name starts
	 * with "latepoint-"; LatePoint itself and this plugin are not add-ons).
	 * They hook LatePoint's price and availability filters, which the lane
	 * does not load.
	 *
	 * @param string[] $active the active_plugins option.
	 * @return string[]
	 */
	public static function latepoint_addons( array $active, string $plugin ): array {
		$own = dirname( $plugin );
		return array_values(
			array_filter(
				$active,
				static function ( $file ) use ( $own ): bool {
					$folder = dirname( (string) $file );
					return 0 === strpos( $folder, 'latepoint-' ) && $folder !== $own;
				}
			)
		);
	}

	/**
	 * A REST server with the plugin's routes that can match $route: those
	 * under its first segment (Plugin::register_routes_under()), registered
	 * on `rest_api_init` alone. The rest of rest_api_init's callbacks run in
	 * serve(), once the lane is sure.
	 */
	private static function server_with_routes( string $route ): \WP_REST_Server {
		/** This filter is documented in wp-includes/rest-api.php */
		$class  = apply_filters( 'wp_rest_server_class', 'WP_REST_Server' );
		$server = new $class();
		// register_rest_route() reads the global; with it set, rest_get_server() makes no other.
		$GLOBALS['wp_rest_server'] = $server;
		$segment                   = (string) strtok( substr( $route, strlen( Routes::API_NAMESPACE ) + 2 ), '/' );
		self::fire_rest_api_init( $server, static fn () => false, static fn () => Plugin::register_routes_under( $segment ) );
		return $server;
	}

	/**
	 * Routes::LANE of the endpoint serving $method on $route ('' when none
	 * does, or it does not say), matched the way WP_REST_Server matches: the
	 * route patterns case-insensitively, HEAD by a GET endpoint.
	 */
	public static function route_lane( \WP_REST_Server $server, string $route, string $method ): string {
		foreach ( $server->get_routes( Routes::API_NAMESPACE ) as $pattern => $handlers ) {
			if ( 1 !== preg_match( '@^' . $pattern . '$@i', $route ) ) {
				continue;
			}
			foreach ( $handlers as $handler ) {
				$methods = (array) ( $handler['methods'] ?? array() );
				if ( ! empty( $methods[ $method ] ) || ( 'HEAD' === $method && ! empty( $methods['GET'] ) ) ) {
					return (string) ( $handler[ Routes::LANE ] ?? '' );
				}
			}
		}
		return '';
	}

	/** What the full path would have set up by `parse_request`, as far as a REST dispatch uses it; then the dispatch. */
	private static function serve( \WP_REST_Server $server, string $route ): void {
		Request_Context::$lane = self::LEAN;
		wp_cookie_constants();
		wp_ssl_constants();
		require_once ABSPATH . WPINC . '/pluggable.php';
		require_once ABSPATH . WPINC . '/pluggable-deprecated.php';
		wp_set_internal_encoding();
		wp_functionality_constants();
		wp_magic_quotes();
		$GLOBALS['wp_rewrite'] = new \WP_Rewrite();
		load_default_textdomain();
		$GLOBALS['wp_locale'] = new \WP_Locale();
		Plugin::load_textdomain(); // As on `init` of the full path.
		// The rest of rest_api_init: core's REST filters (CORS, Allow, _fields) and the must-use plugins'.
		self::fire_rest_api_init(
			$server,
			static fn ( $callback ) => array( Plugin::class, 'register_routes' ) !== $callback
				&& ! ( is_string( $callback ) && in_array( $callback, self::CORE_REGISTRATIONS, true ) )
		);
		if ( ! defined( 'REST_REQUEST' ) ) {
			define( 'REST_REQUEST', true );
		}
		if ( ! defined( 'DOING_CRON' ) ) {
			_wp_cron();
		}
		$server->serve_request( $route );
		die();
	}

	/**
	 * Fires `rest_api_init` with only the callbacks $keep accepts (and $also,
	 * if given), then puts the hook back as it was.
	 *
	 * @param callable(mixed): bool $keep
	 */
	private static function fire_rest_api_init( \WP_REST_Server $server, callable $keep, ?callable $also = null ): void {
		global $wp_filter;
		$saved = $wp_filter['rest_api_init'] ?? null;
		$hook  = new \WP_Hook();
		if ( null !== $also ) {
			$hook->add_filter( 'rest_api_init', $also, 10, 0 );
		}
		foreach ( $saved instanceof \WP_Hook ? $saved->callbacks : array() as $priority => $callbacks ) {
			foreach ( $callbacks as $callback ) {
				if ( $keep( $callback['function'] ) ) {
					$hook->add_filter( 'rest_api_init', $callback['function'], $priority, $callback['accepted_args'] );
				}
			}
		}
		$wp_filter['rest_api_init'] = $hook; // Put back below.
		try {
			do_action( 'rest_api_init', $server );
		} finally {
			if ( null === $saved ) {
				unset( $wp_filter['rest_api_init'] );
			} else {
				$wp_filter['rest_api_init'] = $saved;
			}
		}
	}
}
