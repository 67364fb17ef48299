<?php
/**
 * docs/api.md: creating, expiring, disabling, enabling, revoking and rotating keys, through Key_Service
 * (the one implementation the admin page and REST share), checked by authenticating with the keys.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Support\Conflict_Error;
use LatePointApi\Support\Core;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Support\Validation_Error;

final class KeyLifecycleTest extends TestCase {

	public function test_create_returns_the_plaintext_once_and_stores_only_its_hash_prefix_and_last4(): void {
		foreach (array('live', 'test') as $environment) {
			$k = $this->createKey(array('name' => "new {$environment}", 'environment' => $environment, 'description' => 'for the suite'));
			$this->assertMatchesRegularExpression("/^lp_{$environment}_[0-9A-Za-z]{38}$/", $k['key']);
			$this->assertSame(46, strlen($k['key']));
			$record = $k['record'];
			$this->assertSame(substr($k['key'], 0, 12), $record['prefix']);
			$this->assertSame(substr($k['key'], -4), $record['last4']);
			$this->assertSame($record['prefix'] . '…' . $record['last4'], $record['display']);
			$this->assertSame('active', $record['status']);
			$this->assertSame($environment, $record['environment']);
			$this->assertSame($this->admin(), $record['created_by']);
			$this->assertArrayNotHasKey('key', $record);
			$this->assertArrayNotHasKey('key_hash', $record);

			$row = $this->keyRow($k['id']);
			$this->assertSame(hash('sha256', $k['key']), $row['key_hash']);
			foreach ($row as $column => $value) {
				$this->assertStringNotContainsString($k['key'], (string) $value, "column {$column} holds the key");
			}
			$this->assertSame(Key_Service::get($k['id']), $record, 'get() shows what create() returned');
		}
	}

	public function test_two_keys_never_share_a_body(): void {
		$a = $this->createKey(array('name' => 'twin a'));
		$b = $this->createKey(array('name' => 'twin b'));
		$this->assertNotSame(substr($a['key'], 8), substr($b['key'], 8));
	}

	public function test_test_keys_expire_in_3_days_by_default_and_are_flagged_when_expiring_within_7_days(): void {
		$test = $this->createKey(array('name' => 'test default expiry', 'environment' => 'test'));
		$this->assertEqualsWithDelta(time() + 3 * DAY_IN_SECONDS, strtotime($test['record']['expires_at']), 5);
		$this->assertTrue($test['record']['expiring_soon']);

		$live = $this->createKey(array('name' => 'live never expires'));
		$this->assertNull($live['record']['expires_at']);
		$this->assertFalse($live['record']['expiring_soon']);

		$test_never = $this->createKey(array('name' => 'test never', 'environment' => 'test', 'expires_at' => null));
		$this->assertNull($test_never['record']['expires_at'], 'an explicit null means never, for test keys too');

		$in_30 = $this->createKey(array('name' => 'in 30 days', 'expires_at' => gmdate('Y-m-d\TH:i:s\Z', time() + 30 * DAY_IN_SECONDS)));
		$this->assertFalse($in_30['record']['expiring_soon']);
		$in_6 = $this->createKey(array('name' => 'in 6 days', 'expires_at' => gmdate('Y-m-d\TH:i:sP', time() + 6 * DAY_IN_SECONDS)));
		$this->assertTrue($in_6['record']['expiring_soon']);
		$date_only = $this->createKey(array('name' => 'a date', 'expires_at' => gmdate('Y-m-d', time() + 400 * DAY_IN_SECONDS)));
		$this->assertSame(gmdate('Y-m-d', time() + 400 * DAY_IN_SECONDS) . 'T00:00:00Z', $date_only['record']['expires_at']);
	}

	/** @dataProvider bad_expiries */
	public function test_an_expiry_that_is_not_a_future_iso_date_is_refused($value): void {
		try {
			$this->createKey(array('name' => 'bad expiry', 'expires_at' => $value));
			$this->fail('accepted expires_at ' . var_export($value, true));
		} catch (Validation_Error $e) {
			$this->assertSame(array('expires_at'), array_keys($e->fields()));
		}
	}

	public function bad_expiries(): array {
		return array(
			'in the past' => array(gmdate('Y-m-d\TH:i:s\Z', time() - 60)),
			'now-ish'     => array(gmdate('Y-m-d\TH:i:s\Z', time())),
			'words'       => array('tomorrow'),
			'not a date'  => array('2027-02-30T00:00:00Z'),
			'a number'    => array(1893456000),
		);
	}

	public function test_a_key_stops_working_the_moment_it_expires(): void {
		$k = $this->createKey(array('name' => 'expires now', 'expires_at' => gmdate('Y-m-d\TH:i:s\Z', time() + 2)));
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])));
		// Real time passes; nothing invalidates the key cache in between.
		time_sleep_until((float) (strtotime($k['record']['expires_at']) + 0.05));
		$this->assertError($this->api('GET', '/me', array('key' => $k['key'])), 401, 'key_expired');
		$this->assertSame('expired', Key_Service::get($k['id'])['status'], 'shown as expired before maintenance stores it');
	}

	public function test_revocation_is_permanent_and_effective_on_the_very_next_request(): void {
		$k = $this->createKey(array('name' => 'to revoke'));
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key']))); // now cached
		$record = Key_Service::revoke($k['id'], $this->admin());
		$this->assertSame('revoked', $record['status']);
		$this->assertEqualsWithDelta(time(), strtotime((string) $record['revoked_at']), 5);
		$this->assertError($this->api('GET', '/me', array('key' => $k['key'])), 401, 'key_revoked');

		foreach (array(
			'enable'  => static fn (int $id, int $actor) => Key_Service::enable($id, $actor),
			'disable' => static fn (int $id, int $actor) => Key_Service::disable($id, $actor),
			'revoke'  => static fn (int $id, int $actor) => Key_Service::revoke($id, $actor),
			'rotate'  => static fn (int $id, int $actor) => Key_Service::rotate($id, 0, $actor),
			'update'  => static fn (int $id, int $actor) => Key_Service::update($id, array('name' => 'wptest again'), $actor),
		) as $action => $call) {
			try {
				$call($k['id'], $this->admin());
				$this->fail("{$action} of a revoked key was allowed");
			} catch (Conflict_Error $e) {
				$this->assertSame('conflict', $e->error_code(), $action);
				$this->assertSame(array('status' => 'revoked'), $e->details(), $action);
			}
		}
		$this->assertSame('revoked', $this->keyRow($k['id'])['status']);
		$this->assertError($this->api('GET', '/me', array('key' => $k['key'])), 401, 'key_revoked');
	}

	public function test_disable_and_enable_are_reversible_and_effective_at_once(): void {
		$k = $this->createKey(array('name' => 'switch'));
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])));
		$this->assertSame('disabled', Key_Service::disable($k['id'], $this->admin())['status']);
		$this->assertError($this->api('GET', '/me', array('key' => $k['key'])), 401, 'key_disabled');
		$this->assertSame('active', Key_Service::enable($k['id'], $this->admin())['status']);
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])));

		$this->expectException(Conflict_Error::class);
		Key_Service::enable($k['id'], $this->admin()); // already active
	}

	public function test_disabling_twice_is_a_conflict(): void {
		$k = $this->createKey(array('name' => 'disable twice'));
		Key_Service::disable($k['id'], $this->admin());
		$this->expectException(Conflict_Error::class);
		Key_Service::disable($k['id'], $this->admin());
	}

	public function test_rotation_with_grace_keeps_the_old_key_working_until_the_grace_ends(): void {
		$old = $this->createKey(array(
			'name'                  => 'rotate with grace',
			'description'           => 'same settings after rotation',
			'permissions'           => array('services:read', 'bookings:read'),
			'rate_limit_per_minute' => 40,
			'rate_limit_per_hour'   => 400,
			'allowed_ips'           => array('127.0.0.1', '2001:db8::/32'),
			'allowed_origins'       => array('https://shop.example.com'),
			'expires_at'            => gmdate('Y-m-d\TH:i:s\Z', time() + 20 * DAY_IN_SECONDS),
		));
		$this->assertSuccess($this->api('GET', '/me', array('key' => $old['key'])));
		$rotated = Key_Service::rotate($old['id'], 3600, $this->admin());
		$new     = $rotated['record'];

		$this->assertMatchesRegularExpression('/^lp_live_[0-9A-Za-z]{38}$/', $rotated['key']);
		$this->assertNotSame($old['key'], $rotated['key']);
		$this->assertSame(substr($rotated['key'], 0, 12), $new['prefix']);
		$this->assertSame($old['id'], $new['rotated_from']);
		$this->assertSame('active', $new['status']);
		foreach (array('name', 'description', 'environment', 'permissions', 'rate_limit_per_minute', 'rate_limit_per_hour', 'allowed_ips', 'allowed_origins', 'expires_at', 'limits') as $field) {
			$this->assertSame($old['record'][ $field ], $new[ $field ], "{$field} is carried over");
		}
		$this->assertSame('rotated', $rotated['previous']['status']);
		$this->assertEqualsWithDelta(time() + 3600, strtotime((string) $rotated['previous']['grace_until']), 5);
		$this->assertSame(hash('sha256', $rotated['key']), $this->keyRow($new['id'])['key_hash']);

		$this->assertSuccess($this->api('GET', '/me', array('key' => $old['key'])), 200);
		$me = $this->assertSuccess($this->api('GET', '/me', array('key' => $rotated['key'])));
		$this->assertSame($new['id'], $me['id']);

		// The grace ends.
		$this->setKeyColumns($old['id'], array('grace_until' => gmdate('Y-m-d H:i:s', time() - 1)));
		$this->assertError($this->api('GET', '/me', array('key' => $old['key'])), 401, 'key_revoked');
		$this->assertSuccess($this->api('GET', '/me', array('key' => $rotated['key'])));

		$actions = array_column($this->logRows(array('event' => 'admin_action', 'key_id' => $old['id'])), 'error_code');
		$this->assertSame(array('created', 'rotated'), $actions);
		$this->assertSame(array('created'), array_column($this->logRows(array('event' => 'admin_action', 'key_id' => $new['id'])), 'error_code'));
	}

	public function test_rotation_without_grace_stops_the_old_key_on_the_next_request(): void {
		$old = $this->createKey(array('name' => 'rotate now', 'environment' => 'test'));
		$this->assertSuccess($this->api('GET', '/me', array('key' => $old['key'])));
		$rotated = Key_Service::rotate($old['id'], 0, $this->admin());
		$this->assertMatchesRegularExpression('/^lp_test_[0-9A-Za-z]{38}$/', $rotated['key'], 'a test key rotates into a test key');
		$this->assertError($this->api('GET', '/me', array('key' => $old['key'])), 401, 'key_revoked');
		$this->assertSuccess($this->api('GET', '/me', array('key' => $rotated['key'])));
	}

	public function test_rotation_chains_and_a_rotated_key_cannot_be_rotated_again(): void {
		$first  = $this->createKey(array('name' => 'chain'));
		$second = Key_Service::rotate($first['id'], 86400, $this->admin());
		$third  = Key_Service::rotate($second['record']['id'], 604800, $this->admin());
		$this->assertSame($second['record']['id'], $third['record']['rotated_from']);
		foreach (array($first, $second, $third) as $k) {
			$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])), 200);
		}
		$this->expectException(Conflict_Error::class);
		Key_Service::rotate($first['id'], 0, $this->admin());
	}

	/** @dataProvider bad_graces */
	public function test_grace_beyond_0_to_7_days_is_refused(int $grace): void {
		$k = $this->createKey(array('name' => 'bad grace'));
		try {
			Key_Service::rotate($k['id'], $grace, $this->admin());
			$this->fail("grace {$grace} accepted");
		} catch (Validation_Error $e) {
			$this->assertArrayHasKey('grace_seconds', $e->fields());
		}
		$this->assertSame('active', $this->keyRow($k['id'])['status'], 'nothing rotated');
	}

	public function bad_graces(): array {
		return array('negative' => array(-1), 'over 7 days' => array(604801));
	}

	public function test_rotating_a_disabled_key_does_not_bring_the_old_key_back_to_life(): void {
		$old = $this->createKey(array('name' => 'rotate disabled'));
		Key_Service::disable($old['id'], $this->admin());
		$this->assertError($this->api('GET', '/me', array('key' => $old['key'])), 401, 'key_disabled');
		$rotated = Key_Service::rotate($old['id'], 3600, $this->admin());
		$this->assertSame('disabled', $rotated['record']['status'], 'the new key keeps the disabled state');
		$this->assertError($this->api('GET', '/me', array('key' => $rotated['key'])), 401, 'key_disabled');
		$r = $this->api('GET', '/me', array('key' => $old['key']));
		$this->assertSame(401, $r->status, 'a disabled key must not work again because it was rotated: ' . $r->describe());
	}

	public function test_updates_apply_on_the_next_request_and_the_environment_never_changes(): void {
		$k = $this->createKey(array('name' => 'to update', 'permissions' => array('bookings:read', 'services:read')));
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])));
		$this->assertNotSame(403, $this->api('GET', '/bookings', array('key' => $k['key']))->status);

		$updated = Key_Service::update($k['id'], array('name' => self::NAME_PREFIX . 'renamed', 'permissions' => array('services:read')), $this->admin());
		$this->assertSame(self::NAME_PREFIX . 'renamed', $updated['name']);
		$this->assertSame(array('services:read'), $updated['permissions']);
		$this->assertSame($k['record']['description'], $updated['description'], 'fields not given stay');
		$this->assertError($this->api('GET', '/bookings', array('key' => $k['key'])), 403, 'insufficient_permissions');
		$this->assertSame(self::NAME_PREFIX . 'renamed', $this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])))['name']);

		try {
			Key_Service::update($k['id'], array('environment' => 'test', 'bogus' => 1, 'name' => ''), $this->admin());
			$this->fail('invalid update accepted');
		} catch (Validation_Error $e) {
			$this->assertEqualsCanonicalizing(array('environment', 'bogus', 'name'), array_keys($e->fields()));
		}
		$this->assertSame('live', $this->keyRow($k['id'])['environment']);
		$this->assertSame(self::NAME_PREFIX . 'renamed', $this->keyRow($k['id'])['name'], 'a refused update changes nothing');
		$this->assertSame(array('created', 'updated'), array_column($this->logRows(array('event' => 'admin_action', 'key_id' => $k['id'])), 'error_code'));
	}

	public function test_invalid_fields_are_reported_each_with_its_own_message(): void {
		try {
			Key_Service::create(array(
				'name'                  => str_repeat('n', 101),
				'environment'           => 'prod',
				'permissions'           => array('bookings:fly'),
				'rate_limit_per_minute' => 0,
				'rate_limit_per_hour'   => 'lots',
				'allowed_ips'           => array('999.1.1.1', '10.0.0.0/33'),
				'allowed_origins'       => array('shop.example.com'),
				'description'           => array('not text'),
			), $this->admin());
			$this->fail('accepted');
		} catch (Validation_Error $e) {
			$fields = $e->fields();
			$this->assertEqualsCanonicalizing(
				array('name', 'environment', 'permissions', 'rate_limit_per_minute', 'rate_limit_per_hour', 'allowed_ips', 'allowed_origins', 'description'),
				array_keys($fields)
			);
			foreach ($fields as $field => $message) {
				$this->assertIsString($message, $field);
				$this->assertNotSame('', $message, $field);
			}
			$this->assertStringContainsString('999.1.1.1', $fields['allowed_ips']);
			$this->assertStringContainsString('10.0.0.0/33', $fields['allowed_ips']);
		}
	}

	public function test_allowlists_are_stored_canonical(): void {
		$k = $this->createKey(array(
			'name'            => 'canonical lists',
			'allowed_ips'     => "10.0.0.1/32, 2001:DB8:0::/32\n10.0.0.1 ::ffff:192.0.2.1",
			'allowed_origins' => array('HTTPS://Shop.Example.com:443/', 'http://localhost:8080', 'https://shop.example.com'),
		));
		$this->assertSame(array('10.0.0.1', '2001:db8::/32', '192.0.2.1'), $k['record']['allowed_ips']);
		$this->assertSame(array('https://shop.example.com', 'http://localhost:8080'), $k['record']['allowed_origins']);
	}

	public function test_every_change_empties_the_key_cache_of_every_worker(): void {
		$k      = $this->createKey(array('name' => 'cache generation'));
		$before = Core::info()['generation'] ?? null;
		$this->assertIsInt($before);
		Key_Service::disable($k['id'], $this->admin());
		$this->assertGreaterThan($before, Core::info()['generation']);
	}
}
