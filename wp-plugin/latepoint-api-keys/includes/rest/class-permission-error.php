<?php
/**
 * A permission a request needs beyond its route's own (an `include` embed, an
 * inline customer, a customer filter): the route answers 403
 * insufficient_permissions naming it, as for the route's own permission.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

defined( 'ABSPATH' ) || exit;

/**
 * Carries the permission.
 */
final class Permission_Error extends \RuntimeException {

	/** @var string */
	private $permission;

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
