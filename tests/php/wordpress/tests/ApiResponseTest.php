<?php
/**
 * Api_Response: the docs/api.md envelopes, WordPress's own REST errors mapped onto API codes (unit and
 * through real dispatches), and the cursor format.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Rest\Api_Response;
use LatePointApi\Support\Conflict_Error;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Auth\Request_Context;
use LatePointApi\Support\Storage_Error;
use LatePointApi\Support\Validation_Error;

final class ApiResponseTest extends TestCase {

	private static function wp_error_response(string $code, int $status, array $data = array(), string $message = 'WordPress says no'): \WP_REST_Response {
		return new \WP_REST_Response(array('code' => $code, 'message' => $message, 'data' => array('status' => $status) + $data), $status);
	}

	/** @dataProvider wordpress_errors */
	public function test_shape_maps_wordpress_errors_onto_spec_codes(string $wp_code, int $wp_status, int $status, string $code): void {
		$shaped = Api_Response::shape(self::wp_error_response($wp_code, $wp_status));
		$this->assertSame($status, $shaped->get_status());
		$data = $shaped->get_data();
		$this->assertSame('error', $data['status']);
		$this->assertSame($code, $data['error']['code']);
		$this->assertSame(Request_Context::request_id(), $data['error']['request_id']);
	}

	public function wordpress_errors(): array {
		return array(
			'rest_no_route'               => array('rest_no_route', 404, 404, 'not_found'),
			'rest_post_invalid_id'        => array('rest_post_invalid_id', 404, 404, 'not_found'),
			'rest_invalid_param'          => array('rest_invalid_param', 400, 422, 'validation_failed'),
			'rest_missing_callback_param' => array('rest_missing_callback_param', 400, 422, 'validation_failed'),
			'rest_invalid_json'           => array('rest_invalid_json', 400, 400, 'bad_request'),
			'rest_forbidden'              => array('rest_forbidden', 401, 403, 'insufficient_permissions'),
			'rest_not_logged_in'          => array('rest_not_logged_in', 401, 401, 'not_authenticated'),
			'rest_cookie_invalid_nonce'   => array('rest_cookie_invalid_nonce', 403, 403, 'invalid_nonce'),
			'incorrect_password'          => array('incorrect_password', 401, 401, 'not_authenticated'),
			'other rest_ code, 400'       => array('rest_something_else', 400, 400, 'bad_request'),
			'other rest_ code, 404'       => array('rest_gone_away', 404, 404, 'not_found'),
			'other rest_ code, 500'       => array('rest_invalid_handler', 500, 500, 'internal_error'),
			'not a API-like code'        => array('Some-Plugin Error', 409, 409, 'bad_request'),
			'an API code passes'          => array('key_revoked', 401, 401, 'key_revoked'),
		);
	}

	public function test_invalid_parameters_become_422_with_a_message_per_field(): void {
		$shaped = Api_Response::shape(self::wp_error_response('rest_invalid_param', 400, array(
			'params'  => array('per_page' => 'per_page must be between 1 (inclusive) and 100 (inclusive)', 'status' => 'status is not one of active, disabled.'),
			'details' => array('per_page' => array('code' => 'rest_out_of_bounds')),
		)));
		$this->assertSame(422, $shaped->get_status());
		$this->assertSame(
			array('fields' => array('per_page' => 'per_page must be between 1 (inclusive) and 100 (inclusive)', 'status' => 'status is not one of active, disabled.')),
			(array) $shaped->get_data()['error']['details']
		);
	}

	public function test_missing_parameters_become_422_with_each_missing_field_named(): void {
		$shaped = Api_Response::shape(self::wp_error_response('rest_missing_callback_param', 400, array('params' => array('name', 'permissions'))));
		$this->assertSame(422, $shaped->get_status());
		$fields = ((array) $shaped->get_data()['error']['details'])['fields'];
		$this->assertSame(array('name', 'permissions'), array_keys($fields), 'details.fields is keyed by field name');
		foreach ($fields as $message) {
			$this->assertIsString($message);
			$this->assertNotSame('', $message);
		}
	}

	public function test_shape_leaves_successes_and_already_shaped_errors_alone_and_strips_html(): void {
		$ok = Api_Response::success(array('a' => 1), array('total' => 1));
		$this->assertSame($ok->get_data(), Api_Response::shape($ok)->get_data());
		$this->assertSame(200, Api_Response::shape($ok)->get_status());

		$created = new \WP_REST_Response(array('code' => 'looks_like_an_error'), 201);
		$this->assertSame(array('code' => 'looks_like_an_error'), Api_Response::shape($created)->get_data(), 'a 2xx is never rewritten');

		$shaped = Api_Response::shape(self::wp_error_response('bad_request', 400, array(), '<b>Bold</b> <script>x</script>claim'));
		$this->assertSame(Api_Response::shape($shaped)->get_data(), $shaped->get_data(), 'shaping twice changes nothing');
		$this->assertStringNotContainsString('<', $shaped->get_data()['error']['message']);
		$this->assertStringContainsString('Bold', $shaped->get_data()['error']['message']);
	}

	public function test_service_exceptions_become_spec_errors_and_unexpected_ones_a_bare_500(): void {
		$cases = array(
			array(new Validation_Error(array('name' => 'Required.')), 422, 'validation_failed', array('fields' => array('name' => 'Required.'))),
			array(new Not_Found_Error('No key has this id.'), 404, 'not_found', array()),
			array(new Conflict_Error('email_taken', 'Taken.', array('field' => 'email')), 409, 'email_taken', array('field' => 'email')),
			array(new Storage_Error('db'), 503, 'service_unavailable', array()),
		);
		foreach ($cases as list($exception, $status, $code, $details)) {
			$error = Api_Response::from_exception($exception);
			$this->assertSame($code, $error->get_error_code());
			$this->assertSame(array('status' => $status, 'details' => $details), $error->get_error_data());
		}
		$log   = ini_get('error_log');
		$tmp   = tempnam(sys_get_temp_dir(), 'lpapi-log');
		ini_set('error_log', $tmp);
		try {
			$error = Api_Response::from_exception(new \RuntimeException('secret lp_live_details SELECT * FROM wp_users'));
		} finally {
			ini_set('error_log', (string) $log);
		}
		$logged = (string) file_get_contents($tmp);
		unlink($tmp);
		$this->assertSame('internal_error', $error->get_error_code());
		$this->assertSame(500, $error->get_error_data()['status']);
		$this->assertStringNotContainsString('SELECT', $error->get_error_message());
		$this->assertStringContainsString('RuntimeException', $logged, 'the class is logged for the site owner');
		$this->assertStringNotContainsString('secret', $logged, 'the exception message (request data) is not logged');
	}

	public function test_wordpress_parameter_validation_is_a_422_through_the_real_pipeline(): void {
		$admin = $this->admin();
		$r     = $this->api('GET', '/keys', array('user' => $admin, 'query' => array('per_page' => '1000', 'status' => 'bogus')));
		$this->assertError($r, 422, 'validation_failed');
		$fields = $r->data['error']['details']['fields'];
		$this->assertEqualsCanonicalizing(array('per_page', 'status'), array_keys($fields));
		$this->assertStringContainsString('100', $fields['per_page']);

		$r = $this->api('POST', '/keys', array('user' => $admin, 'json' => array('description' => 'no name, no permissions')));
		$this->assertError($r, 422, 'validation_failed');
		$this->assertEqualsCanonicalizing(array('name', 'permissions'), array_keys($r->data['error']['details']['fields']));

		$r = $this->api('POST', '/keys', array('user' => $admin, 'json' => array('name' => self::name('fly'), 'permissions' => array('bookings:fly'))));
		$this->assertError($r, 422, 'validation_failed');
		$this->assertSame(array('permissions'), array_keys($r->data['error']['details']['fields']));

		$r = $this->api('POST', '/keys', array('user' => $admin, 'json' => array('name' => self::name('ips'), 'permissions' => array('services:read'), 'allowed_ips' => array('999.1.1.1'), 'expires_at' => 'tomorrow')));
		$this->assertError($r, 422, 'validation_failed', 'Key_Service validation');
		$this->assertEqualsCanonicalizing(array('allowed_ips', 'expires_at'), array_keys($r->data['error']['details']['fields']));
		$this->assertStringContainsString('999.1.1.1', $r->data['error']['details']['fields']['allowed_ips']);

		$this->assertError($this->api('GET', '/keys/0', array('user' => $admin)), 422, 'validation_failed');
		$this->assertError($this->api('POST', '/keys', array('user' => $admin, 'body' => '{"name": ')), 400, 'bad_request');
	}

	public function test_no_route_is_a_404_not_found_through_the_real_pipeline(): void {
		$admin = $this->admin();
		$r     = $this->api('POST', '/keys/1/explode', array('user' => $admin));
		$this->assertError($r, 404, 'not_found');
		$this->assertError($this->api('PUT', '/keys', array('user' => $admin)), 404, 'not_found', 'a known route, an unknown method');
		$this->assertError($this->api('GET', '/keys/999999999', array('user' => $admin)), 404, 'not_found', 'no such key');
	}

	public function test_page_meta_and_cursors(): void {
		$page = Api_Response::page(array(array('id' => 9)), 41, 3, 20, 9);
		$meta = (array) $page->get_data()['meta'];
		$this->assertSame(array('total' => 41, 'page' => 3, 'per_page' => 20, 'total_pages' => 3, 'next_cursor' => Api_Response::encode_cursor(9)), $meta);
		$this->assertNull(((array) Api_Response::page(array(), 0, 1, 20)->get_data()['meta'])['next_cursor']);
		$this->assertSame(0, ((array) Api_Response::page(array(), 0, 1, 20)->get_data()['meta'])['total_pages']);

		foreach (array(1, 42, PHP_INT_MAX) as $id) {
			$cursor = Api_Response::encode_cursor($id);
			$this->assertMatchesRegularExpression('/^[A-Za-z0-9_-]+$/', $cursor, 'URL-safe');
			$this->assertSame($id, Api_Response::decode_cursor($cursor));
		}
		$forged = static fn ($value): string => rtrim(strtr(base64_encode((string) wp_json_encode($value)), '+/', '-_'), '=');
		foreach (array('', 'not base64!', $forged(array('b' => '5')), $forged(array('b' => 0)), $forged(array('b' => -3)), $forged(array('x' => 5)), $forged(5), base64_encode('{"b":')) as $bad) {
			$this->assertNull(Api_Response::decode_cursor($bad), var_export($bad, true));
		}
	}
}
