<?php
/**
 * A small LatePoint dataset of one test class, on the stack's LatePoint tables (the stand-in tables of
 * scripts/stack/latepoint-fixture.php, with the stand-in models of tests/php/stand-ins/): an agent, a
 * 60-minute single-capacity service priced 45.5000, a location, the agent working every day around
 * the clock, and two customers; everything of the run (named after a random run id) is removed
 * afterwards, the rows LatePoint's models wrote along (orders, items, meta, activities) included.
 * The base of the in-WordPress tests that need LatePoint's tables.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\LatePoint\Tables;

abstract class LatePointTestCase extends TestCase {

	/** @var array<string, int> */
	protected static $d = array();
	/** @var string */
	protected static $run = '';
	/** @var string a free day, far ahead */
	protected static $date = '';

	protected static function t(string $table): string {
		global $wpdb;
		return $wpdb->prefix . 'latepoint_' . $table;
	}

	public static function setUpBeforeClass(): void {
		parent::setUpBeforeClass();
		self::createLatePointData();
	}

	public static function tearDownAfterClass(): void {
		self::removeLatePointData();
		parent::tearDownAfterClass();
	}

	protected function setUp(): void {
		parent::setUp();
		$this->assertNotSame(array(), self::$d, 'LatePoint\'s tables (scripts/stack/latepoint-fixture.php) are missing');
	}

	protected static function createLatePointData(): void {
		global $wpdb;
		if (!Tables::exist()) {
			return; // setUp says so
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
			'service'  => $insert('services', array('name' => "Wptests {$r}", 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 0, 'charge_amount' => '45.5000', 'capacity_min' => 1, 'capacity_max' => 1, 'status' => 'active', 'visibility' => 'visible')),
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

	protected static function removeLatePointData(): void {
		global $wpdb;
		if (!self::$d) {
			return;
		}
		$ids       = static fn (array $list): string => implode(',', array_map('intval', $list ?: array(0)));
		$in        = $ids($wpdb->get_col($wpdb->prepare('SELECT id FROM ' . self::t('customers') . ' WHERE email LIKE %s', '%.' . self::$run . '@example.com')));
		$orders    = $ids($wpdb->get_col('SELECT id FROM ' . self::t('orders') . " WHERE customer_id IN ({$in})"));
		$items     = $ids($wpdb->get_col('SELECT id FROM ' . self::t('order_items') . " WHERE order_id IN ({$orders})"));
		$agent     = (int) self::$d['agent'];
		$bookings  = $ids($wpdb->get_col('SELECT id FROM ' . self::t('bookings') . " WHERE agent_id = {$agent} OR customer_id IN ({$in})"));
		$wpdb->query('DELETE FROM ' . self::t('activities') . " WHERE customer_id IN ({$in}) OR booking_id IN ({$bookings}) OR order_id IN ({$orders}) OR order_item_id IN ({$items})");
		$wpdb->query('DELETE FROM ' . self::t('order_items') . " WHERE order_id IN ({$orders})");
		$wpdb->query('DELETE FROM ' . self::t('orders') . " WHERE id IN ({$orders})");
		$wpdb->query('DELETE FROM ' . self::t('bookings') . " WHERE id IN ({$bookings})");
		$wpdb->query('DELETE FROM ' . self::t('customers') . " WHERE id IN ({$in})");
		$wpdb->query('DELETE FROM ' . self::t('work_periods') . " WHERE agent_id = {$agent}");
		$wpdb->query('DELETE FROM ' . self::t('agents_services') . " WHERE agent_id = {$agent}");
		$wpdb->delete(self::t('agents'), array('id' => $agent));
		$wpdb->delete(self::t('services'), array('id' => self::$d['service']));
		$wpdb->delete(self::t('locations'), array('id' => self::$d['location']));
		self::$d = array();
	}

	protected function book(string $key, int $customer, string $time, array $more = array()): Response {
		return $this->api('POST', '/bookings', array('key' => $key, 'json' => $more + array(
			'customer_id' => $customer,
			'service_id'  => self::$d['service'],
			'agent_id'    => self::$d['agent'],
			'location_id' => self::$d['location'],
			'start_date'  => self::$date,
			'start_time'  => $time,
			'status'      => 'approved',
		)));
	}
}
