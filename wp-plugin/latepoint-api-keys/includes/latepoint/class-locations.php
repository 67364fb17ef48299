<?php
/**
 * LatePoint's locations, as the booking writes need them. Knows nothing of REST.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

defined( 'ABSPATH' ) || exit;

/**
 * Locations.
 */
final class Locations {

	/**
	 * The location of a booking that names none: the first active location
	 * where the agent offers the service (agents_services), else the first
	 * active one, else the first; LatePoint's default location (which it creates) when there
	 * is none.
	 */
	public static function default_id( int $agent_id = 0, int $service_id = 0 ): int {
		global $wpdb;
		$table = Tables::name( 'locations' );
		if ( $agent_id && $service_id ) {
			$links   = Tables::name( 'agents_services' );
			$offered = $wpdb->get_var( $wpdb->prepare( "SELECT l.id FROM {$links} a JOIN {$table} l ON l.id = a.location_id WHERE a.agent_id = %d AND a.service_id = %d AND l.status = 'active' ORDER BY l.order_number ASC, l.id ASC LIMIT 1", $agent_id, $service_id ) ); // phpcs:ignore LatePointApi.Security.PreparedSql.InterpolatedVariable -- $links and $table are Tables::name() of fixed tables.
			if ( $offered ) {
				return (int) $offered;
			}
		}
		$id = $wpdb->get_var( "SELECT id FROM {$table} ORDER BY (status = 'active') DESC, order_number ASC, id ASC LIMIT 1" ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared -- $table is Tables::name( 'locations' ).
		if ( null !== $id ) {
			return (int) $id;
		}
		// None at all: LatePoint's own default location (it creates "Main Location").
		return (int) \OsLocationHelper::get_default_location_id();
	}
}
