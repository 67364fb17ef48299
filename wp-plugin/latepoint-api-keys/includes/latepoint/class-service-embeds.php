<?php
/**
 * What `include=` embeds in services: `agents` (the agents an agents_services
 * row links to the service, by id), `locations` (the locations those rows
 * name, by order_number then id, as GET /locations presents them) and `category` (its service category, or
 * null). A page of services costs one query per embed whatever its size.
 * Knows nothing of REST (the routes check the permissions embeds need).
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

defined( 'ABSPATH' ) || exit;

/**
 * Service embeds.
 */
final class Service_Embeds {

	/** The embeds, each with the permission a key needs for it. */
	const PERMISSIONS = array(
		'agents'    => 'agents:read',
		'locations' => 'locations:read',
		'category'  => 'services:read',
	);

	/**
	 * Adds the asked-for embeds to presented services.
	 *
	 * @param array[]  $services Catalog::present_service() output
	 * @param string[] $include  names of PERMISSIONS
	 * @return array[]
	 */
	public static function add( array $services, array $include ): array {
		if ( ! $services || ! $include ) {
			return $services;
		}
		$ids       = array_map( static fn ( $s ) => (int) $s['id'], $services );
		$links     = in_array( 'agents', $include, true ) || in_array( 'locations', $include, true ) ? self::links( $ids ) : array();
		$agents    = in_array( 'agents', $include, true ) ? self::rows( 'agents', array_column( $links, 'agent_id' ), 'id ASC' ) : array();
		$locations = in_array( 'locations', $include, true ) ? self::locations( array_column( $links, 'location_id' ) ) : array();
		$category  = in_array( 'category', $include, true ) ? self::rows( 'service_categories', array_column( $services, 'category_id' ), 'id ASC' ) : array();
		foreach ( $services as &$service ) {
			$id   = (int) $service['id'];
			$mine = array_filter( $links, static fn ( $l ) => (int) $l['service_id'] === $id );
			if ( in_array( 'agents', $include, true ) ) {
				$service['agents'] = array_values( array_map( array( Catalog::class, 'present_agent' ), array_intersect_key( $agents, array_flip( array_map( 'intval', array_column( $mine, 'agent_id' ) ) ) ) ) );
			}
			if ( in_array( 'locations', $include, true ) ) {
				$service['locations'] = array_values( array_map( array( Locations::class, 'present' ), array_intersect_key( $locations, array_flip( array_map( 'intval', array_column( $mine, 'location_id' ) ) ) ) ) );
			}
			if ( in_array( 'category', $include, true ) ) {
				$row                 = $category[ (int) $service['category_id'] ] ?? null;
				$service['category'] = $row ? self::present_category( $row ) : null;
			}
		}
		unset( $service );
		return $services;
	}

	/** @return array[] agents_services rows (service_id, agent_id, location_id) of the services */
	private static function links( array $ids ): array {
		global $wpdb;
		$sql  = 'SELECT DISTINCT service_id, agent_id, location_id FROM ' . Tables::name( 'agents_services' ) . ' WHERE service_id IN (' . implode( ', ', array_fill( 0, count( $ids ), '%d' ) ) . ')';
		$rows = $wpdb->get_results( $wpdb->prepare( $sql, $ids ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $sql is literal SQL over Tables::name() with placeholders only.
		return $rows ?: array();
	}

	/** @return array<int, array> id => row of a LatePoint table, in $order */
	private static function rows( string $table, array $ids, string $order ): array {
		global $wpdb;
		$ids = array_values( array_unique( array_filter( array_map( 'intval', $ids ) ) ) );
		if ( ! $ids ) {
			return array();
		}
		$sql  = 'SELECT * FROM ' . Tables::name( $table ) . ' WHERE id IN (' . implode( ', ', array_fill( 0, count( $ids ), '%d' ) ) . ') ORDER BY ' . $order;
		$rows = $wpdb->get_results( $wpdb->prepare( $sql, $ids ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $sql is literal SQL over Tables::name() of fixed tables, a literal order and placeholders.
		$out  = array();
		foreach ( $rows ?: array() as $row ) {
			$out[ (int) $row['id'] ] = $row;
		}
		return $out;
	}

	/** @return array<int, array> id => location row with its category's name, by LatePoint's order */
	private static function locations( array $ids ): array {
		global $wpdb;
		$ids = array_values( array_unique( array_filter( array_map( 'intval', $ids ) ) ) );
		if ( ! $ids ) {
			return array();
		}
		$sql  = 'SELECT l.*, c.name AS category_name FROM ' . Tables::name( 'locations' ) . ' l LEFT JOIN ' . Tables::name( 'location_categories' ) . ' c ON c.id = l.category_id WHERE l.id IN (' . implode( ', ', array_fill( 0, count( $ids ), '%d' ) ) . ') ORDER BY l.order_number ASC, l.id ASC';
		$rows = $wpdb->get_results( $wpdb->prepare( $sql, $ids ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $sql is literal SQL over Tables::name() with placeholders only.
		$out  = array();
		foreach ( $rows ?: array() as $row ) {
			$out[ (int) $row['id'] ] = $row;
		}
		return $out;
	}

	/** A service category. */
	public static function present_category( array $row ): array {
		return array(
			'id'                => (int) $row['id'],
			'name'              => (string) $row['name'],
			'short_description' => (string) ( $row['short_description'] ?? '' ),
			'parent_id'         => empty( $row['parent_id'] ) ? null : (int) $row['parent_id'],
			'order_number'      => isset( $row['order_number'] ) ? (int) $row['order_number'] : null,
		);
	}
}
