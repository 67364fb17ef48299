<?php
/**
 * GET /latepoint-api/v1/me: the calling key's name, environment,
 * permissions, limits and expiry. Needs only a valid key.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\Auth\Rate_Limits;
use LatePointApi\Auth\Request_Context;
use LatePointApi\Keys\Key_Limits;
use LatePointApi\Keys\Key_Service;

defined( 'ABSPATH' ) || exit;

/**
 * The first route a consumer calls.
 */
final class Me_Controller {

	const ROUTE = '/me';

	public static function register_routes(): void {
		// Any valid key: the permission is ''.
		register_rest_route( Routes::API_NAMESPACE, self::ROUTE, Resource_Controller::endpoint( 'GET', '', array( self::class, 'me' ), array(), Schemas::one( 'Me' ), Routes::LANE_ALWAYS ) );
	}

	public static function me() {
		$key  = Request_Context::$key;
		$rate = Request_Context::$rate;
		return Api_Response::success(
			array(
				'id'          => $key['id'],
				'name'        => $key['name'],
				'environment' => $key['environment'],
				'prefix'      => $key['key_prefix'],
				'last4'       => $key['key_last4'],
				'permissions' => $key['permissions'],
				'limits'      => Key_Limits::for_json( array( 'limits' => Key_Service::effective_limits( $key ) ) )['limits'],
				'expires_at'  => null === $key['expires_at'] ? null : gmdate( 'Y-m-d\TH:i:s\Z', $key['expires_at'] ),
				'rate_limit'  => null === $rate ? null : Rate_Limits::overall( $rate ),
			)
		);
	}
}
