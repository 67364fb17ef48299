<?php
/**
 * /agents (list, get) and /services (list — active by default —, get), over
 * the read-only LatePoint\Catalog data layer.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\LatePoint\Catalog;

defined( 'ABSPATH' ) || exit;

/**
 * Routes and handlers of agents and services.
 */
final class Catalog_Controller extends Resource_Controller {

	const ROUTE_AGENTS   = '/agents';
	const ROUTE_AGENT    = '/agents/(?P<id>\d+)';
	const ROUTE_SERVICES = '/services';
	const ROUTE_SERVICE  = '/services/(?P<id>\d+)';

	public static function register_routes(): void {
		self::route( self::ROUTE_AGENTS, self::endpoint( 'GET', 'agents:read', array( self::class, 'list_agents' ), self::agents_args() ) );
		self::route( self::ROUTE_AGENT, self::endpoint( 'GET', 'agents:read', array( self::class, 'get_agent' ), self::id_args( __( 'The agent id.', 'latepoint-api-keys' ) ) ) );
		self::route( self::ROUTE_SERVICES, self::endpoint( 'GET', 'services:read', array( self::class, 'list_services' ), self::services_args() ) );
		self::route( self::ROUTE_SERVICE, self::endpoint( 'GET', 'services:read', array( self::class, 'get_service' ), self::id_args( __( 'The service id.', 'latepoint-api-keys' ) ) ) );
	}

	/** @return array<string, array<string, mixed>> */
	public static function agents_args(): array {
		return Args::paging() + array(
			'status' => array( 'type' => 'string', 'enum' => array( 'active', 'disabled', 'any' ), 'default' => 'any', 'description' => __( 'Only agents with this status.', 'latepoint-api-keys' ) ),
			'search' => array( 'type' => 'string', 'maxLength' => 100, 'description' => __( 'Part of the name or email.', 'latepoint-api-keys' ) ),
		);
	}

	/** @return array<string, array<string, mixed>> */
	public static function services_args(): array {
		return Args::paging() + array(
			'status'      => array( 'type' => 'string', 'enum' => array( 'active', 'disabled', 'any' ), 'default' => 'active', 'description' => __( 'Only services with this status (default active).', 'latepoint-api-keys' ) ),
			'category_id' => Args::id_arg( __( 'Only services of this category.', 'latepoint-api-keys' ) ),
		);
	}

	public static function list_agents( \WP_REST_Request $request ) {
		return self::list_items( $request, array( 'status', 'search' ), array( Catalog::class, 'agents' ) );
	}

	public static function get_agent( \WP_REST_Request $request ) {
		return self::get_item( $request, array( Catalog::class, 'agent' ) );
	}

	public static function list_services( \WP_REST_Request $request ) {
		return self::list_items( $request, array( 'status', 'category_id' ), array( Catalog::class, 'services' ) );
	}

	public static function get_service( \WP_REST_Request $request ) {
		return self::get_item( $request, array( Catalog::class, 'service' ) );
	}
}
