<?php
/**
 * docs/api.md "Webhooks (management)": endpoints stored and managed over REST by an administrator;
 * the secret (Standard Webhooks, whsec_…) shown by create and rotate only, stored encrypted; local
 * URLs refused as in production (no LPAPI_WEBHOOKS_ALLOW_LOCAL); never for an API key.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Support\Schema;
use LatePointApi\Webhooks\Destination;
use LatePointApi\Webhooks\Signature;
use LatePointApi\Webhooks\Webhook_Service;

final class WebhooksRestTest extends TestCase {

	private const SECRET = '/^whsec_[A-Za-z0-9+\/]{43}=$/';

	/** @var int[] */
	private $made = array();

	protected function setUp(): void {
		parent::setUp();
		// As in production, whatever the stack's wp-config.php says (its LPAPI_WEBHOOKS_ALLOW_LOCAL is true).
		Webhook_Service::$allow_local = false;
		// Names resolve without DNS: hooks.example.com is public, loop.example.com is loopback.
		Webhook_Service::$destination = new Destination(static function (string $host): array {
			return array('hooks.example.com' => array('93.184.215.14'), 'loop.example.com' => array('127.0.0.1'))[$host] ?? array();
		});
	}

	protected function tearDown(): void {
		global $wpdb;
		Webhook_Service::$destination = null;
		Webhook_Service::$allow_local = null;
		foreach ($this->made as $id) {
			$wpdb->delete(Schema::webhooks(), array('id' => $id));
		}
		parent::tearDown();
	}

	private function admin_api(string $method, string $path, array $o = array()): Response {
		return $this->api($method, $path, $o + array('user' => $this->admin()));
	}

	private function create(array $fields = array()): array {
		$r    = $this->admin_api('POST', '/webhooks', array('json' => $fields + array(
			'url'         => 'https://hooks.example.com/latepoint?x=1',
			'description' => 'made by a test',
			'events'      => array('booking.created', 'customer.updated'),
		)));
		$data = $this->assertSuccess($r, 201);
		$this->made[] = (int) $data['id'];
		return $data;
	}

	private function row(int $id): array {
		global $wpdb;
		$row = $wpdb->get_row($wpdb->prepare('SELECT * FROM ' . Schema::webhooks() . ' WHERE id = %d', $id), ARRAY_A);
		$this->assertIsArray($row, "webhook {$id} is not in the table");
		return $row;
	}

	/** Every webhook route, with a harmless body. */
	private function routes(int $id): array {
		return array(
			array('GET', '/webhooks', null),
			array('POST', '/webhooks', array('url' => 'https://hooks.example.com/x', 'events' => array('booking.created'))),
			array('GET', "/webhooks/{$id}", null),
			array('PATCH', "/webhooks/{$id}", array('description' => 'refused')),
			array('DELETE', "/webhooks/{$id}", null),
			array('POST', "/webhooks/{$id}/rotate-secret", array('grace_seconds' => 60)),
		);
	}

	public function test_create_shows_the_secret_once_and_stores_it_encrypted(): void {
		$data = $this->create();
		$this->assertMatchesRegularExpression(self::SECRET, $data['secret']);
		$this->assertSame('https://hooks.example.com/latepoint?x=1', $data['url']);
		$this->assertSame(array('booking.created', 'customer.updated'), $data['events']);
		$this->assertSame('enabled', $data['status']);
		$this->assertNull($data['disabled_reason']);
		$this->assertNull($data['previous_secret_until']);
		$this->assertSame($this->admin(), $data['created_by']);

		$row = $this->row($data['id']);
		$this->assertStringStartsWith(Signature::STORED_PREFIX, $row['secret']);
		$this->assertStringNotContainsString($data['secret'], $row['secret']);
		$this->assertStringNotContainsString(substr($data['secret'], 6), $row['secret'], 'nor its base64 part');
		$this->assertSame($data['secret'], Signature::decrypt($row['secret']));
		$this->assertSame(array($data['secret']), Webhook_Service::signing_secrets($data['id']));

		$later = array(
			$this->admin_api('GET', "/webhooks/{$data['id']}"),
			$this->admin_api('GET', '/webhooks'),
			$this->admin_api('PATCH', "/webhooks/{$data['id']}", array('json' => array('description' => 'changed', 'status' => 'disabled'))),
			$this->admin_api('GET', '/logs', array('query' => array('event' => 'admin_action'))),
		);
		foreach ($later as $r) {
			$this->assertSame(200, $r->status, $r->describe());
			$this->assertStringNotContainsString($data['secret'], $r->json);
			$this->assertStringNotContainsString(substr($data['secret'], 6), str_replace('\\/', '/', $r->json));
			$this->assertStringNotContainsString('"secret"', $r->json);
			$this->assertStringNotContainsString('lpws1:', $r->json, 'nor the encrypted form');
		}
		$this->assertSame('disabled', $later[2]->data['data']['status']);
		$this->assertSame('changed', $later[2]->data['data']['description']);
		$this->assertContains($data['id'], array_column($later[1]->data['data'], 'id'));
		$this->assertContains('webhook_created', array_column($later[3]->data['data'], 'error_code'));
	}

	public function test_each_invalid_field_gets_its_message(): void {
		$r = $this->admin_api('POST', '/webhooks', array('json' => array(
			'url'         => 'ftp://hooks.example.com/x',
			'description' => str_repeat('d', 501),
			'events'      => array('booking.created', 'booking.exploded'),
			'status'      => 'paused',
		)));
		$this->assertError($r, 422, 'validation_failed');
		$this->assertEqualsCanonicalizing(array('url', 'description', 'events', 'status'), array_keys($r->data['error']['details']['fields']));

		$r = $this->admin_api('POST', '/webhooks', array('json' => array('url' => 'https://hooks.example.com/x', 'events' => array('booking.exploded'))));
		$this->assertError($r, 422, 'validation_failed');
		$this->assertSame(array('events'), array_keys($r->data['error']['details']['fields']));
		$this->assertStringContainsString('booking.exploded', $r->data['error']['details']['fields']['events']);

		$r = $this->admin_api('POST', '/webhooks', array('json' => array('url' => 'https://hooks.example.com/x', 'events' => array())));
		$this->assertError($r, 422, 'validation_failed');
		$this->assertSame(array('events'), array_keys($r->data['error']['details']['fields']));

		$r = $this->admin_api('POST', '/webhooks', array('json' => array('description' => 'no url')));
		$this->assertError($r, 422, 'validation_failed');
		$this->assertArrayHasKey('url', $r->data['error']['details']['fields']);
		$this->assertArrayHasKey('events', $r->data['error']['details']['fields']);

		$r = $this->admin_api('POST', '/webhooks', array('json' => array('url' => 'https://user:pw@hooks.example.com/x', 'events' => array('booking.created'))));
		$this->assertError($r, 422, 'validation_failed');
		$this->assertSame(array('url'), array_keys($r->data['error']['details']['fields']));

		$made = $this->create();
		$r    = $this->admin_api('PATCH', "/webhooks/{$made['id']}", array('json' => array('events' => array('nope'), 'url' => 'https://loop.example.com/')));
		$this->assertError($r, 422, 'validation_failed');
		$this->assertEqualsCanonicalizing(array('url', 'events'), array_keys($r->data['error']['details']['fields']));
		$this->assertSame(array('booking.created', 'customer.updated'), $this->admin_api('GET', "/webhooks/{$made['id']}")->data['data']['events'], 'nothing was changed');
	}

	public function test_a_local_url_is_refused_as_in_production(): void {
		$this->assertFalse(Webhook_Service::allow_local(), 'the suite runs as production');
		global $wpdb;
		$count = (int) $wpdb->get_var('SELECT COUNT(*) FROM ' . Schema::webhooks());
		foreach (array('http://127.0.0.1:8080/hook', 'http://[::1]/hook', 'https://loop.example.com/hook', 'http://10.1.2.3/', 'http://169.254.169.254/latest/meta-data/') as $url) {
			$r = $this->admin_api('POST', '/webhooks', array('json' => array('url' => $url, 'events' => array('booking.created'))));
			$this->assertError($r, 422, 'validation_failed', $url);
			$this->assertSame(array('url'), array_keys($r->data['error']['details']['fields']), $url);
			$this->assertStringContainsString('webhooks are not sent there', $r->data['error']['details']['fields']['url'], $url);
		}
		$this->assertSame($count, (int) $wpdb->get_var('SELECT COUNT(*) FROM ' . Schema::webhooks()), 'nothing was stored');
	}

	public function test_the_development_setting_allows_loopback_and_private_urls_only(): void {
		Webhook_Service::$allow_local = true;
		foreach (array('http://127.0.0.1:8080/hook', 'http://[::1]/hook', 'https://loop.example.com/hook', 'http://10.1.2.3/') as $url) {
			$r = $this->admin_api('POST', '/webhooks', array('json' => array('url' => $url, 'events' => array('booking.created'))));
			$this->assertSame(201, $r->status, $url);
			$this->made[] = (int) $r->data['data']['id'];
		}
		foreach (array('http://169.254.169.254/latest/meta-data/', 'http://100.64.0.1/', 'http://[fe80::1]/') as $url) {
			$r = $this->admin_api('POST', '/webhooks', array('json' => array('url' => $url, 'events' => array('booking.created'))));
			$this->assertError($r, 422, 'validation_failed', $url);
		}
	}

	public function test_rotating_keeps_the_previous_secret_for_the_grace_period(): void {
		$made = $this->create();
		$r    = $this->admin_api('POST', "/webhooks/{$made['id']}/rotate-secret", array('json' => array('grace_seconds' => 3600)));
		$new  = $this->assertSuccess($r, 201);
		$this->assertMatchesRegularExpression(self::SECRET, $new['secret']);
		$this->assertNotSame($made['secret'], $new['secret']);
		$until = strtotime($new['previous_secret_until']);
		$this->assertEqualsWithDelta(time() + 3600, $until, 10);

		$row = $this->row($made['id']);
		$this->assertSame($new['secret'], Signature::decrypt($row['secret']));
		$this->assertSame($made['secret'], Signature::decrypt($row['previous_secret']));
		$this->assertStringNotContainsString($made['secret'], $row['previous_secret']);
		$this->assertSame(array($new['secret'], $made['secret']), Webhook_Service::signing_secrets($made['id']), 'both sign meanwhile');
		$this->assertSame($new['previous_secret_until'], $this->admin_api('GET', "/webhooks/{$made['id']}")->data['data']['previous_secret_until']);

		// Without grace the old secret stops at once.
		$now = $this->assertSuccess($this->admin_api('POST', "/webhooks/{$made['id']}/rotate-secret", array('json' => array('grace_seconds' => 0))), 201);
		$this->assertNull($now['previous_secret_until']);
		$this->assertNull($this->row($made['id'])['previous_secret']);
		$this->assertSame(array($now['secret']), Webhook_Service::signing_secrets($made['id']));

		foreach (array(-1, 604801) as $grace) {
			$this->assertError($this->admin_api('POST', "/webhooks/{$made['id']}/rotate-secret", array('json' => array('grace_seconds' => $grace))), 422, 'validation_failed', "grace {$grace}");
		}
		$this->assertError($this->admin_api('POST', '/webhooks/999999999/rotate-secret'), 404, 'not_found');

		$actions = array_column($this->logRows(array('event' => 'admin_action', 'actor_user_id' => $this->admin())), 'error_code');
		$this->assertContains('webhook_secret_rotated', $actions);
		$this->assertStringNotContainsString($now['secret'], (string) wp_json_encode($this->logRows(array('event' => 'admin_action'))));
	}

	public function test_delete_returns_the_webhook_as_it_was_and_then_it_is_gone(): void {
		$made = $this->create();
		$r    = $this->admin_api('DELETE', "/webhooks/{$made['id']}");
		$data = $this->assertSuccess($r);
		$this->assertSame($made['id'], $data['id']);
		$this->assertTrue($data['deleted']);
		$this->assertSame($made['url'], $data['previous']['url']);
		$this->assertArrayNotHasKey('secret', $data['previous']);
		foreach (array(array('GET', "/webhooks/{$made['id']}"), array('DELETE', "/webhooks/{$made['id']}"), array('PATCH', "/webhooks/{$made['id']}")) as list($method, $path)) {
			$this->assertError($this->admin_api($method, $path, array('json' => array('description' => 'x'))), 404, 'not_found', "{$method} {$path}");
		}
		$rows = $this->logRows(array('event' => 'admin_action', 'error_code' => 'webhook_deleted'));
		$this->assertNotEmpty($rows);
		$this->assertNull(end($rows)['key_id']);
		$this->assertSame((string) $this->admin(), (string) end($rows)['actor_user_id']);
	}

	public function test_an_api_key_can_never_manage_webhooks(): void {
		$made  = $this->create();
		$k     = $this->createKey(array('name' => 'webhook sneak'));
		global $wpdb;
		$count = (int) $wpdb->get_var('SELECT COUNT(*) FROM ' . Schema::webhooks());
		foreach ($this->routes($made['id']) as list($method, $path, $body)) {
			$o = null === $body ? array() : array('json' => $body);
			foreach (array(array('key' => $k['key']), array('bearer' => $k['key'])) as $auth) {
				foreach (array(array(), array('user' => $this->admin())) as $as) {
					$r = $this->api($method, $path, $o + $auth + $as);
					$this->assertError($r, 403, 'insufficient_permissions', "{$method} {$path} with " . implode(',', array_keys($auth + $as)));
					$this->assertStringNotContainsString('whsec_', $r->json);
				}
			}
		}
		$this->assertSame($count, (int) $wpdb->get_var('SELECT COUNT(*) FROM ' . Schema::webhooks()));
		$this->assertSame($made['secret'], Signature::decrypt($this->row($made['id'])['secret']), 'not rotated');
		$this->assertSame('made by a test', $this->row($made['id'])['description']);
	}

	public function test_a_subscriber_gets_403_and_an_anonymous_caller_401(): void {
		$made       = $this->create();
		$subscriber = $this->subscriber();
		foreach ($this->routes($made['id']) as list($method, $path, $body)) {
			$o = null === $body ? array() : array('json' => $body);
			$r = $this->api($method, $path, $o + array('user' => $subscriber));
			$this->assertError($r, 403, 'insufficient_permissions', "subscriber {$method} {$path}");
			$this->assertError($this->api($method, $path, $o), 401, 'not_authenticated', "anonymous {$method} {$path}");
		}
		$this->assertSame('made by a test', $this->row($made['id'])['description']);
	}
}
