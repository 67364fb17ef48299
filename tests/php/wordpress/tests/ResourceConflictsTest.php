<?php
/**
 * Resources in-process: docs/api.md resource 409 codes: email_taken, slot_unavailable and customer_has_bookings,
 * on LatePoint tables made by the stack's fixture and a small dataset of this run (removed afterwards).
 * The resources themselves are tested over HTTP (tests/e2e/resources.test.mjs); this is about the codes
 * and their envelope and headers.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

final class ResourceConflictsTest extends LatePointTestCase {

	private function key(): string {
		return $this->createKey(array('name' => 'resources', 'rate_limit_per_minute' => 1000))['key'];
	}

	public function test_a_customer_email_that_is_taken_is_a_409_email_taken(): void {
		$key   = $this->key();
		$email = 'taken.' . self::$run . '@example.com';
		$this->assertSuccess($this->api('POST', '/customers', array('key' => $key, 'json' => array('email' => $email, 'first_name' => 'Taken', 'last_name' => 'Wp' . self::$run))), 201);
		foreach (array($email, strtoupper($email)) as $again) {
			$r = $this->api('POST', '/customers', array('key' => $key, 'json' => array('email' => $again, 'first_name' => 'Again', 'last_name' => 'Wp' . self::$run)));
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
}
