<?php
/**
 * docs/api.md: a site-wide cap on active keys (a setting, default 50).
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Support\Conflict_Error;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Keys\Permissions;
use LatePointApi\Support\Settings;

final class KeyCapTest extends TestCase {

	public function test_the_cap_defaults_to_50(): void {
		delete_option(Settings::OPTION); // restored after the test
		$this->assertSame(50, Settings::get('key_cap'));
	}

	public function test_at_the_cap_creating_a_key_is_a_409_conflict_until_one_is_revoked(): void {
		$this->updateSettings(array('key_cap' => Key_Service::count_active() + 2));
		$cap = (int) Settings::get('key_cap');
		$a   = $this->createKey(array('name' => 'cap a'));
		$this->createKey(array('name' => 'cap b'));
		$this->assertSame($cap, Key_Service::count_active());

		try {
			Key_Service::create(array('name' => self::name('cap c'), 'permissions' => array('services:read')), $this->admin());
			$this->fail('a key over the cap was created');
		} catch (Conflict_Error $e) {
			$this->assertSame('conflict', $e->error_code());
			$this->assertSame(array('reason' => 'active_key_cap', 'cap' => $cap), $e->details());
			$this->assertStringContainsString((string) $cap, $e->getMessage());
		}
		$r = $this->api('POST', '/keys', array('user' => $this->admin(), 'json' => array('name' => self::name('cap rest'), 'permissions' => array('services:read'))));
		$this->assertError($r, 409, 'conflict');
		$this->assertSame(array('reason' => 'active_key_cap', 'cap' => $cap), $r->data['error']['details']);
		$this->assertSame($cap, Key_Service::count_active(), 'nothing was created');

		Key_Service::revoke($a['id'], $this->admin());
		$this->createKey(array('name' => 'cap after revoke'));
		$this->assertSame($cap, Key_Service::count_active());
	}

	public function test_disabled_rotated_and_expired_keys_do_not_count_and_enabling_respects_the_cap(): void {
		$this->updateSettings(array('key_cap' => Key_Service::count_active() + 1));
		$cap = (int) Settings::get('key_cap');
		$k   = $this->createKey(array('name' => 'cap disabled'));
		Key_Service::disable($k['id'], $this->admin());
		$this->assertSame($cap - 1, Key_Service::count_active());
		$other = $this->createKey(array('name' => 'cap takes the place'));
		try {
			Key_Service::enable($k['id'], $this->admin());
			$this->fail('enabling over the cap was allowed');
		} catch (Conflict_Error $e) {
			$this->assertSame(array('reason' => 'active_key_cap', 'cap' => $cap), $e->details());
		}
		$this->assertSame('disabled', $this->keyRow($k['id'])['status']);

		// Rotation keeps the count: the old key becomes "rotated", the new one is the active one.
		$rotated = Key_Service::rotate($other['id'], 3600, $this->admin());
		$this->assertSame($cap, Key_Service::count_active());
		// A key past its expiry no longer counts.
		$this->setKeyColumns($rotated['record']['id'], array('expires_at' => gmdate('Y-m-d H:i:s', time() - 1)));
		$this->assertSame($cap - 1, Key_Service::count_active());
		$this->assertSame('active', Key_Service::enable($k['id'], $this->admin())['status']);
	}

	public function test_a_lower_cap_does_not_touch_the_keys_already_active(): void {
		$k = $this->createKey(array('name' => 'cap lowered', 'permissions' => Permissions::ALL));
		$this->updateSettings(array('key_cap' => 1));
		$this->assertGreaterThanOrEqual(1, Key_Service::count_active());
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])));
		$this->expectException(Conflict_Error::class);
		Key_Service::create(array('name' => self::name('cap lowered 2'), 'permissions' => array('services:read')), $this->admin());
	}
}
