<?php
/**
 * A permission a request needs beyond its route's own (an `include` embed, an
 * inline customer, a customer filter): the route answers 403
 * insufficient_permissions naming it, as for the route's own permission.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\Auth\Request_Context;

defined( 'ABSPATH' ) || exit;

/**
 * Carries the permission.
 */
final class Permission_Error extends \RuntimeException {

	/** @var string */
	private $permission;

	/** Whether the calling key holds $permission. */
	public static function held( string $permission ): bool {
		return in_array( $permission, (array) ( Request_Context::$key['permissions'] ?? array() ), true );
	}

	/** Throws unless the calling key holds $permission (Api_Response::run() makes it the 403). */
	public static function require( string $permission ): void {
		if ( ! self::held( $permission ) ) {
			throw new self( $permission );
		}
	}

	public function __construct( string $permission ) {
		parent::__construct( $permission );
		$this->permission = $permission;
	}

	/** The 403 envelope naming the permission. */
	public function response(): \WP_Error {
		return Api_Response::error(
			403,
			'insufficient_permissions',
			/* translators: %s: a permission such as customers:read */
			sprintf( __( 'This key lacks the %s permission.', 'latepoint-api-keys' ), $this->permission ),
			array( 'required_permission' => $this->permission )
		);
	}
}
