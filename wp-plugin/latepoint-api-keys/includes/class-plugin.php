<?php
/**
 * Wires the plugin into WordPress: tables, REST routes and authentication,
 * the admin page, and the scheduled jobs.
 *
 * @package LatePointApi
 */

namespace LatePointApi;

use LatePointApi\Admin\Admin_Page;
use LatePointApi\Audit\Audit_Log;
use LatePointApi\Auth\Authenticator;
use LatePointApi\Idempotency\Idempotency;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Lane\Lane_Loader;
use LatePointApi\Rest\Keys_Controller;
use LatePointApi\Rest\Webhooks_Controller;
use LatePointApi\Rest\Me_Controller;
use LatePointApi\Rest\Openapi_Controller;
use LatePointApi\Rest\Availability_Controller;
use LatePointApi\Rest\Bookings_Controller;
use LatePointApi\Rest\Catalog_Controller;
use LatePointApi\Rest\Customers_Controller;
use LatePointApi\Rest\Locations_Controller;
use LatePointApi\Rest\Orders_Controller;
use LatePointApi\Rest\Status_Controller;
use LatePointApi\Support\Schema;
use LatePointApi\Webhooks\Delivery_Log;
use LatePointApi\Webhooks\Delivery_Runner;
use LatePointApi\Webhooks\Events;

defined( 'ABSPATH' ) || exit;

/**
 * Hooks, registered once.
 */
final class Plugin {

	const CRON_FLUSH       = 'lpapi_flush_audit';
	const CRON_MAINTENANCE = 'lpapi_daily_maintenance';
	const CRON_SCHEDULE    = 'lpapi_every_minute';

	public static function boot(): void {
		add_action( 'plugins_loaded', array( Schema::class, 'maybe_upgrade' ) );
		add_filter( 'cron_schedules', array( self::class, 'cron_schedules' ) );
		add_action( self::CRON_FLUSH, array( Audit_Log::class, 'flush' ) );
		add_action( self::CRON_MAINTENANCE, array( self::class, 'daily_maintenance' ) );
		add_action( 'init', array( self::class, 'schedule_events' ) );
		add_action( 'init', array( self::class, 'load_textdomain' ) );
		Authenticator::register();
		Idempotency::register();
		Events::register();
		Delivery_Runner::register();
		LatePoint\Api_Author::init();
		add_action( 'deactivated_plugin', array( LatePoint\Tables::class, 'plugin_deactivated' ) );
		add_action( 'rest_api_init', array( self::class, 'register_routes' ) );
		Admin\Site_Health::register();
		add_action( 'admin_init', array( self::class, 'privacy_policy' ) );
		if ( is_admin() ) {
			Admin_Page::register();
			add_action( 'admin_init', array( Lane_Loader::class, 'maintain' ) );
		}
	}

	/**
	 * The REST controllers, each with the first path segments of the routes it
	 * registers (every route of the namespace starts with a literal one).
	 */
	const CONTROLLERS = array(
		Me_Controller::class           => array( 'me' ),
		Keys_Controller::class         => array( 'keys', 'logs' ),
		Webhooks_Controller::class     => array( 'webhooks' ),
		Bookings_Controller::class     => array( 'bookings' ),
		Customers_Controller::class    => array( 'customers' ),
		Catalog_Controller::class      => array( 'agents', 'services' ),
		Availability_Controller::class => array( 'agents', 'availability' ),
		Locations_Controller::class    => array( 'locations' ),
		Orders_Controller::class       => array( 'orders' ),
		Openapi_Controller::class      => array( 'openapi.json' ),
		Status_Controller::class       => array( 'status' ),
	);

	/** rest_api_init: every route of the plugin. */
	public static function register_routes(): void {
		foreach ( array_keys( self::CONTROLLERS ) as $controller ) {
			$controller::register_routes();
		}
	}

	/**
	 * The routes whose path starts with $segment (case-insensitively, as
	 * WordPress matches routes): all that can match a request for a path
	 * under it. The lean lane registers no more than these.
	 */
	public static function register_routes_under( string $segment ): void {
		foreach ( self::CONTROLLERS as $controller => $segments ) {
			if ( in_array( strtolower( $segment ), $segments, true ) ) {
				$controller::register_routes();
			}
		}
	}

	/**
	 * The plugin's translations: WordPress's language folder first
	 * (wp-content/languages/plugins, where translations from the directory
	 * go), then the plugin's own languages/ folder.
	 */
	public static function load_textdomain(): void {
		load_plugin_textdomain( 'latepoint-api-keys', false, dirname( plugin_basename( LPAPI_PLUGIN_FILE ) ) . '/languages' );
	}

	/**
	 * Network activation is refused: the plugin's tables, keys and settings
	 * are per site, and the lean lane does not serve a network. Activate it on
	 * each site instead.
	 */
	public static function activate( bool $network_wide = false ): void {
		if ( $network_wide && is_multisite() ) {
			wp_die(
				esc_html__( 'LatePoint API Keys cannot be network-activated: its keys, logs and settings belong to each site. Activate it on each site that runs LatePoint.', 'latepoint-api-keys' ),
				esc_html__( 'Network activation refused', 'latepoint-api-keys' ),
				array( 'back_link' => true )
			);
		}
		Schema::install();
		self::schedule_events();
		Lane_Loader::install();
	}

	public static function deactivate(): void {
		Audit_Log::flush();
		wp_clear_scheduled_hook( self::CRON_FLUSH );
		wp_clear_scheduled_hook( self::CRON_MAINTENANCE );
		wp_clear_scheduled_hook( Delivery_Runner::CRON_HOOK );
		Lane_Loader::remove();
	}

	/** admin_init: the plugin's text for Settings > Privacy > Policy Guide. */
	public static function privacy_policy(): void {
		if ( ! function_exists( 'wp_add_privacy_policy_content' ) ) {
			return;
		}
		$retention  = (int) Support\Settings::get( 'retention_days' );
		$paragraphs = array(
			__( 'This site offers an API for its bookings (LatePoint API Keys). Apps and services that use it do so with an API key the site\'s administrators issued.', 'latepoint-api-keys' ),
			/* translators: %d: days */
			sprintf( __( 'For each API request we keep its time, the route and method, the answer\'s status, the key\'s name and display prefix, and the client\'s IP address and browser or app name (user agent), for %d days; daily counts per key are kept as long. The full API key is never stored.', 'latepoint-api-keys' ), $retention ),
			__( 'When administrators connect other services by webhooks, the data of each event is sent to them: bookings (dates, services, agents, statuses, prices, the customer\'s comment), customers (name, email, phone, notes, custom fields), orders and payments. Each delivery attempt (time, status, the first 1 KiB of the answer) is logged for the same period.', 'latepoint-api-keys' ),
		);
		wp_add_privacy_policy_content( __( 'LatePoint API Keys', 'latepoint-api-keys' ), wp_kses_post( '<p>' . implode( '</p><p>', array_map( 'esc_html', $paragraphs ) ) . '</p>' ) );
	}

	/** @param array<string, array{interval: int, display: string}> $schedules */
	public static function cron_schedules( array $schedules ): array {
		$schedules[ self::CRON_SCHEDULE ] = array(
			'interval' => MINUTE_IN_SECONDS,
			'display'  => __( 'Every minute', 'latepoint-api-keys' ),
		);
		return $schedules;
	}

	public static function schedule_events(): void {
		if ( ! wp_next_scheduled( self::CRON_FLUSH ) ) {
			wp_schedule_event( time() + MINUTE_IN_SECONDS, self::CRON_SCHEDULE, self::CRON_FLUSH );
		}
		if ( ! wp_next_scheduled( Delivery_Runner::CRON_HOOK ) ) {
			wp_schedule_event( time() + MINUTE_IN_SECONDS, self::CRON_SCHEDULE, Delivery_Runner::CRON_HOOK );
		}
		if ( ! wp_next_scheduled( self::CRON_MAINTENANCE ) ) {
			wp_schedule_event( time() + HOUR_IN_SECONDS, 'daily', self::CRON_MAINTENANCE );
		}
	}

	/** Purges old log rows, webhook attempts and Idempotency-Key responses; queues key.expiring; marks expired keys. */
	public static function daily_maintenance(): void {
		Audit_Log::flush();
		Audit_Log::purge();
		Delivery_Log::purge();
		Idempotency::purge();
		try {
			Events::keys_expiring();
		} catch ( Support\Storage_Error $e ) {
			unset( $e ); // The queue could not be written: tomorrow's run tries again (once per key and expiry).
		}
		if ( LatePoint\Tables::exist() ) {
			LatePoint\Api_Author::purge();
		}
		try {
			Key_Service::expire_due();
		} catch ( Support\Storage_Error $e ) {
			return; // The database is away: tomorrow's run marks them (authentication checks expiry itself).
		}
	}

	/** Whether LatePoint itself is active (its menu and tables exist). */
	public static function latepoint_active(): bool {
		return class_exists( 'LatePoint' ) || defined( 'LATEPOINT_VERSION' ) || is_plugin_active_safe( 'latepoint/latepoint.php' );
	}
}

/** is_plugin_active() without requiring wp-admin/includes/plugin.php on the front end. */
function is_plugin_active_safe( string $plugin ): bool {
	$active = (array) get_option( 'active_plugins', array() );
	return in_array( $plugin, $active, true );
}
