<?php
/**
 * The permissions a key can hold, and the presets the admin page offers.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Keys;

defined( 'ABSPATH' ) || exit;

/**
 * Permission names are `resource:action`.
 */
final class Permissions {

	const ALL = array(
		'bookings:read',
		'bookings:create',
		'bookings:update',
		'bookings:delete',
		'customers:read',
		'customers:create',
		'customers:update',
		'customers:delete',
		'agents:read',
		'services:read',
		'locations:read',
		'availability:read',
		'orders:read',
	);

	/** Resources and their actions, in the order the permission matrix shows them. */
	const MATRIX = array(
		'bookings'     => array( 'read', 'create', 'update', 'delete' ),
		'customers'    => array( 'read', 'create', 'update', 'delete' ),
		'agents'       => array( 'read' ),
		'services'     => array( 'read' ),
		'locations'    => array( 'read' ),
		'availability' => array( 'read' ),
		'orders'       => array( 'read' ),
	);

	/** @return array<string, array{label: string, permissions: string[]}> */
	public static function presets(): array {
		return array(
			'read_only' => array(
				'label'       => __( 'Read-only', 'latepoint-api-keys' ),
				'permissions' => array_values( array_filter( self::ALL, static fn ( $p ) => str_ends_with( $p, ':read' ) ) ),
			),
			'widget'    => array(
				'label'       => __( 'Booking widget', 'latepoint-api-keys' ),
				'permissions' => array( 'services:read', 'agents:read', 'locations:read', 'availability:read', 'bookings:create', 'customers:create' ),
			),
			'full'      => array(
				'label'       => __( 'Full access', 'latepoint-api-keys' ),
				'permissions' => self::ALL,
			),
		);
	}

	/**
	 * Keeps known permissions, in canonical order, without duplicates.
	 *
	 * @param string[] $permissions
	 * @return string[]
	 */
	public static function normalize( array $permissions ): array {
		return array_values( array_intersect( self::ALL, $permissions ) );
	}

	/** A short human summary: "Full access", "Read-only", or the count. */
	public static function summary( array $permissions ): string {
		$sorted = self::normalize( $permissions );
		foreach ( self::presets() as $preset ) {
			if ( self::normalize( $preset['permissions'] ) === $sorted ) {
				return $preset['label'];
			}
		}
		/* translators: %d: number of permissions */
		return sprintf( _n( '%d permission', '%d permissions', count( $sorted ), 'latepoint-api-keys' ), count( $sorted ) );
	}
}
