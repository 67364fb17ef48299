<?php
/**
 * docs/api.md: key management over REST, for a logged-in administrator (wp_set_current_user), refused
 * for a subscriber (403) and for anonymous callers (401), and never for an API key.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Keys\Key_Service;
use LatePointApi\Support\Schema;

final class KeysRestTest extends TestCase {

	private function admin_api(string $method, string $path, array $o = array()): Response {
		return $this->api($method, $path, $o + array('user' => $this->admin()));
	}

	/** Every key-management route, with a harmless body. */
	private function routes(int $id): array {
		return array(
			array('GET', '/keys', null),
			array('POST', '/keys', array('name' => self::name('refused'), 'permissions' => array('services:read'))),
			array('GET', "/keys/{$id}", null),
			array('PATCH', "/keys/{$id}", array('name' => self::name('refused'))),
			array('DELETE', "/keys/{$id}", null),
			array('POST', "/keys/{$id}/rotate", array('grace_seconds' => 0)),
			array('POST', "/keys/{$id}/disable", null),
			array('POST', "/keys/{$id}/enable", null),
			array('GET', '/logs', null),
		);
	}

	public function test_an_administrator_creates_a_key_and_sees_the_plaintext_once(): void {
		$r    = $this->admin_api('POST', '/keys', array('json' => array(
			'name'                  => self::name('rest create'),
			'description'           => 'made over REST',
			'environment'           => 'test',
			'permissions'           => array('services:read', 'agents:read'),
			'rate_limit_per_minute' => 12,
			'rate_limit_per_hour'   => null,
			'allowed_ips'           => array('127.0.0.1'),
			'allowed_origins'       => array('https://shop.example.com'),
			'expires_at'            => gmdate('Y-m-d\TH:i:s\Z', time() + 30 * DAY_IN_SECONDS),
		)));
		$data = $this->assertSuccess($r, 201);
		$this->assertMatchesRegularExpression('/^lp_test_[0-9A-Za-z]{38}$/', $data['key']);
		$this->assertSame(substr($data['key'], 0, 12), $data['prefix']);
		$this->assertSame(substr($data['key'], -4), $data['last4']);
		$this->assertSame(array('agents:read', 'services:read'), $data['permissions']);
		$this->assertSame(array('per_minute' => 12, 'per_hour' => 1000, 'per_day' => 10000, 'operations' => array()), $data['limits']);
		$this->assertSame($this->admin(), $data['created_by']);
		$this->assertArrayNotHasKey('key_hash', $data);
		$this->assertNull($r->header('X-RateLimit-Limit'), 'admin routes are not rate limited by key');

		// The key works, and no later answer shows it again.
		$this->assertSuccess($this->api('GET', '/me', array('key' => $data['key'])));
		foreach (array($this->admin_api('GET', "/keys/{$data['id']}"), $this->admin_api('GET', '/keys', array('query' => array('search' => $data['name']))), $this->admin_api('PATCH', "/keys/{$data['id']}", array('json' => array('description' => 'changed'))), $this->admin_api('GET', '/logs', array('query' => array('key_id' => $data['id'])))) as $later) {
			$this->assertSame(200, $later->status, $later->describe());
			$this->assertStringNotContainsString($data['key'], $later->json);
			$this->assertStringNotContainsString(hash('sha256', $data['key']), $later->json, 'nor its hash');
			$this->assertStringNotContainsString('"key":', $later->json);
		}
		$listed = $this->admin_api('GET', '/keys', array('query' => array('search' => $data['name'])));
		$this->assertSame(array($data['id']), array_column($listed->data['data'], 'id'));
	}

	public function test_an_administrator_updates_disables_enables_rotates_and_revokes(): void {
		$k = $this->createKey(array('name' => 'rest lifecycle', 'permissions' => array('services:read')));

		$r = $this->admin_api('PATCH', "/keys/{$k['id']}", array('json' => array('permissions' => array('services:read', 'agents:read'), 'rate_limit_per_minute' => 5)));
		$this->assertSame(array('agents:read', 'services:read'), $this->assertSuccess($r)['permissions']);
		$this->assertSame(5, $r->data['data']['rate_limit_per_minute']);

		$this->assertSame('disabled', $this->assertSuccess($this->admin_api('POST', "/keys/{$k['id']}/disable"))['status']);
		$this->assertError($this->api('GET', '/me', array('key' => $k['key'])), 401, 'key_disabled');
		$this->assertError($this->admin_api('POST', "/keys/{$k['id']}/disable"), 409, 'conflict', 'disabling twice');
		$this->assertSame('active', $this->assertSuccess($this->admin_api('POST', "/keys/{$k['id']}/enable"))['status']);
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])));

		$r       = $this->admin_api('POST', "/keys/{$k['id']}/rotate", array('json' => array('grace_seconds' => 3600)));
		$rotated = $this->assertSuccess($r, 201);
		$this->assertMatchesRegularExpression('/^lp_live_[0-9A-Za-z]{38}$/', $rotated['key']);
		$this->assertSame($k['id'], $rotated['rotated_from']);
		$this->assertSame('rotated', $r->data['meta']['previous']['status']);
		$this->assertArrayNotHasKey('key', $r->data['meta']['previous']);
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])), 200);
		$this->assertSuccess($this->api('GET', '/me', array('key' => $rotated['key'])), 200);

		$this->assertError($this->admin_api('POST', "/keys/{$k['id']}/rotate", array('json' => array('grace_seconds' => 604801))), 422, 'validation_failed');
		$this->assertError($this->admin_api('POST', "/keys/{$k['id']}/rotate"), 409, 'conflict', 'a rotated key cannot be rotated again');

		$revoked = $this->assertSuccess($this->admin_api('DELETE', "/keys/{$rotated['id']}"));
		$this->assertSame('revoked', $revoked['status']);
		$this->assertNotNull($revoked['revoked_at']);
		$this->assertError($this->api('GET', '/me', array('key' => $rotated['key'])), 401, 'key_revoked');
		$this->assertError($this->admin_api('DELETE', "/keys/{$rotated['id']}"), 409, 'conflict');
		$this->assertError($this->admin_api('PATCH', "/keys/{$rotated['id']}", array('json' => array('name' => self::name('x')))), 409, 'conflict');
		$this->assertError($this->admin_api('POST', "/keys/{$rotated['id']}/enable"), 409, 'conflict');
		foreach (array(array('GET', '/keys/999999999'), array('DELETE', '/keys/999999999'), array('POST', '/keys/999999999/disable')) as list($method, $path)) {
			$this->assertError($this->admin_api($method, $path), 404, 'not_found', "{$method} {$path}");
		}

		$actions = array_column($this->logRows(array('event' => 'admin_action', 'key_id' => $k['id'])), null, 'error_code');
		$this->assertEqualsCanonicalizing(array('created', 'updated', 'disabled', 'enabled', 'rotated'), array_keys($actions));
		foreach ($actions as $row) {
			$this->assertSame((string) $this->admin(), (string) $row['actor_user_id'], 'the acting user is logged');
			$this->assertSame($k['record']['prefix'], $row['key_prefix']);
		}
		$this->assertSame('revoked', $this->logRows(array('event' => 'admin_action', 'key_id' => $rotated['id']))[1]['error_code'] ?? null);
	}

	public function test_a_key_pasted_into_a_name_or_description_is_refused_and_not_stored(): void {
		$pasted = lpapi_key_generate('live')['key'];
		$before = (int) $GLOBALS['wpdb']->get_var('SELECT COUNT(*) FROM ' . \LatePointApi\Support\Schema::keys());
		$r      = $this->admin_api('POST', '/keys', array('json' => array(
			'name'        => self::name('pasted'),
			'description' => "the key is {$pasted}",
			'permissions' => array('services:read'),
		)));
		$this->assertError($r, 422, 'validation_failed');
		$this->assertArrayHasKey('description', $r->data['error']['details']['fields']);
		$this->assertStringNotContainsString($pasted, $r->json);
		$this->assertSame($before, (int) $GLOBALS['wpdb']->get_var('SELECT COUNT(*) FROM ' . \LatePointApi\Support\Schema::keys()));
	}

	public function test_a_subscriber_is_refused_with_403_and_an_anonymous_caller_with_401(): void {
		$k          = $this->createKey(array('name' => 'not theirs'));
		$subscriber = $this->subscriber();
		foreach ($this->routes($k['id']) as list($method, $path, $body)) {
			$o = null === $body ? array() : array('json' => $body);
			$r = $this->api($method, $path, $o + array('user' => $subscriber));
			$this->assertError($r, 403, 'insufficient_permissions', "subscriber {$method} {$path}");
			$this->assertSame(array('required_capability' => 'manage_options'), $r->data['error']['details']);
			$this->assertError($this->api($method, $path, $o), 401, 'not_authenticated', "anonymous {$method} {$path}");
		}
		$this->assertSame('active', $this->keyRow($k['id'])['status'], 'nothing happened to the key');
	}

	public function test_refusals_come_before_validation_of_the_body(): void {
		$this->assertError($this->api('POST', '/keys', array('json' => array())), 401, 'not_authenticated');
		$this->assertError($this->api('POST', '/keys', array('json' => array(), 'user' => $this->subscriber())), 403, 'insufficient_permissions');
		$this->assertError($this->api('GET', '/keys', array('query' => array('per_page' => 'x'))), 401, 'not_authenticated');
	}

	public function test_an_api_key_can_never_manage_keys_not_even_with_an_administrator_logged_in(): void {
		$k     = $this->createKey(array('name' => 'sneaky'));
		$count = (int) $GLOBALS['wpdb']->get_var('SELECT COUNT(*) FROM ' . Schema::keys());
		foreach ($this->routes($k['id']) as list($method, $path, $body)) {
			$o = null === $body ? array() : array('json' => $body);
			foreach (array(array('key' => $k['key']), array('bearer' => $k['key'])) as $auth) {
				foreach (array(array(), array('user' => $this->admin())) as $as) {
					$r = $this->api($method, $path, $o + $auth + $as);
					$this->assertError($r, 403, 'insufficient_permissions', "{$method} {$path} with " . implode(',', array_keys($auth + $as)));
					$this->assertStringContainsString('API keys cannot manage keys', $r->data['error']['message']);
				}
			}
		}
		$this->assertSame($count, (int) $GLOBALS['wpdb']->get_var('SELECT COUNT(*) FROM ' . Schema::keys()), 'no key was created');
		$this->assertSame('active', $this->keyRow($k['id'])['status']);
		$this->assertError($this->api('GET', '/keys', array('key' => 'lp_live_not-even-a-key')), 403, 'insufficient_permissions');
	}

	public function test_keys_are_listed_newest_first_with_page_and_cursor_paging(): void {
		$label = 'paging ' . bin2hex(random_bytes(3));
		$ids   = array();
		for ($i = 0; $i < 5; $i++) {
			$ids[] = $this->createKey(array('name' => "{$label} {$i}"))['id'];
		}
		rsort($ids);
		$q = array('search' => $label, 'per_page' => 2);

		$first = $this->admin_api('GET', '/keys', array('query' => $q));
		$this->assertSame(array_slice($ids, 0, 2), array_column($this->assertSuccess($first), 'id'));
		$meta = $first->data['meta'];
		$this->assertSame(5, $meta['total']);
		$this->assertSame(1, $meta['page']);
		$this->assertSame(2, $meta['per_page']);
		$this->assertSame(3, $meta['total_pages']);
		$this->assertIsString($meta['next_cursor']);

		$seen   = array_column($first->data['data'], 'id');
		$cursor = $meta['next_cursor'];
		$pages  = 1;
		while (null !== $cursor) {
			$r = $this->admin_api('GET', '/keys', array('query' => $q + array('cursor' => $cursor)));
			$this->assertSuccess($r);
			$seen   = array_merge($seen, array_column($r->data['data'], 'id'));
			$cursor = $r->data['meta']['next_cursor'];
			$this->assertLessThan(5, ++$pages, 'the cursor ends');
		}
		$this->assertSame($ids, $seen, 'every key once, newest first');
		$this->assertSame(3, $pages);

		$page2 = $this->admin_api('GET', '/keys', array('query' => $q + array('page' => 2)));
		$this->assertSame(array_slice($ids, 2, 2), array_column($this->assertSuccess($page2), 'id'));
		$this->assertSame(2, $page2->data['meta']['page']);
		$page3 = $this->admin_api('GET', '/keys', array('query' => $q + array('page' => 3)));
		$this->assertSame(array_slice($ids, 4), array_column($this->assertSuccess($page3), 'id'));
		$this->assertNull($page3->data['meta']['next_cursor'], 'no cursor after the last item');
		$this->assertSame(array(), $this->assertSuccess($this->admin_api('GET', '/keys', array('query' => $q + array('page' => 4)))));

		$all = $this->admin_api('GET', '/keys', array('query' => array('search' => $label)));
		$this->assertSame(20, $all->data['meta']['per_page'], 'default page size');
		$this->assertSame($ids, array_column($all->data['data'], 'id'));
		$this->assertSuccess($this->admin_api('GET', '/keys', array('query' => array('per_page' => 100))));
		$r = $this->admin_api('GET', '/keys', array('query' => array('per_page' => 101)));
		$this->assertError($r, 422, 'validation_failed');
		$this->assertArrayHasKey('per_page', $r->data['error']['details']['fields']);
		$r = $this->admin_api('GET', '/keys', array('query' => array('cursor' => 'garbage')));
		$this->assertError($r, 422, 'validation_failed');
		$this->assertArrayHasKey('cursor', $r->data['error']['details']['fields']);
	}

	public function test_key_list_filters_agree_with_the_status_each_key_shows(): void {
		$label    = 'filters ' . bin2hex(random_bytes(3));
		$active   = $this->createKey(array('name' => "{$label} active"));
		$disabled = $this->createKey(array('name' => "{$label} disabled"));
		Key_Service::disable($disabled['id'], $this->admin());
		$revoked = $this->createKey(array('name' => "{$label} revoked", 'environment' => 'test'));
		Key_Service::revoke($revoked['id'], $this->admin());
		$lapsed = $this->createKey(array('name' => "{$label} lapsed"));
		$this->setKeyColumns($lapsed['id'], array('expires_at' => gmdate('Y-m-d H:i:s', time() - 60)));
		$lapsed_disabled = $this->createKey(array('name' => "{$label} lapsed disabled"));
		Key_Service::disable($lapsed_disabled['id'], $this->admin());
		$this->setKeyColumns($lapsed_disabled['id'], array('expires_at' => gmdate('Y-m-d H:i:s', time() - 60)));

		$list = function (array $filters): array {
			$r = $this->admin_api('GET', '/keys', array('query' => $filters));
			$this->assertSuccess($r);
			$this->assertSame(count($r->data['data']), $r->data['meta']['total'], 'meta.total counts the same rows');
			return array_column($r->data['data'], 'status', 'id');
		};
		$this->assertSame(array($active['id'] => 'active'), $list(array('search' => $label, 'status' => 'active')));
		$this->assertSame(array($disabled['id'] => 'disabled'), $list(array('search' => $label, 'status' => 'disabled')));
		$this->assertSame(array($revoked['id'] => 'revoked'), $list(array('search' => $label, 'status' => 'revoked')));
		$this->assertSame(array($lapsed_disabled['id'] => 'expired', $lapsed['id'] => 'expired'), $list(array('search' => $label, 'status' => 'expired')));
		$this->assertSame(array($revoked['id'] => 'revoked'), $list(array('search' => $label, 'environment' => 'test')));
		$this->assertCount(5, $list(array('search' => $label)));
		$this->assertSame(array($active['id'] => 'active'), $list(array('search' => $active['record']['prefix'])), 'search by prefix');
	}

	public function test_a_write_the_database_refuses_is_a_503_never_a_silent_success(): void {
		$k = $this->createKey(array('name' => 'refused write'));
		$this->failQueries(static fn (string $q): bool => 1 === preg_match('/^\s*(UPDATE|INSERT INTO)\s+`?' . preg_quote(Schema::keys(), '/') . '\b/i', $q));
		foreach (array(
			array('PATCH', "/keys/{$k['id']}", array('name' => self::NAME_PREFIX . 'renamed')),
			array('POST', "/keys/{$k['id']}/disable", null),
			array('DELETE', "/keys/{$k['id']}", null),
			array('POST', '/keys', array('name' => self::NAME_PREFIX . 'new', 'permissions' => array('services:read'))),
			array('POST', "/keys/{$k['id']}/rotate", array('grace_seconds' => 0)),
		) as list($method, $path, $json)) {
			$r = $this->api($method, $path, array('user' => $this->admin()) + (null === $json ? array() : array('json' => $json)));
			$this->assertError($r, 503, 'service_unavailable', "{$method} {$path}");
		}
		$this->assertSame('active', $this->keyRow($k['id'])['status'], 'nothing changed');
	}
}
