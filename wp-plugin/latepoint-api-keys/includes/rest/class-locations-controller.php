<?php
/**
 * /locations (list, get), over the read-only part of the
 * LatePoint\Locations data layer.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\LatePoint\Locations;

defined( 'ABSPATH' ) || exit;

/**
 * Routes and handlers of locations.
 */
final class Locations_Controller extends Resource_Controller {

	const ROUTE      = '/locations';
	const ROUTE_ITEM = '/locations/(?P<id>\d+)';
	const FILTERS    = array( 'status', 'category_id' );

	public static function register_routes(): void {
		self::route( self::ROUTE, self::endpoint( 'GET', 'locations:read', array( self::class, 'list_locations' ), self::list_args(), Schemas::many( 'Location' ), Routes::LANE_ALWAYS ) );
		self::route( self::ROUTE_ITEM, self::endpoint( 'GET', 'locations:read', array( self::class, 'get_location' ), self::id_args( __( 'The location id.', 'latepoint-api-keys' ) ), Schemas::one( 'Location' ), Routes::LANE_ALWAYS ) );
	}

	/** @return array<string, array<string, mixed>> */
	public static function list_args(): array {
		return Args::paging() + array(
			'status'      => array( 'type' => 'string', 'enum' => array( 'active', 'disabled', 'any' ), 'default' => 'any', 'description' => __( 'Only locations with this status.', 'latepoint-api-keys' ) ),
			'category_id' => Args::id_arg( __( 'Only locations of this location category.', 'latepoint-api-keys' ) ),
		);
	}

	public static function list_locations( \WP_REST_Request $request ) {
		return self::list_items( $request, self::FILTERS, array( Locations::class, 'query' ) );
	}

	public static function get_location( \WP_REST_Request $request ) {
		return self::get_item( $request, array( Locations::class, 'one' ) );
	}
}
