<?php
/**
 * Where webhook events come from (docs/api.md "Webhooks"): LatePoint's hooks, fired by the API's
 * writes through the stand-in LatePoint models or by do_action() as LatePoint's own screens fire
 * them; each event's data is what the API's GET returns; a listener never breaks the write; and
 * the daily key.expiring, once per key and expiry.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Keys\Key_Service;
use LatePointApi\LatePoint\Bookings;
use LatePointApi\LatePoint\Customers;
use LatePointApi\LatePoint\Orders;
use LatePointApi\Webhooks\Events;
use LatePointApi\Webhooks\Outbox;

require_once dirname(__DIR__) . '/support/WebhookFixtures.php';

final class WebhookEventsTest extends LatePointTestCase {

	use WebhookFixtures;

	/** @var int[] */
	private $transactions = array();

	protected function setUp(): void {
		parent::setUp();
		$this->setUpWebhooks();
		$this->assertTrue(class_exists('OsBookingModel'), 'LatePoint\'s models (real, or the stand-ins of LPAPI_LATEPOINT_STAND_IN=1) are loaded');
	}

	protected function tearDown(): void {
		global $wpdb;
		foreach ($this->transactions as $id) {
			$wpdb->delete(self::t('transactions'), array('id' => $id));
		}
		$this->tearDownWebhooks();
		parent::tearDown();
	}

	private function key(): string {
		return $this->createKey(array('name' => 'webhook events', 'rate_limit_per_minute' => 1000))['key'];
	}

	/** Ends the "request": what it queued and read is forgotten, as when its process ends. */
	private static function nextRequest(): void {
		Outbox::forget();
		Events::forget();
	}

	private static function time(): string {
		static $slot = 0;
		$slot = ($slot + 1) % 20;
		return sprintf('%02d:00', 2 + $slot);
	}

	public function test_an_api_booking_queues_booking_created_order_created_and_customer_updated_as_the_api_shows_them(): void {
		$hook    = (int) $this->endpoint(array('booking.created', 'order.created', 'customer.updated'))['record']['id'];
		$key     = $this->key();
		// LatePoint fires latepoint_customer_updated before the booking is saved: the customer's stats as they were then.
		$stats   = json_decode((string) wp_json_encode(Customers::get(self::$d['customer1'])['stats']), true);
		$created = $this->assertSuccess($this->book($key, self::$d['customer1'], self::time()), 201);
		self::nextRequest();

		$booking = $this->eventsOf($hook, 'booking.created');
		$this->assertCount(1, $booking);
		$this->assertSame((string) $created['id'], $booking[0]['object_id']);
		$this->assertEquals(json_decode((string) wp_json_encode(Bookings::present(Bookings::row($created['id']))), true), $booking[0]['body']['data']);
		$this->assertSame($created['id'], $booking[0]['body']['data']['id']);

		$order = $this->eventsOf($hook, 'order.created');
		$this->assertCount(1, $order);
		$this->assertEquals(json_decode((string) wp_json_encode(Orders::one($created['order_id'])), true), $order[0]['body']['data']);

		$customer = $this->eventsOf($hook, 'customer.updated');
		$this->assertCount(1, $customer);
		$this->assertEquals(array('stats' => $stats) + json_decode((string) wp_json_encode(Customers::get(self::$d['customer1'])), true), $customer[0]['body']['data']);
		$this->assertCount(3, $this->deliveriesOf($hook));
	}

	public function test_latepoints_own_hooks_queue_events_whatever_fired_them(): void {
		$hook    = (int) $this->endpoint(array('booking.created', 'customer.created', 'transaction.created'))['record']['id'];
		$created = $this->assertSuccess($this->book($this->key(), self::$d['customer2'], self::time()), 201);
		self::nextRequest();
		$before = count($this->eventsOf($hook));

		// As LatePoint's admin fires them.
		do_action('latepoint_booking_created', new \OsBookingModel($created['id']));
		do_action('latepoint_customer_created', new \OsCustomerModel(self::$d['customer2']));
		$customer = json_decode((string) wp_json_encode(Customers::get(self::$d['customer2'])), true);
		global $wpdb;
		$wpdb->insert(self::t('transactions'), array('order_id' => $created['order_id'], 'customer_id' => self::$d['customer2'], 'processor' => 'stripe', 'payment_method' => 'card', 'payment_portion' => 'full', 'kind' => 'capture', 'status' => 'succeeded', 'amount' => '45.5000', 'created_at' => current_time('mysql'), 'updated_at' => current_time('mysql')));
		$transaction          = (int) $wpdb->insert_id;
		$this->transactions[] = $transaction;
		$model                = new \stdClass();
		$model->id            = $transaction;
		do_action('latepoint_transaction_created', $model);

		$events = array_slice($this->eventsOf($hook), $before);
		$this->assertSame(array('booking.created', 'customer.created', 'transaction.created'), array_column($events, 'type'));
		$this->assertEquals(json_decode((string) wp_json_encode(Bookings::present(Bookings::row($created['id']))), true), $events[0]['body']['data']);
		$this->assertEquals($customer, $events[1]['body']['data']);
		$this->assertEquals(json_decode((string) wp_json_encode(Orders::transaction($transaction)), true), $events[2]['body']['data']);
		$this->assertSame($created['order_id'], $events[2]['body']['data']['order_id']);
	}

	public function test_a_status_change_queues_booking_updated_and_booking_status_changed_with_the_previous_status(): void {
		$hook    = (int) $this->endpoint(array('booking.updated', 'booking.status_changed'))['record']['id'];
		$key     = $this->key();
		$created = $this->assertSuccess($this->book($key, self::$d['customer1'], self::time()), 201);
		self::nextRequest();

		$this->assertSuccess($this->api('PATCH', '/bookings/' . $created['id'], array('key' => $key, 'json' => array('status' => 'cancelled'))));
		self::nextRequest();
		$updated = $this->eventsOf($hook, 'booking.updated');
		$changed = $this->eventsOf($hook, 'booking.status_changed');
		$this->assertCount(1, $updated);
		$this->assertCount(1, $changed);
		$now = json_decode((string) wp_json_encode(Bookings::present(Bookings::row($created['id']))), true);
		$this->assertSame('cancelled', $now['status']);
		$this->assertEquals($now, $updated[0]['body']['data']);
		$this->assertEquals($now, $changed[0]['body']['data']);
		$this->assertSame('approved', $changed[0]['body']['previous_status']);
		$this->assertArrayNotHasKey('previous_status', $updated[0]['body']);

		// Without a status change: booking.updated only.
		$this->assertSuccess($this->api('PATCH', '/bookings/' . $created['id'], array('key' => $key, 'json' => array('start_time' => self::time()))));
		$this->assertCount(2, $this->eventsOf($hook, 'booking.updated'));
		$this->assertCount(1, $this->eventsOf($hook, 'booking.status_changed'));
	}

	public function test_a_deleted_booking_is_one_booking_deleted_with_the_booking_as_it_was(): void {
		$hook    = (int) $this->endpoint(array('booking.deleted'))['record']['id'];
		$key     = $this->key();
		$created = $this->assertSuccess($this->book($key, self::$d['customer1'], self::time()), 201);
		self::nextRequest();
		$was = json_decode((string) wp_json_encode(Bookings::present(Bookings::row($created['id']))), true);

		// The API's delete: latepoint_booking_will_be_deleted, then the model's latepoint_model_deleted.
		$this->assertSuccess($this->api('DELETE', '/bookings/' . $created['id'], array('key' => $key)));
		$events = $this->eventsOf($hook, 'booking.deleted');
		$this->assertCount(1, $events);
		$this->assertSame((string) $created['id'], $events[0]['object_id']);
		$this->assertEquals($was, $events[0]['body']['data']);

		// LatePoint's own order: will_be_deleted, the row goes, model_deleted, booking_deleted: still one event.
		$other = $this->assertSuccess($this->book($key, self::$d['customer2'], self::time()), 201);
		self::nextRequest();
		$was   = json_decode((string) wp_json_encode(Bookings::present(Bookings::row($other['id']))), true);
		$model = new \OsBookingModel($other['id']);
		do_action('latepoint_booking_will_be_deleted', $other['id']);
		$model->delete();
		do_action('latepoint_booking_deleted', $other['id']);
		$events = $this->eventsOf($hook, 'booking.deleted');
		$this->assertCount(2, $events);
		$this->assertEquals($was, $events[1]['body']['data']);

		// A delete that did not happen (the row is still there) queues nothing.
		$kept = $this->assertSuccess($this->book($key, self::$d['customer2'], self::time()), 201);
		do_action('latepoint_booking_will_be_deleted', $kept['id']);
		do_action('latepoint_booking_deleted', $kept['id']);
		$this->assertCount(2, $this->eventsOf($hook, 'booking.deleted'));
	}

	public function test_a_listener_that_fails_never_breaks_the_write(): void {
		$hook    = (int) $this->endpoint(array('booking.created', 'booking.updated', 'customer.created', 'order.created', 'transaction.created', 'booking.deleted'))['record']['id'];
		$id      = 2000000000 + random_int(0, 100000);
		$missing = static function (string $class) use ($id) {
			$model     = new $class();
			$model->id = $id;
			return $model;
		};
		// Ids that do not exist: the listeners' reads throw Not_Found_Error, which stays with them.
		do_action('latepoint_booking_created', $missing('OsBookingModel'));
		do_action('latepoint_booking_updated', $missing('OsBookingModel'), $missing('OsBookingModel'));
		do_action('latepoint_customer_created', $missing('OsCustomerModel'));
		do_action('latepoint_order_created', $missing('OsOrderModel'));
		do_action('latepoint_transaction_created', $missing('stdClass'));
		do_action('latepoint_booking_will_be_deleted', $id);
		do_action('latepoint_booking_deleted', $id);
		do_action('latepoint_booking_created', new \OsBookingModel());
		$this->assertSame(array(), $this->eventsOf($hook));

		// And the API's write through LatePoint's models goes on while queuing fails (the database refuses it).
		$this->failQueries(static fn (string $query): bool => false !== strpos($query, 'lpapi_webhook_events'));
		$created = $this->assertSuccess($this->book($this->key(), self::$d['customer1'], self::time()), 201);
		$this->assertNotSame(array(), Bookings::row($created['id']));
	}

	public function test_a_rolled_back_write_leaves_no_event(): void {
		global $wpdb;
		$hook    = (int) $this->endpoint(array('booking.updated'))['record']['id'];
		$created = $this->assertSuccess($this->book($this->key(), self::$d['customer1'], self::time()), 201);
		self::nextRequest();
		$model = new \OsBookingModel($created['id']);
		$wpdb->query('START TRANSACTION');
		try {
			do_action('latepoint_booking_updated', $model, $model);
			$this->assertCount(1, $this->eventsOf($hook), 'queued in the transaction');
		} finally {
			$wpdb->query('ROLLBACK');
		}
		$this->assertSame(array(), $this->eventsOf($hook));
		$this->assertSame(array(), $this->deliveriesOf($hook));

		do_action('latepoint_booking_updated', $model, $model);
		$this->assertCount(1, $this->eventsOf($hook), 'the same booking in the same request, after the rollback');
	}

	public function test_key_expiring_is_queued_once_per_key_and_expiry(): void {
		$hook  = (int) $this->endpoint(array('key.expiring'))['record']['id'];
		$soon  = $this->createKey(array('name' => 'expires soon'));
		$later = $this->createKey(array('name' => 'expires later'));
		$this->setKeyColumns($soon['id'], array('expires_at' => gmdate('Y-m-d H:i:s', time() + 3 * DAY_IN_SECONDS)));
		$this->setKeyColumns($later['id'], array('expires_at' => gmdate('Y-m-d H:i:s', time() + 10 * DAY_IN_SECONDS)));
		$of = function (int $key_id) use ($hook): array {
			return array_values(array_filter($this->eventsOf($hook, 'key.expiring'), static fn (array $e): bool => (string) $key_id === $e['object_id']));
		};

		$this->assertGreaterThanOrEqual(1, Events::keys_expiring());
		$events = $of($soon['id']);
		$this->assertCount(1, $events);
		$this->assertEquals(json_decode((string) wp_json_encode(Key_Service::get($soon['id'])), true), $events[0]['body']['data']);
		$this->assertSame(array(), $of($later['id']), 'not within 7 days');

		$this->assertSame(0, Events::keys_expiring(), 'again in the same run');
		self::nextRequest();
		$this->assertSame(0, Events::keys_expiring(), 'again the next day');
		$this->assertCount(1, $of($soon['id']));

		// A new expiry is told again, in the same run too.
		$this->setKeyColumns($soon['id'], array('expires_at' => gmdate('Y-m-d H:i:s', time() + 4 * DAY_IN_SECONDS)));
		$this->assertGreaterThanOrEqual(1, Events::keys_expiring());
		$this->assertCount(2, $of($soon['id']));
		$this->assertSame(array(), $of($later['id']));
		// Other keys of the site may expire within 7 days too (earlier suites'): only this key's events count.
		$mine = array_map(static fn (array $e): string => (string) $e['id'], $of($soon['id']));
		$sent = array_filter($this->deliveriesOf($hook), static fn (array $d): bool => in_array((string) $d['event_id'], $mine, true));
		$this->assertCount(2, $sent, 'one delivery each');
	}
}
