<?php
/**
 * GET /status, for monitoring: no key, nothing secret. The plugin's version
 * and whether the database, the rate limiter and LatePoint are usable; 200
 * when all are, 503 when one is not. While the database is down, WordPress
 * never gets this far: the db-error drop-in answers the same document
 * (Db_Outage, with Status_Controller::outage()).
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\LatePoint\Tables;
use LatePointApi\Plugin;
use LatePointApi\Support\Core;
use LatePointApi\Support\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * The status route.
 */
final class Status_Controller {

	const ROUTE = '/status';

	/** The document's schema (OpenAPI). */
	const SCHEMA = array(
		'type'       => 'object',
		'required'   => array( 'status', 'version', 'checks' ),
		'properties' => array(
			'status'  => array(
				'type' => 'string',
				'enum' => array( 'ok', 'unavailable' ),
			),
			'version' => array( 'type' => 'string' ),
			'checks'  => array(
				'type'       => 'object',
				'required'   => array( 'database', 'limiter', 'latepoint' ),
				'properties' => array(
					'database'  => array( 'type' => array( 'boolean', 'null' ) ),
					'limiter'   => array( 'type' => array( 'boolean', 'null' ) ),
					'latepoint' => array( 'type' => array( 'boolean', 'null' ) ),
				),
			),
		),
	);

	public static function register_routes(): void {
		register_rest_route(
			Routes::API_NAMESPACE,
			self::ROUTE,
			array(
				'methods'             => \WP_REST_Server::READABLE,
				'callback'            => array( self::class, 'status' ),
				'permission_callback' => '__return_true',
			)
		);
	}

	public static function status(): \WP_REST_Response {
		$report   = self::report();
		$response = new \WP_REST_Response( $report, 'ok' === $report['status'] ? 200 : 503 );
		if ( 'ok' !== $report['status'] ) {
			$response->header( 'Retry-After', '30' );
		}
		return $response;
	}

	/**
	 * The checks: the plugin's tables answer a query; a rate-limit peek (it
	 * counts nothing) succeeds; LatePoint is active and its tables are there.
	 *
	 * @return array{status: string, version: string, checks: array{database: bool, limiter: bool, latepoint: bool}}
	 */
	public static function report(): array {
		global $wpdb;
		$suppressed = $wpdb->suppress_errors( true );
		$database   = '1' === (string) $wpdb->get_var( 'SELECT 1 FROM ' . Schema::keys() . ' UNION ALL SELECT 1 LIMIT 1' ) && '' === $wpdb->last_error; // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared -- literal SQL over the plugin's own table name.
		$wpdb->suppress_errors( $suppressed );
		$checks = array(
			'database'  => $database,
			'limiter'   => Core::rate_usable(),
			'latepoint' => $database && Plugin::latepoint_active() && Tables::found(),
		);
		return self::document( $checks );
	}

	/** The document while the database is down (the db-error drop-in's answer): only that is known. */
	public static function outage(): array {
		return self::document(
			array(
				'database'  => false,
				'limiter'   => null,
				'latepoint' => null,
			)
		);
	}

	/** The plugin's version: its constant, or (before the plugin loads, in the drop-in) its header. */
	private static function version(): string {
		if ( defined( 'LPAPI_PLUGIN_VERSION' ) ) {
			return LPAPI_PLUGIN_VERSION;
		}
		$head = (string) file_get_contents( dirname( __DIR__, 2 ) . '/latepoint-api-keys.php', false, null, 0, 2048 );
		return 1 === preg_match( '/^ \* Version: +(\S+)/m', $head, $m ) ? $m[1] : '';
	}

	/** @param array<string, ?bool> $checks */
	private static function document( array $checks ): array {
		return array(
			'status'  => in_array( false, $checks, true ) || in_array( null, $checks, true ) ? 'unavailable' : 'ok',
			'version' => self::version(),
			'checks'  => $checks,
		);
	}
}
