<?php
/**
 * The plugin's scheduled jobs: the every-minute spool flush and the daily maintenance (purge, and
 * marking expired keys).
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Plugin;

final class MaintenanceTest extends TestCase {

	public function test_the_jobs_are_scheduled_and_hooked(): void {
		$this->assertNotFalse(wp_next_scheduled(Plugin::CRON_FLUSH));
		$this->assertNotFalse(wp_next_scheduled(Plugin::CRON_MAINTENANCE));
		$this->assertSame(Plugin::CRON_SCHEDULE, wp_get_schedule(Plugin::CRON_FLUSH));
		$this->assertSame('daily', wp_get_schedule(Plugin::CRON_MAINTENANCE));
		$this->assertSame(60, wp_get_schedules()[ Plugin::CRON_SCHEDULE ]['interval']);
		$this->assertNotFalse(has_action(Plugin::CRON_FLUSH, array(Audit_Log::class, 'flush')));
		$this->assertNotFalse(has_action(Plugin::CRON_MAINTENANCE, array(Plugin::class, 'daily_maintenance')));
	}

	public function test_the_minute_job_flushes_the_spool(): void {
		$k = $this->createKey(array('name' => 'cron flush'));
		$r = $this->api('GET', '/me', array('key' => $k['key']));
		$this->assertContains($r->requestId(), array_column(self::spooledRows(), 'request_id'));
		do_action(Plugin::CRON_FLUSH);
		$this->assertSame(array(), self::spooledRows());
		$this->assertCount(1, $this->logRows(array('request_id' => $r->requestId())));
	}

	public function test_daily_maintenance_marks_lapsed_keys_expired_and_leaves_the_others(): void {
		$past      = gmdate('Y-m-d H:i:s', time() - 60);
		$active    = $this->createKey(array('name' => 'lapsed active'));
		$disabled  = $this->createKey(array('name' => 'lapsed disabled'));
		$revoked   = $this->createKey(array('name' => 'lapsed revoked'));
		$future    = $this->createKey(array('name' => 'not yet', 'expires_at' => gmdate('Y-m-d\TH:i:s\Z', time() + DAY_IN_SECONDS)));
		$never     = $this->createKey(array('name' => 'never'));
		$rotated   = $this->createKey(array('name' => 'lapsed rotated'));
		Key_Service::disable($disabled['id'], $this->admin());
		Key_Service::revoke($revoked['id'], $this->admin());
		Key_Service::rotate($rotated['id'], 3600, $this->admin());
		foreach (array($active, $disabled, $revoked, $rotated) as $k) {
			$this->setKeyColumns($k['id'], array('expires_at' => $past, 'updated_at' => '2020-01-01 00:00:00'));
		}
		$this->assertSuccess($this->api('GET', '/me', array('key' => $future['key'])));
		$r = $this->api('GET', '/me', array('key' => $never['key']));

		do_action(Plugin::CRON_MAINTENANCE);

		$this->assertSame('expired', $this->keyRow($active['id'])['status']);
		$this->assertSame('expired', $this->keyRow($disabled['id'])['status']);
		$this->assertEqualsWithDelta(time(), strtotime($this->keyRow($active['id'])['updated_at'] . ' UTC'), 5);
		$this->assertSame('revoked', $this->keyRow($revoked['id'])['status']);
		$this->assertSame('rotated', $this->keyRow($rotated['id'])['status']);
		$this->assertSame('active', $this->keyRow($future['id'])['status']);
		$this->assertSame('active', $this->keyRow($never['id'])['status']);
		$this->assertError($this->api('GET', '/me', array('key' => $active['key'])), 401, 'key_expired');
		$this->assertError($this->api('GET', '/me', array('key' => $disabled['key'])), 401, 'key_expired');
		$this->assertSuccess($this->api('GET', '/me', array('key' => $future['key'])));
		$this->assertCount(1, $this->logRows(array('request_id' => $r->requestId())), 'maintenance flushes the spool first');

		$this->expectException(\LatePointApi\Support\Conflict_Error::class);
		Key_Service::enable($active['id'], $this->admin()); // an expired key stays expired
	}
}
