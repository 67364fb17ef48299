<?php
/**
 * docs/api.md over in-process REST: every authentication error code, in the error envelope, in the
 * order of checks, with X-Request-Id on every response.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Support\Core;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Keys\Permissions;
use LatePointApi\Rest\Routes;
use LatePointApi\Support\Schema;
use LatePointApi\Support\Settings;
use LatePointApi\Support\Validation_Error;

final class AuthErrorsTest extends TestCase {

	public function test_a_request_without_a_key_gets_401_missing_api_key_and_no_rate_headers(): void {
		$r = $this->api('GET', '/me');
		$this->assertError($r, 401, 'missing_api_key');
		$this->assertNoRateHeaders($r);

		$this->assertError($this->api('GET', '/me', array('headers' => array('X-API-Key' => '   '))), 401, 'missing_api_key', 'a blank X-API-Key');
		$this->assertError($this->api('GET', '/me', array('headers' => array('Authorization' => 'Basic ' . base64_encode('a:b')))), 401, 'missing_api_key', 'Basic is not a key');
		$this->assertError($this->api('GET', '/bookings'), 401, 'missing_api_key', 'resource routes too');
	}

	public function test_a_valid_key_works_in_x_api_key_and_in_authorization_bearer(): void {
		$k = $this->createKey(array('name' => 'both headers', 'permissions' => array('services:read')));
		foreach (array(array('key' => $k['key']), array('bearer' => $k['key']), array('headers' => array('Authorization' => 'bearer  ' . $k['key']))) as $auth) {
			$r    = $this->api('GET', '/me', $auth);
			$data = $this->assertSuccess($r);
			$this->assertSame($k['id'], $data['id']);
			$this->assertSame(array('services:read'), $data['permissions']);
			$this->assertStringNotContainsString($k['key'], $r->json, 'the key is never echoed back');
		}
	}

	public function test_malformed_keys_get_401_invalid_api_key_before_any_database_work(): void {
		$k        = $this->createKey(array('name' => 'tamper'));
		$key      = $k['key'];
		$swapped  = substr($key, 0, 20) . ('a' === $key[20] ? 'b' : 'a') . substr($key, 21);
		$bad_sum  = substr($key, 0, 40) . ('000000' === substr($key, 40) ? '000001' : '000000');
		$malformed = array(
			'checksum broken by one body character' => $swapped,
			'checksum replaced'                     => $bad_sum,
			'too short'                             => substr($key, 0, 45),
			'too long'                              => $key . 'x',
			'very long'                             => 'lp_live_' . str_repeat('x', 5000),
			'unknown environment'                   => 'lp_prod_' . substr($key, 8),
			'not base62'                            => substr($key, 0, 30) . '-' . substr($key, 31),
			'garbage'                               => 'not-a-key',
		);
		global $wpdb;
		$key_queries = 0;
		$this->filter('query', static function ($query) use (&$key_queries) {
			if (is_string($query) && preg_match('/^\s*SELECT\b/i', $query) && false !== strpos($query, Schema::keys())) {
				++$key_queries;
			}
			return $query;
		});
		foreach ($malformed as $why => $presented) {
			$r = $this->api('GET', '/me', array('key' => $presented));
			$this->assertError($r, 401, 'invalid_api_key', $why);
			$this->assertNoRateHeaders($r);
			$this->assertStringNotContainsString($presented, $r->json, "{$why}: the presented key is echoed");
		}
		$this->assertSame(0, $key_queries, 'a malformed key must be refused before the key store is read');
	}

	public function test_a_well_formed_key_this_site_never_issued_gets_401_invalid_api_key(): void {
		$unknown = Core::key_generate('live');
		$r       = $this->api('GET', '/me', array('key' => $unknown['key']));
		$this->assertError($r, 401, 'invalid_api_key');
		$this->assertNoRateHeaders($r);
		// A second time (the "not known" answer may come from the key cache): the same.
		$this->assertError($this->api('GET', '/me', array('key' => $unknown['key'])), 401, 'invalid_api_key');
	}

	/** @dataProvider query_key_cases */
	public function test_a_key_in_the_query_string_is_refused_with_400_key_in_query(string $name, bool $value_is_key, bool $header_too): void {
		$k     = $this->createKey(array('name' => 'query'));
		$query = array($name => $value_is_key ? $k['key'] : 'whatever');
		$r     = $this->api('GET', '/me', array('query' => $query) + ($header_too ? array('key' => $k['key']) : array()));
		$this->assertError($r, 400, 'key_in_query');
		$this->assertStringNotContainsString($k['key'], $r->json);
		$this->assertNoRateHeaders($r);
	}

	public function query_key_cases(): array {
		return array(
			'api_key, no header'              => array('api_key', true, false),
			'api_key, valid header too'       => array('api_key', true, true),
			'API_KEY in capitals'             => array('API_KEY', false, true),
			'access_token with anything'      => array('access_token', false, false),
			'token'                           => array('token', false, true),
			'x-api-key'                       => array('x-api-key', false, false),
			'a full key under any other name' => array('q', true, true),
		);
	}

	public function test_ordinary_query_parameters_are_not_mistaken_for_keys(): void {
		$k = $this->createKey(array('name' => 'harmless query'));
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'], 'query' => array('page' => '2', 'q' => 'lp_live_abcd', 'keyword' => 'x'))));
	}

	public function test_revoked_disabled_and_expired_keys_get_their_own_401_codes_without_rate_headers(): void {
		$revoked = $this->createKey(array('name' => 'revoked'));
		Key_Service::revoke($revoked['id'], $this->admin());
		$disabled = $this->createKey(array('name' => 'disabled'));
		Key_Service::disable($disabled['id'], $this->admin());
		$expired_status = $this->createKey(array('name' => 'expired status'));
		$this->setKeyColumns($expired_status['id'], array('status' => 'expired'));
		$expired_time = $this->createKey(array('name' => 'expired by time'));
		$this->setKeyColumns($expired_time['id'], array('expires_at' => gmdate('Y-m-d H:i:s', time() - 5)));

		foreach (array(array($revoked, 'key_revoked'), array($disabled, 'key_disabled'), array($expired_status, 'key_expired'), array($expired_time, 'key_expired')) as list($k, $code)) {
			$r = $this->api('GET', '/me', array('key' => $k['key']));
			$this->assertError($r, 401, $code, $k['record']['name']);
			$this->assertNoRateHeaders($r);
		}
	}

	public function test_test_keys_get_403_environment_mismatch_in_production_and_live_keys_do_not(): void {
		$test = $this->createKey(array('name' => 'test env', 'environment' => 'test'));
		$live = $this->createKey(array('name' => 'live env'));
		$this->updateSettings(array('environment_type' => 'production'));
		$this->assertSame('production', Settings::environment_type());

		$r = $this->api('GET', '/me', array('key' => $test['key']));
		$this->assertError($r, 403, 'environment_mismatch');
		$this->assertNoRateHeaders($r);
		$this->assertSuccess($this->api('GET', '/me', array('key' => $live['key'])));

		foreach (array('staging', 'development', 'local') as $type) {
			$this->updateSettings(array('environment_type' => $type));
			$this->assertSuccess($this->api('GET', '/me', array('key' => $test['key'])), 200);
		}
	}

	public function test_the_environment_setting_takes_only_wordpress_types_and_empty_follows_wordpress(): void {
		foreach (array('prod', 'Production', 'live', ' local') as $bad) {
			try {
				$this->updateSettings(array('environment_type' => $bad));
				$this->fail("{$bad} was taken");
			} catch (Validation_Error $e) {
				$this->assertArrayHasKey('environment_type', $e->fields(), $bad);
			}
		}
		$this->updateSettings(array('environment_type' => 'staging'));
		$this->assertSame('staging', Settings::environment_type());
		$this->updateSettings(array('environment_type' => ''));
		$this->assertSame(wp_get_environment_type(), Settings::environment_type());
	}

	public function test_without_the_setting_the_sites_environment_type_decides(): void {
		$test = $this->createKey(array('name' => 'test env default', 'environment' => 'test'));
		$r    = $this->api('GET', '/me', array('key' => $test['key']));
		if ('production' === wp_get_environment_type()) {
			$this->assertError($r, 403, 'environment_mismatch');
		} else {
			$this->assertSuccess($r);
		}
	}

	/**
	 * route (relative to the namespace) => [method => [permission]] of every endpoint that declares a
	 * permission, read from the routes as WordPress has them registered.
	 */
	private static function resource_routes(): array {
		$routes = array();
		foreach (rest_get_server()->get_routes(Routes::API_NAMESPACE) as $route => $endpoints) {
			foreach ($endpoints as $endpoint) {
				$permission = $endpoint[Routes::PERMISSION] ?? '';
				foreach (array_keys(array_filter($endpoint['methods'])) as $method) {
					if ('' !== $permission) {
						$routes[substr($route, strlen('/' . Routes::API_NAMESPACE))][$method] = array($permission);
					}
				}
			}
		}
		return $routes;
	}

	public function test_each_route_needs_exactly_its_permission_and_403_names_it(): void {
		$seen = array();
		foreach (self::resource_routes() as $route => $methods) {
			$path = str_replace('(?P<id>\d+)', '7', $route);
			foreach ($methods as $method => list($permission)) {
				$seen[ $permission ] = true;
				$without = $this->createKey(array(
					'name'        => "without {$permission}",
					'permissions' => array_values(array_diff(Permissions::ALL, array($permission))),
				));
				// With a body the route would refuse: the missing permission is still what the caller hears.
				$r = $this->api($method, $path, array('key' => $without['key'], 'json' => array()));
				$this->assertError($r, 403, 'insufficient_permissions', "{$method} {$path}");
				$this->assertSame(array('required_permission' => $permission), $r->data['error']['details'], "{$method} {$path}");
				$this->assertRateHeaders($r, 60, 3600);

				$with = $this->createKey(array('name' => "only {$permission}", 'permissions' => array($permission)));
				$r    = $this->api($method, $path, array('key' => $with['key'], 'json' => array()));
				// Past the permission: whatever the route answers (it needs LatePoint's tables), not a refusal of the key.
				$this->assertNotContains($r->status, array(401, 403, 429, 500), "{$method} {$path} with {$permission}: " . $r->describe());
				$this->assertRateHeaders($r, 60, 3600);
			}
		}
		$this->assertEqualsCanonicalizing(Permissions::ALL, array_keys($seen), 'every permission guards some route');
	}

	public function test_me_needs_only_a_valid_key_and_describes_it(): void {
		$k    = $this->createKey(array(
			'name'                  => 'describe me',
			'environment'           => 'test',
			'permissions'           => array('services:read', 'agents:read'),
			'rate_limit_per_minute' => 30,
			'expires_at'            => gmdate('Y-m-d\TH:i:s\Z', time() + 10 * DAY_IN_SECONDS),
		));
		$data = $this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])));
		$this->assertSame(self::NAME_PREFIX . 'describe me', $data['name']);
		$this->assertSame('test', $data['environment']);
		$this->assertSame(array('agents:read', 'services:read'), $data['permissions'], 'canonical order');
		$this->assertSame(array('per_minute' => 30, 'per_hour' => 1000, 'per_day' => 10000, 'operations' => array()), $data['limits'], 'own minute limit, the test defaults per hour and day');
		$this->assertSame($k['record']['expires_at'], $data['expires_at']);
		$this->assertSame(substr($k['key'], 0, 12), $data['prefix']);
		$this->assertSame(substr($k['key'], -4), $data['last4']);
		$this->assertSame(29, $data['rate_limit']['minute']['remaining']);
	}

	public function test_unknown_routes_and_methods_get_404_not_found_with_a_key_and_401_without(): void {
		$k = $this->createKey(array('name' => 'explorer'));
		foreach (array(array('GET', '/nothing-here'), array('DELETE', '/me'), array('PUT', '/bookings')) as list($method, $path)) {
			$r = $this->api($method, $path, array('key' => $k['key']));
			$this->assertError($r, 404, 'not_found', "{$method} {$path}");
			$this->assertStringContainsString('openapi.json', $r->data['error']['message']);
			$this->assertError($this->api($method, $path), 401, 'missing_api_key', "{$method} {$path} without a key");
		}
	}

	public function test_a_broken_json_body_gets_400_bad_request_never_a_500(): void {
		$k = $this->createKey(array('name' => 'broken json', 'permissions' => array('bookings:create')));
		$r = $this->api('POST', '/bookings', array('key' => $k['key'], 'body' => '{"customer_id": '));
		$this->assertError($r, 400, 'bad_request');
		$this->assertRateHeaders($r, 60, 3600);
	}

	public function test_a_caller_without_the_permission_hears_403_even_when_its_body_is_broken(): void {
		$k = $this->createKey(array('name' => 'no create, broken body', 'permissions' => array('bookings:read')));
		$r = $this->api('POST', '/bookings', array('key' => $k['key'], 'body' => '{"customer_id": '));
		$this->assertError($r, 403, 'insufficient_permissions');
		$this->assertSame(array('required_permission' => 'bookings:create'), $r->data['error']['details']);
		$r = $this->api('POST', '/customers', array('key' => $k['key'], 'json' => array('email' => 'not an email', 'unknown' => array(1))));
		$this->assertError($r, 403, 'insufficient_permissions');
	}

	public function test_the_key_store_down_gives_503_service_unavailable_not_a_500(): void {
		$k = $this->createKey(array('name' => 'db down'));
		$this->failQueries(static fn (string $q): bool => false !== strpos($q, Schema::keys()) && false !== strpos($q, 'key_hash ='));
		$r = $this->api('GET', '/me', array('key' => $k['key']));
		$this->assertError($r, 503, 'service_unavailable');
		$this->assertNoRateHeaders($r);
		$this->assertStringNotContainsString('lpapi_wptests_database_is_down', $r->json, 'no SQL in the answer');
	}

	public function test_every_response_has_its_own_request_id(): void {
		$k   = $this->createKey(array('name' => 'request ids', 'permissions' => array('services:read')));
		$ids = array();
		foreach (array(
			$this->api('GET', '/me', array('key' => $k['key'])),
			$this->api('GET', '/me'),
			$this->api('GET', '/bookings', array('key' => $k['key'])),
			$this->api('GET', '/nope', array('key' => $k['key'])),
			$this->api('GET', '/keys'),
			$this->api('GET', '/keys', array('user' => $this->admin())),
		) as $r) {
			$this->assertMatchesRegularExpression(self::REQUEST_ID, (string) $r->requestId(), $r->describe());
			$ids[] = $r->requestId();
		}
		$this->assertCount(count($ids), array_unique($ids));
	}
}
