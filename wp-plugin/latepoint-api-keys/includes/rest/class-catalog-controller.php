<?php
/**
 * /agents (list, get) and /services (list — active by default —, get), over
 * the read-only LatePoint\Catalog data layer; services take include=agents,
 * locations, category, each embed needing its read permission (403
 * insufficient_permissions otherwise).
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\LatePoint\Catalog;
use LatePointApi\LatePoint\Service_Embeds;

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
		self::route( self::ROUTE_AGENTS, self::endpoint( 'GET', 'agents:read', array( self::class, 'list_agents' ), self::agents_args(), Schemas::many( 'Agent' ), Routes::LANE_ALWAYS ) );
		self::route( self::ROUTE_AGENT, self::endpoint( 'GET', 'agents:read', array( self::class, 'get_agent' ), self::id_args( __( 'The agent id.', 'latepoint-api-keys' ) ), Schemas::one( 'Agent' ), Routes::LANE_ALWAYS ) );
		self::route( self::ROUTE_SERVICES, self::endpoint( 'GET', 'services:read', array( self::class, 'list_services' ), self::services_args(), Schemas::many( 'Service' ), Routes::LANE_WITHOUT_ADDONS ) );
		self::route( self::ROUTE_SERVICE, self::endpoint( 'GET', 'services:read', array( self::class, 'get_service' ), self::id_args( __( 'The service id.', 'latepoint-api-keys' ) ) + self::include_args(), Schemas::one( 'Service' ), Routes::LANE_WITHOUT_ADDONS ) );
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
			'agent_id'    => Args::id_arg( __( 'Only services this agent offers.', 'latepoint-api-keys' ) ),
			'location_id' => Args::id_arg( __( 'Only services offered at this location.', 'latepoint-api-keys' ) ),
		) + self::include_args();
	}

	/** @return array<string, array<string, mixed>> */
	public static function include_args(): array {
		$names = implode( '|', array_keys( Service_Embeds::PERMISSIONS ) );
		return array(
			'include' => array(
				'type'        => 'string',
				'maxLength'   => 100,
				'pattern'     => '^(' . $names . ')(,(' . $names . '))*$',
				'description' => __( 'Comma-separated embeds: agents (needs agents:read), locations (needs locations:read), category.', 'latepoint-api-keys' ),
			),
		);
	}

	/**
	 * The embeds asked for, or the 403 naming the first permission the key lacks for one.
	 *
	 * @return string[]|\WP_Error
	 */
	private static function includes( \WP_REST_Request $request ) {
		$include = array_values( array_unique( array_filter( explode( ',', (string) $request->get_param( 'include' ) ) ) ) );
		foreach ( $include as $name ) {
			if ( ! Permission_Error::held( Service_Embeds::PERMISSIONS[ $name ] ) ) {
				return ( new Permission_Error( Service_Embeds::PERMISSIONS[ $name ] ) )->response();
			}
		}
		return $include;
	}

	public static function list_agents( \WP_REST_Request $request ) {
		return self::list_items( $request, array( 'status', 'search' ), array( Catalog::class, 'agents' ) );
	}

	public static function get_agent( \WP_REST_Request $request ) {
		return self::get_item( $request, array( Catalog::class, 'agent' ) );
	}

	public static function list_services( \WP_REST_Request $request ) {
		$include = self::includes( $request );
		if ( is_wp_error( $include ) ) {
			return $include;
		}
		return self::list_items(
			$request,
			array( 'status', 'category_id', 'agent_id', 'location_id' ),
			static function ( array $filters, int $offset, int $limit, ?int $after ) use ( $include ): array {
				$page          = Catalog::services( $filters, $offset, $limit, $after );
				$page['items'] = Service_Embeds::add( $page['items'], $include );
				return $page;
			}
		);
	}

	public static function get_service( \WP_REST_Request $request ) {
		$include = self::includes( $request );
		if ( is_wp_error( $include ) ) {
			return $include;
		}
		return self::get_item( $request, static fn ( int $id ) => Service_Embeds::add( array( Catalog::service( $id ) ), $include )[0] );
	}
}
