<?php
/**
 * Resources in-process: LatePoint's own hooks fired with its model objects (stand-ins in
 * support/latepoint-models.php), and docs/api.md resource 409 codes: email_taken, slot_unavailable and customer_has_bookings,
 * on LatePoint tables made by the stack's fixture and a small dataset of this run (removed afterwards).
 * The resources themselves are tested over HTTP (tests/e2e/resources.test.mjs); this is about the codes
 * and their envelope and headers.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\LatePoint\Tables;

require_once dirname(__DIR__) . '/support/latepoint-models.php';

final class ResourceConflictsTest extends TestCase {

	/** @var array<string, int> */
	private static $d = array();
	/** @var string */
	private static $run = '';
	/** @var string a free day, far ahead */
	private static $date = '';

	private static function t(string $table): string {
		global $wpdb;
		return $wpdb->prefix . 'latepoint_' . $table;
	}

	public static function setUpBeforeClass(): void {
		global $wpdb;
		parent::setUpBeforeClass();
		if (!Tables::exist()) {
			return; // the test says so
		}
		self::$run  = bin2hex(random_bytes(4));
		self::$date = gmdate('Y-m-d', strtotime('2031-01-01 UTC') + random_int(0, 20000) * DAY_IN_SECONDS);
		$now        = current_time('mysql');
		$insert     = static function (string $table, array $row) use ($wpdb, $now): int {
			$wpdb->insert(self::t($table), $row + array('created_at' => $now, 'updated_at' => $now));
			return (int) $wpdb->insert_id;
		};
		$r       = self::$run;
		self::$d = array(
			'agent'    => $insert('agents', array('first_name' => "Wp{$r}", 'last_name' => 'Tests', 'email' => "agent.{$r}@example.com", 'status' => 'active')),
			'service'  => $insert('services', array('name' => "Wptests {$r}", 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 0, 'capacity_min' => 1, 'capacity_max' => 1, 'status' => 'active', 'visibility' => 'visible')),
			'location' => $insert('locations', array('name' => "Wptests {$r}", 'status' => 'active')),
		);
		$insert('agents_services', array('agent_id' => self::$d['agent'], 'service_id' => self::$d['service'], 'location_id' => self::$d['location']));
		for ($day = 1; $day <= 7; $day++) {
			$insert('work_periods', array('agent_id' => self::$d['agent'], 'service_id' => 0, 'location_id' => 0, 'start_time' => 0, 'end_time' => 1440, 'week_day' => $day));
		}
		foreach (array(1, 2) as $i) {
			self::$d["customer{$i}"] = $insert('customers', array('first_name' => "C{$i}", 'last_name' => "Wp{$r}", 'email' => "c{$i}.{$r}@example.com", 'status' => 'active', 'is_guest' => 1));
		}
	}

	public static function tearDownAfterClass(): void {
		global $wpdb;
		if (self::$d) {
			$customers = $wpdb->get_col($wpdb->prepare('SELECT id FROM ' . self::t('customers') . ' WHERE email LIKE %s', '%.' . self::$run . '@example.com'));
			$in        = implode(',', array_map('intval', $customers ?: array(0)));
			$orders    = implode(',', array_map('intval', $wpdb->get_col('SELECT id FROM ' . self::t('orders') . " WHERE customer_id IN ({$in})") ?: array(0)));
			$agent     = (int) self::$d['agent'];
			$wpdb->query('DELETE FROM ' . self::t('order_items') . " WHERE order_id IN ({$orders})");
			$wpdb->query('DELETE FROM ' . self::t('orders') . " WHERE id IN ({$orders})");
			$wpdb->query('DELETE FROM ' . self::t('bookings') . " WHERE agent_id = {$agent} OR customer_id IN ({$in})");
			$wpdb->query('DELETE FROM ' . self::t('activities') . " WHERE agent_id = {$agent} OR customer_id IN ({$in})");
			$wpdb->query('DELETE FROM ' . self::t('customers') . " WHERE id IN ({$in})");
			$wpdb->query('DELETE FROM ' . self::t('work_periods') . " WHERE agent_id = {$agent}");
			$wpdb->query('DELETE FROM ' . self::t('agents_services') . " WHERE agent_id = {$agent}");
			$wpdb->delete(self::t('agents'), array('id' => $agent));
			$wpdb->delete(self::t('services'), array('id' => self::$d['service']));
			$wpdb->delete(self::t('locations'), array('id' => self::$d['location']));
		}
		parent::tearDownAfterClass();
	}

	protected function setUp(): void {
		parent::setUp();
		$this->assertNotSame(array(), self::$d, 'LatePoint\'s tables (scripts/stack/latepoint-fixture.php) are missing');
	}

	private function key(): string {
		return $this->createKey(array('name' => 'resources', 'rate_limit_per_minute' => 1000))['key'];
	}

	private function book(string $key, int $customer, string $time): Response {
		return $this->api('POST', '/bookings', array('key' => $key, 'json' => array(
			'customer_id' => $customer,
			'service_id'  => self::$d['service'],
			'agent_id'    => self::$d['agent'],
			'location_id' => self::$d['location'],
			'start_date'  => self::$date,
			'start_time'  => $time,
			'status'      => 'approved',
		)));
	}

	public function test_a_customer_email_that_is_taken_is_a_409_email_taken(): void {
		$key   = $this->key();
		$email = 'taken.' . self::$run . '@example.com';
		$this->assertSuccess($this->api('POST', '/customers', array('key' => $key, 'json' => array('email' => $email, 'first_name' => 'Taken'))), 201);
		foreach (array($email, strtoupper($email)) as $again) {
			$r = $this->api('POST', '/customers', array('key' => $key, 'json' => array('email' => $again)));
			$this->assertError($r, 409, 'email_taken', $again);
			$this->assertRateHeaders($r, 1000, 3600);
		}
	}

	public function test_a_booking_on_a_taken_slot_is_a_409_slot_unavailable(): void {
		$key = $this->key();
		$this->assertSuccess($this->book($key, self::$d['customer1'], '10:00'), 201);
		$r = $this->book($key, self::$d['customer2'], '10:00');
		$this->assertError($r, 409, 'slot_unavailable');
		$this->assertRateHeaders($r, 1000, 3600);
		$this->assertError($this->book($key, self::$d['customer2'], '10:30'), 409, 'slot_unavailable', 'an overlap');
		$this->assertSuccess($this->book($key, self::$d['customer2'], '11:00'), 201);
	}

	public function test_deleting_a_customer_with_bookings_is_a_409_customer_has_bookings(): void {
		$key = $this->key();
		$this->assertSuccess($this->book($key, self::$d['customer1'], '15:00'), 201);
		$r = $this->api('DELETE', '/customers/' . self::$d['customer1'], array('key' => $key));
		$this->assertError($r, 409, 'customer_has_bookings');
		$this->assertRateHeaders($r, 1000, 3600);
		$this->assertSame(1, (int) $GLOBALS['wpdb']->get_var($GLOBALS['wpdb']->prepare('SELECT COUNT(*) FROM ' . self::t('customers') . ' WHERE id = %d', self::$d['customer1'])), 'the customer is still there');
	}

	/** @return array<int, array> the arguments of each call of $hook during $run */
	private function heard(string $hook, int $args, callable $run): array {
		$calls = array();
		$this->filter($hook, static function (...$given) use (&$calls) {
			$calls[] = $given;
			return $given[0];
		}, 10, $args);
		$run();
		return $calls;
	}

	public function test_booking_writes_fire_latepoints_hooks_with_its_models(): void {
		global $wpdb;
		$key     = $this->key();
		$created = null;
		$calls   = $this->heard('latepoint_booking_created', 1, function () use ($key, &$created) {
			$created = $this->assertSuccess($this->book($key, self::$d['customer2'], '13:00'), 201);
		});
		$this->assertCount(1, $calls);
		$this->assertInstanceOf(\OsBookingModel::class, $calls[0][0]);
		$this->assertSame($created['id'], (int) $calls[0][0]->id);
		$this->assertSame('780', (string) $calls[0][0]->row['start_time'], 'the model sees the saved row');

		$calls = $this->heard('latepoint_booking_updated', 2, function () use ($key, $created) {
			$this->assertSuccess($this->api('PATCH', '/bookings/' . $created['id'], array('key' => $key, 'json' => array('start_time' => '14:00'))));
		});
		$this->assertCount(1, $calls);
		list($new, $old) = $calls[0];
		$this->assertInstanceOf(\OsBookingModel::class, $new);
		$this->assertInstanceOf(\OsBookingModel::class, $old);
		$this->assertSame('840', (string) $new->row['start_time']);
		$this->assertSame('780', (string) $old->row['start_time'], 'the old model is the booking before the change');

		$still_there = null;
		$calls       = $this->heard('latepoint_booking_will_be_deleted', 1, function () use ($key, $created, $wpdb, &$still_there) {
			$this->assertSuccess($this->api('DELETE', '/bookings/' . $created['id'], array('key' => $key)));
		});
		$this->assertCount(1, $calls);
		$this->assertSame($created['id'], (int) $calls[0][0]);
		$this->assertNull($wpdb->get_var($wpdb->prepare('SELECT id FROM ' . self::t('bookings') . ' WHERE id = %d', $created['id'])), 'deleted after the hook');
	}

	public function test_customer_writes_fire_latepoints_hooks_with_its_models(): void {
		$key     = $this->key();
		$email   = 'hooks.' . self::$run . '@example.com';
		$created = null;
		$calls   = $this->heard('latepoint_customer_created', 1, function () use ($key, $email, &$created) {
			$created = $this->assertSuccess($this->api('POST', '/customers', array('key' => $key, 'json' => array('email' => $email, 'first_name' => 'Hook'))), 201);
		});
		$this->assertCount(1, $calls);
		$this->assertInstanceOf(\OsCustomerModel::class, $calls[0][0]);
		$this->assertSame($created['id'], (int) $calls[0][0]->id);

		$calls = $this->heard('latepoint_customer_updated', 2, function () use ($key, $created) {
			$this->assertSuccess($this->api('PATCH', '/customers/' . $created['id'], array('key' => $key, 'json' => array('first_name' => 'Renamed'))));
		});
		$this->assertCount(1, $calls);
		$this->assertInstanceOf(\OsCustomerModel::class, $calls[0][0]);
		$this->assertSame('Renamed', $calls[0][0]->row['first_name']);
		$this->assertSame('Hook', is_array($calls[0][1]) ? $calls[0][1]['first_name'] : $calls[0][1]->row['first_name'], 'the old data is from before the change');
	}
}
