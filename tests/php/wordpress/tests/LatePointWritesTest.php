<?php
/**
 * API writes go through LatePoint's models, as LatePoint's own admin makes them (docs/api.md, "Writes
 * through LatePoint"): the hooks its order form fires, in their order and with their arguments; one
 * activity per LatePoint listener, in LatePoint's format, authored by the "LatePoint API" user and
 * remembered with the key; LatePoint's price; a customer's password hash, activation key and nonce;
 * a delete that takes the booking's meta and process jobs along; and 503 latepoint_inactive for
 * writes where LatePoint is not active, while reads go on.
 *
 * Here the models are the stand-ins (tests/php/stand-ins/); tests/php/latepoint/ runs the same
 * writes against real LatePoint and compares them with its admin's.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\LatePoint\Api_Author;
use LatePointApi\Support\Schema;

final class LatePointWritesTest extends LatePointTestCase {

	/** The LatePoint actions the writes fire (the models' own latepoint_model_* ones left out). */
	const HOOKS = array(
		'latepoint_customer_created', 'latepoint_customer_updated', 'latepoint_booking_created', 'latepoint_booking_updated',
		'latepoint_booking_change_status', 'latepoint_order_created', 'latepoint_order_updated', 'latepoint_booking_will_be_deleted',
		'latepoint_booking_deleted', 'latepoint_order_item_will_be_deleted', 'latepoint_order_item_deleted',
	);

	protected function setUp(): void {
		parent::setUp();
		$this->assertTrue(class_exists('OsBookingModel'), 'LatePoint\'s models (real, or the stand-ins of LPAPI_LATEPOINT_STAND_IN=1) are loaded');
	}

	/**
	 * The LatePoint actions fired during $run, in order, each as "name(ArgClass, ...)".
	 *
	 * @return string[]
	 */
	private function fired(callable $run, array &$args = array()): array {
		$fired = array();
		foreach (self::HOOKS as $hook) {
			$this->filter($hook, static function (...$given) use ($hook, &$fired, &$args) {
				$fired[] = $hook . '(' . implode(', ', array_map(static fn ($a) => is_object($a) ? get_class($a) : gettype($a), $given)) . ')';
				$args[]  = $given;
				return $given[0] ?? null;
			}, 10, 3);
		}
		$run();
		return $fired;
	}

	/** @return array<int, array<string, string>> the activities of a booking/order/customer, oldest first */
	private function activities(string $column, int $id): array {
		global $wpdb;
		return $wpdb->get_results($wpdb->prepare('SELECT * FROM ' . self::t('activities') . " WHERE {$column} = %d ORDER BY id", $id), ARRAY_A);
	}

	private function keyAndId(): array {
		$made = $this->createKey(array('name' => 'writes', 'rate_limit_per_minute' => 1000));
		return array($made['key'], (int) $made['id']);
	}

	public function test_a_booking_is_created_as_latepoints_order_form_creates_it(): void {
		global $wpdb;
		list($key, $key_id) = $this->keyAndId();
		$created = null;
		$args    = array();
		$fired   = $this->fired(function () use ($key, &$created) {
			$created = $this->assertSuccess($this->book($key, self::$d['customer1'], '09:00', array('customer_comment' => 'Window seat')), 201);
		}, $args);
		$this->assertSame(array(
			'latepoint_customer_updated(OsCustomerModel, array)',
			'latepoint_booking_created(OsBookingModel)',
			'latepoint_order_created(OsOrderModel)',
		), $fired);
		$this->assertSame($created['id'], (int) $args[1][0]->id);
		$this->assertSame(540, (int) $args[1][0]->start_time, 'the booking model carries the saved booking');
		$this->assertSame($created['order_id'], (int) $args[2][0]->id);

		$order = $wpdb->get_row($wpdb->prepare('SELECT * FROM ' . self::t('orders') . ' WHERE id = %d', $created['order_id']), ARRAY_A);
		$this->assertSame('45.5000', $order['total'], 'LatePoint\'s price of the service');
		$this->assertSame('45.5000', $order['subtotal']);
		$this->assertSame('Window seat', $order['customer_comment']);
		$this->assertNotEmpty(json_decode((string) $order['price_breakdown'], true)['before_subtotal'] ?? null, 'the price breakdown LatePoint\'s form saves');
		$item = $wpdb->get_row($wpdb->prepare('SELECT * FROM ' . self::t('order_items') . ' WHERE id = %d', $created['order_item_id']), ARRAY_A);
		$this->assertSame('45.5000', $item['total']);
		$this->assertSame($created['id'], (int) json_decode($item['item_data'], true)['id'], 'item_data names the saved booking');

		$booking_activities = $this->activities('booking_id', $created['id']);
		$this->assertSame(array('booking_created'), array_column($booking_activities, 'code'), 'one activity, written by LatePoint\'s listener');
		$this->assertSame($created['id'], (int) json_decode($booking_activities[0]['description'], true)['booking_data_vars']['id'], 'in LatePoint\'s JSON format');
		$this->assertSame(array('order_created'), array_column($this->activities('order_id', $created['order_id']), 'code'));
		$author = Api_Author::user_id();
		$this->assertGreaterThan(0, $author);
		$this->assertSame('LatePoint API', get_userdata($author)->display_name);
		$this->assertSame(array(), get_userdata($author)->roles, 'the API user has no role');
		foreach (array_merge($booking_activities, $this->activities('order_id', $created['order_id'])) as $activity) {
			$this->assertSame('wp_user', $activity['initiated_by']);
			$this->assertSame($author, (int) $activity['initiated_by_id']);
			$this->assertSame($key_id, (int) $wpdb->get_var($wpdb->prepare('SELECT key_id FROM ' . Schema::activity_authors() . ' WHERE activity_id = %d', $activity['id'])), 'the key that wrote it is remembered');
		}
		$vars = apply_filters('latepoint_activity_view_vars', array('meta_html' => ''), (object) array('id' => (int) $booking_activities[0]['id']));
		$this->assertStringContainsString('writes', $vars['meta_html'], 'LatePoint\'s Activities view names the key');
		$this->assertStringNotContainsString($key, $vars['meta_html']);
	}

	public function test_a_reschedule_and_a_status_change_fire_latepoints_update_hooks(): void {
		list($key) = $this->keyAndId();
		$created   = $this->assertSuccess($this->book($key, self::$d['customer2'], '13:00'), 201);
		$args      = array();
		$fired     = $this->fired(function () use ($key, $created) {
			$this->assertSuccess($this->api('PATCH', '/bookings/' . $created['id'], array('key' => $key, 'json' => array('start_time' => '14:00'))));
		}, $args);
		$this->assertSame(array(
			'latepoint_customer_updated(OsCustomerModel, array)',
			'latepoint_booking_updated(OsBookingModel, OsBookingModel)',
			'latepoint_order_updated(OsOrderModel, OsOrderModel)',
		), $fired);
		$this->assertSame(840, (int) $args[1][0]->start_time);
		$this->assertSame(780, (int) $args[1][1]->start_time, 'the old model is the booking before the change');

		$fired = $this->fired(function () use ($key, $created) {
			$this->assertSuccess($this->api('PATCH', '/bookings/' . $created['id'], array('key' => $key, 'json' => array('status' => 'cancelled'))));
		});
		$this->assertSame(array(
			'latepoint_customer_updated(OsCustomerModel, array)',
			'latepoint_booking_updated(OsBookingModel, OsBookingModel)',
			'latepoint_booking_change_status(OsBookingModel, OsBookingModel)',
			'latepoint_order_updated(OsOrderModel, OsOrderModel)',
		), $fired);
		$codes = array_column($this->activities('booking_id', $created['id']), 'code');
		$this->assertSame(array('booking_created', 'booking_updated', 'booking_updated', 'booking_change_status'), $codes);
	}

	public function test_a_delete_removes_the_booking_its_meta_jobs_item_and_order(): void {
		global $wpdb;
		list($key) = $this->keyAndId();
		$created   = $this->assertSuccess($this->book($key, self::$d['customer2'], '16:00'), 201);
		$wpdb->insert(self::t('booking_meta'), array('object_id' => $created['id'], 'meta_key' => 'key_to_manage_for_customer', 'meta_value' => 'x'));
		$wpdb->insert(self::t('process_jobs'), array('object_id' => $created['id'], 'object_model_type' => 'booking', 'process_id' => 1, 'status' => 'scheduled'));
		$fired = $this->fired(function () use ($key, $created) {
			$this->assertSuccess($this->api('DELETE', '/bookings/' . $created['id'], array('key' => $key)));
		});
		// As LatePoint's "Delete order" for an order of one booking: one action, no activity.
		$this->assertSame(array('latepoint_booking_will_be_deleted(string)'), $fired);
		foreach (array('bookings' => 'id', 'booking_meta' => 'object_id', 'order_items' => 'id') as $table => $column) {
			$id = 'order_items' === $table ? $created['order_item_id'] : $created['id'];
			$this->assertSame(0, (int) $wpdb->get_var($wpdb->prepare('SELECT COUNT(*) FROM ' . self::t($table) . " WHERE {$column} = %d", $id)), "nothing left in {$table}");
		}
		$this->assertSame(0, (int) $wpdb->get_var($wpdb->prepare('SELECT COUNT(*) FROM ' . self::t('process_jobs') . " WHERE object_id = %d AND object_model_type = 'booking'", $created['id'])));
		$this->assertSame(0, (int) $wpdb->get_var($wpdb->prepare('SELECT COUNT(*) FROM ' . self::t('orders') . ' WHERE id = %d', $created['order_id'])), 'the order of the booking is gone');
		$this->assertSame(array('booking_created'), array_column($this->activities('booking_id', $created['id']), 'code'));
	}

	public function test_a_customer_is_made_by_latepoints_model_with_its_secrets(): void {
		global $wpdb;
		list($key) = $this->keyAndId();
		$email     = 'model.' . self::$run . '@example.com';
		$created   = null;
		$args      = array();
		$fired     = $this->fired(function () use ($key, $email, &$created) {
			$created = $this->assertSuccess($this->api('POST', '/customers', array('key' => $key, 'json' => array('email' => $email, 'first_name' => 'Mo', 'last_name' => 'Del'))), 201);
		}, $args);
		$this->assertSame(array('latepoint_customer_created(OsCustomerModel)'), $fired);
		$row = $wpdb->get_row($wpdb->prepare('SELECT * FROM ' . self::t('customers') . ' WHERE id = %d', $created['id']), ARRAY_A);
		foreach (array('password', 'activation_key', 'account_nonse') as $column) {
			$this->assertNotEmpty($row[$column], "LatePoint's model fills {$column}");
		}
		$this->assertSame('pending_verification', $row['status']);
		$this->assertArrayNotHasKey('password', $created, 'the hash is not shown');

		$fired = $this->fired(function () use ($key, $created) {
			$this->assertSuccess($this->api('PATCH', '/customers/' . $created['id'], array('key' => $key, 'json' => array('first_name' => 'Renamed'))));
		}, $args);
		$this->assertSame(array('latepoint_customer_updated(OsCustomerModel, array)'), $fired);
		$this->assertSame('Renamed', end($args)[0]->first_name);
		$this->assertSame('Mo', end($args)[1]['first_name'], 'the old data is from before the change');

		$r = $this->api('POST', '/customers', array('key' => $key, 'json' => array('email' => 'nameless.' . self::$run . '@example.com')));
		$this->assertError($r, 422, 'validation_failed');
		$this->assertArrayHasKey('customer', $r->data['error']['details']['fields'], 'LatePoint\'s own validation (names are required by default)');

		$fired = $this->fired(function () use ($key, $created) {
			$this->assertSuccess($this->api('DELETE', '/customers/' . $created['id'], array('key' => $key)));
		});
		$this->assertSame(array(), $fired, 'LatePoint\'s admin fires no hook for a customer delete');
		$this->assertNull($wpdb->get_var($wpdb->prepare('SELECT id FROM ' . self::t('customers') . ' WHERE id = %d', $created['id'])));
	}

	public function test_without_latepoint_writes_are_503_latepoint_inactive_and_reads_go_on(): void {
		list($key) = $this->keyAndId();
		$this->filter('lpapi_latepoint_active', '__return_false');
		$this->assertError($this->book($key, self::$d['customer1'], '10:00'), 503, 'latepoint_inactive', 'POST /bookings');
		foreach (array(
			array('PATCH', '/customers/' . self::$d['customer1'], array('first_name' => 'No')),
			array('DELETE', '/customers/' . self::$d['customer1'], array()),
			array('POST', '/customers', array('email' => 'inactive.' . self::$run . '@example.com', 'first_name' => 'A', 'last_name' => 'B')),
		) as list($method, $path, $body)) {
			$this->assertError($this->api($method, $path, array('key' => $key, 'json' => $body)), 503, 'latepoint_inactive', "$method $path");
		}
		$this->assertSuccess($this->api('GET', '/customers/' . self::$d['customer1'], array('key' => $key)));
		$this->assertSuccess($this->api('GET', '/bookings', array('key' => $key)));
	}

	/** A create with a new customer inline (the body has no customer_id). */
	private function bookInline(string $key, string $time, array $customer): Response {
		return $this->api('POST', '/bookings', array('key' => $key, 'json' => array(
			'customer'    => $customer,
			'service_id'  => self::$d['service'],
			'agent_id'    => self::$d['agent'],
			'location_id' => self::$d['location'],
			'start_date'  => self::$date,
			'start_time'  => $time,
		)));
	}

	public function test_an_inline_new_customer_is_created_as_latepoints_order_form_creates_one(): void {
		global $wpdb;
		list($key) = $this->keyAndId();
		$email     = 'inline.' . self::$run . '@example.com';
		$created   = null;
		$args      = array();
		$presented = array();
		$this->filter('lpapi_customer_created', static function ($customer) use (&$presented) {
			$presented[] = $customer;
		});
		$fired = $this->fired(function () use ($key, $email, &$created) {
			$created = $this->assertSuccess($this->bookInline($key, '11:00', array('email' => $email, 'first_name' => 'In', 'last_name' => 'Line', 'phone' => '+1 555 0100')), 201);
		}, $args);
		$this->assertSame(array(
			'latepoint_customer_created(OsCustomerModel)',
			'latepoint_booking_created(OsBookingModel)',
			'latepoint_order_created(OsOrderModel)',
		), $fired, 'a new customer: created, not updated, as the order form does');
		$row = $wpdb->get_row($wpdb->prepare('SELECT * FROM ' . self::t('customers') . ' WHERE email = %s', $email), ARRAY_A);
		$this->assertSame($created['customer_id'], (int) $row['id']);
		$this->assertSame((int) $row['id'], (int) $args[0][0]->id, 'the hook carries the saved customer');
		foreach (array('password', 'activation_key', 'account_nonse') as $column) {
			$this->assertNotEmpty($row[$column], "LatePoint's model fills {$column}");
		}
		$this->assertSame(array($email), array_column($presented, 'email'), 'lpapi_customer_created after the commit');

		// The same email again: that customer, saved with the order as an existing one (customer_updated), unchanged.
		$fired = $this->fired(function () use ($key, $email, &$created) {
			$created = $this->assertSuccess($this->bookInline($key, '12:00', array('email' => $email, 'first_name' => 'Other')), 201);
		});
		$this->assertSame('latepoint_customer_updated(OsCustomerModel, array)', $fired[0]);
		$this->assertSame((int) $row['id'], $created['customer_id']);
		$this->assertSame('In', $wpdb->get_var($wpdb->prepare('SELECT first_name FROM ' . self::t('customers') . ' WHERE id = %d', $row['id'])));
		$this->assertCount(1, $presented);
	}

	public function test_agent_any_runs_latepoints_assignment_filters(): void {
		list($key) = $this->keyAndId();
		$seen = array();
		$this->filter('latepoint_agent_ids_assignable_to_any_agent_booking', static function ($ids, $booking) use (&$seen) {
			$seen[] = array('assignable', $ids, get_class($booking), $booking->agent_id, (int) $booking->service_id);
			return $ids;
		}, 10, 2);
		$this->filter('latepoint_get_any_agent_id_for_booking_by_rule', static function ($id, $agents, $booking, $rule) use (&$seen) {
			$seen[] = array('by_rule', (int) $id, array_map(static fn ($a) => get_class($a) . '#' . $a->id, $agents), $rule);
			return $id;
		}, 10, 4);
		$r     = $this->book($key, self::$d['customer1'], '13:00', array('agent_id' => 'any'));
		$made  = $this->assertSuccess($r, 201);
		$agent = self::$d['agent'];
		$this->assertSame($agent, $made['agent_id']);
		$this->assertSame(array('requested' => 'any', 'agent_id' => $agent, 'rule' => 'random'), $r->data['meta']['agent_assignment']);
		$this->assertSame(array(
			array('assignable', array($agent), 'OsBookingModel', 'any', self::$d['service']),
			array('by_rule', $agent, array('OsAgentModel#' . $agent), 'random'),
		), $seen);

		// The slot is taken now: no agent is free.
		$r = $this->book($key, self::$d['customer1'], '13:00', array('agent_id' => 'any'));
		$this->assertError($r, 409, 'slot_unavailable');
		$this->assertSame('no_agent_available', $r->data['error']['details']['reason']);
		// A filter that removes every candidate: none either, nothing written.
		$this->filter('latepoint_agent_ids_assignable_to_any_agent_booking', '__return_empty_array', 20);
		$r = $this->book($key, self::$d['customer1'], '14:00', array('agent_id' => 'any'));
		$this->assertError($r, 409, 'slot_unavailable');
	}
}
