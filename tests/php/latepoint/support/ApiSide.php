<?php
/**
 * The write under test: the same action through the plugin's REST API, in this process, as
 * WP_REST_Server::serve_request() runs a request (authentication, rest_do_request, rest_post_dispatch),
 * with the suite's key in X-API-Key and no WordPress user, as an API client has none.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Auth\Authenticator;
use LatePointApi\Auth\Request_Context;

final class ApiSide {

	/**
	 * @param array<string, mixed>|null $json the body, sent as JSON
	 * @return array{status: int, body: mixed, headers: array<string, string>}
	 */
	public static function request(string $key, string $method, string $path, ?array $json = null, array $query = array()): array {
		wp_set_current_user(0);
		if (class_exists(Request_Context::class)) {
			Request_Context::reset();
		}
		$request = new \WP_REST_Request($method, '/' . Authenticator::API_NAMESPACE . $path);
		$request->set_query_params($query);
		$request->set_header('X-API-Key', $key);
		if (null !== $json) {
			$request->set_header('Content-Type', 'application/json');
			$request->set_body((string) wp_json_encode($json));
		}
		$server = rest_get_server();
		$result = $server->check_authentication();
		if (!is_wp_error($result)) {
			$result = rest_do_request($request);
		}
		$result = rest_ensure_response($result);
		if (is_wp_error($result)) {
			$result = rest_convert_error_to_response($result);
		}
		$result = apply_filters('rest_post_dispatch', rest_ensure_response($result), $server, $request);
		$body   = $server->response_to_data($result, false);
		if (class_exists(Audit_Log::class)) {
			Audit_Log::after_response();
		}
		$headers = array();
		foreach ($result->get_headers() as $name => $value) {
			$headers[ (string) $name ] = is_array($value) ? implode(', ', $value) : (string) $value;
		}
		return array('status' => $result->get_status(), 'body' => json_decode((string) wp_json_encode($body), true), 'headers' => $headers);
	}
}
