<?php
/**
 * The webhook queue (Outbox): an event is one row and one pending delivery per enabled endpoint
 * subscribed to its type, written on the request's own connection (a rolled-back write leaves no
 * event); nothing without a subscriber; one event per type and object in a request, with the later
 * data; a dedupe name queued once ever; and Retry_Schedule, the delays between attempts.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Support\Schema;
use LatePointApi\Webhooks\Outbox;
use LatePointApi\Webhooks\Retry_Schedule;
use LatePointApi\Webhooks\Webhook_Service;

require_once dirname(__DIR__) . '/support/WebhookFixtures.php';

final class WebhookQueueTest extends TestCase {

	use WebhookFixtures;

	private static function rows(string $table): int {
		global $wpdb;
		return (int) $wpdb->get_var('SELECT COUNT(*) FROM ' . $table);
	}

	public function test_nothing_is_written_without_an_enabled_subscribed_endpoint(): void {
		$this->endpoint(array('customer.created'));
		$off = $this->endpoint(array('transaction.created'));
		Webhook_Service::update((int) $off['record']['id'], array('status' => 'disabled'), $this->admin());
		$this->assertSame(array(), Outbox::subscribers('transaction.created'), 'no other enabled endpoint of this site subscribes to transaction.created');

		$events     = self::rows(Schema::webhook_events());
		$deliveries = self::rows(Schema::webhook_deliveries());
		$this->assertNull(Outbox::add('transaction.created', ++self::$object, array('id' => self::$object)));
		$this->assertSame($events, self::rows(Schema::webhook_events()));
		$this->assertSame($deliveries, self::rows(Schema::webhook_deliveries()));
	}

	public function test_one_pending_delivery_per_enabled_subscribed_endpoint(): void {
		$a   = (int) $this->endpoint(array('booking.created'))['record']['id'];
		$b   = (int) $this->endpoint(array('booking.created', 'customer.created'))['record']['id'];
		$c   = (int) $this->endpoint(array('customer.created'))['record']['id'];
		$d   = (int) $this->endpoint(array('booking.created'))['record']['id'];
		Webhook_Service::update($d, array('status' => 'disabled'), $this->admin());
		$subscribers = Outbox::subscribers('booking.created');
		$this->assertContains($a, $subscribers);
		$this->assertContains($b, $subscribers);
		$this->assertNotContains($c, $subscribers);
		$this->assertNotContains($d, $subscribers);

		$object = ++self::$object;
		$id     = Outbox::add('booking.created', $object, array('id' => $object, 'status' => 'approved'), array('previous_status' => 'pending'));
		$this->assertIsInt($id);
		$event = $this->eventRow($id);
		$this->assertSame('booking.created', $event['type']);
		$this->assertSame((string) $object, $event['object_id']);
		$this->assertMatchesRegularExpression('/^msg_[0-9a-f]{32}$/', $event['message_id']);
		$body = json_decode($event['payload'], true);
		$this->assertSame(array('type', 'timestamp', 'previous_status', 'data'), array_keys($body));
		$this->assertSame(array('id' => $object, 'status' => 'approved'), $body['data']);
		$this->assertSame('pending', $body['previous_status']);
		$this->assertMatchesRegularExpression('/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/', $body['timestamp']);

		foreach (array($a, $b) as $hook) {
			$rows = $this->deliveriesOf($hook);
			$this->assertCount(1, $rows, "endpoint {$hook}");
			$this->assertSame((string) $id, $rows[0]['event_id']);
			$this->assertSame('pending', $rows[0]['status']);
			$this->assertSame('0', $rows[0]['attempts']);
			$this->assertLessThanOrEqual(time() + 1, strtotime($rows[0]['next_attempt_at'] . ' UTC'), 'due at once');
		}
		$this->assertSame(array(), $this->deliveriesOf($c));
		$this->assertSame(array(), $this->deliveriesOf($d));
		$this->assertSame(array(), self::$receiver->requests(), 'queuing sends nothing');
	}

	public function test_a_rolled_back_write_leaves_no_event_and_a_later_one_is_queued_anew(): void {
		global $wpdb;
		$hook   = (int) $this->endpoint(array('customer.updated'))['record']['id'];
		$object = ++self::$object;
		$wpdb->query('START TRANSACTION');
		try {
			$id = Outbox::add('customer.updated', $object, array('v' => 1));
			$this->assertIsInt($id);
			$this->assertNotNull($this->eventRow($id), 'written in the transaction');
		} finally {
			$wpdb->query('ROLLBACK');
		}
		$this->assertNull($this->eventRow($id));
		$this->assertSame(array(), $this->deliveriesOf($hook));

		// The same object again in this request: its earlier event is gone, so it is queued anew.
		$again = Outbox::add('customer.updated', $object, array('v' => 2));
		$this->assertNotSame($id, $again);
		$this->assertSame(array('v' => 2), json_decode($this->eventRow($again)['payload'], true)['data']);
		$this->assertCount(1, $this->deliveriesOf($hook));
	}

	public function test_the_same_type_and_object_twice_in_a_request_is_one_event_with_the_later_data(): void {
		$hook   = (int) $this->endpoint(array('customer.updated', 'customer.created'))['record']['id'];
		$object = ++self::$object;
		$first  = Outbox::add('customer.updated', $object, array('email' => 'old@example.com'));
		$second = Outbox::add('customer.updated', $object, array('email' => 'new@example.com'));
		$this->assertSame($first, $second);
		$events = $this->eventsOf($hook);
		$this->assertCount(1, $events);
		$this->assertSame(array('email' => 'new@example.com'), $events[0]['body']['data']);
		$this->assertCount(1, $this->deliveriesOf($hook));

		// Another type, or another object, is another event.
		Outbox::add('customer.created', $object, array('email' => 'new@example.com'));
		Outbox::add('customer.updated', ++self::$object, array('email' => 'other@example.com'));
		$this->assertCount(3, $this->eventsOf($hook));
		// A new request (statics gone) queues the object again.
		Outbox::forget();
		Outbox::add('customer.updated', $object, array('email' => 'newer@example.com'));
		$this->assertCount(3, $this->eventsOf($hook, 'customer.updated'));
	}

	public function test_a_dedupe_name_is_queued_once_ever(): void {
		$hook   = (int) $this->endpoint(array('key.expiring'))['record']['id'];
		$object = ++self::$object;
		$name   = 'wptest:' . bin2hex(random_bytes(6));
		$id     = Outbox::add('key.expiring', $object, array('id' => $object), array(), $name);
		$this->assertIsInt($id);
		$this->assertSame($name, $this->eventRow($id)['dedupe']);
		$this->assertNull(Outbox::add('key.expiring', $object, array('id' => $object, 'again' => true), array(), $name), 'in the same request');
		Outbox::forget();
		$this->assertNull(Outbox::add('key.expiring', $object, array('id' => $object), array(), $name), 'in a later request');
		$events = $this->eventsOf($hook);
		$this->assertCount(1, $events);
		$this->assertSame(array('id' => $object), $events[0]['body']['data'], 'the queued event is not changed');
		$this->assertCount(1, $this->deliveriesOf($hook));

		// Another name for the same object (a new expiry) is another event, also in the same request.
		$other = Outbox::add('key.expiring', $object, array('id' => $object, 'renewed' => true), array(), $name . ':2');
		$this->assertIsInt($other);
		$this->assertNotSame($id, $other);
		$this->assertCount(2, $this->eventsOf($hook));
		$this->assertCount(2, $this->deliveriesOf($hook));
	}

	public function test_add_for_queues_for_one_endpoint_whatever_it_subscribes_to(): void {
		$hook   = (int) $this->endpoint(array('booking.created'))['record']['id'];
		$other  = (int) $this->endpoint(array('booking.created'))['record']['id'];
		$queued = Outbox::add_for($hook, 'webhook.test', array('hello' => 'world'));
		$this->assertSame((string) $queued['event_id'], $this->deliveryRow($queued['delivery_id'])['event_id']);
		$this->assertSame((string) $hook, $this->deliveryRow($queued['delivery_id'])['webhook_id']);
		$this->assertSame('webhook.test', $this->eventRow($queued['event_id'])['type']);
		$this->assertSame(array(), $this->deliveriesOf($other));
	}

	public function test_the_retry_schedule_is_about_three_days_of_growing_delays_stretched_by_up_to_ten_percent(): void {
		$custom = defined(Retry_Schedule::CONSTANT) && null !== Retry_Schedule::parse(constant(Retry_Schedule::CONSTANT));
		$delays = Retry_Schedule::delays();
		$this->assertSame(count($delays) + 1, Retry_Schedule::attempts());
		if (!$custom) {
			$this->assertSame(Retry_Schedule::DEFAULT_DELAYS, $delays);
			$this->assertSame(10, Retry_Schedule::attempts());
			$this->assertEqualsWithDelta(71.6 * 3600, array_sum($delays), 1);
		}
		foreach ($delays as $i => $delay) {
			$seen = array();
			for ($n = 0; $n < 40; $n++) {
				$after  = Retry_Schedule::delay_after($i + 1);
				$seen[] = $after;
				$this->assertGreaterThanOrEqual($delay, $after, 'attempt ' . ($i + 1));
				$this->assertLessThanOrEqual($custom ? $delay : $delay + intdiv($delay, 10), $after, 'attempt ' . ($i + 1));
			}
			if (!$custom && $delay >= 300) {
				$this->assertGreaterThan(1, count(array_unique($seen)), 'the stretch is random');
			}
		}
		$this->assertNull(Retry_Schedule::delay_after(count($delays) + 1), 'after the last attempt');
		$this->assertNull(Retry_Schedule::delay_after(0));
		$this->assertNull(Retry_Schedule::delay_after(-1));
	}

	public function test_parse_accepts_1_to_20_whole_seconds_up_to_a_week(): void {
		$this->assertSame(array(2, 2, 5), Retry_Schedule::parse('2,2,5'));
		$this->assertSame(array(60, 300), Retry_Schedule::parse(' 60 , 300 '));
		$this->assertSame(array(0), Retry_Schedule::parse('0'));
		$this->assertSame(array(604800), Retry_Schedule::parse('604800'));
		$this->assertSame(array(1, 2), Retry_Schedule::parse(array(1, '2')));
		$this->assertSame(array_fill(0, 20, 1), Retry_Schedule::parse(implode(',', array_fill(0, 20, '1'))));
		$bad = array('', ' ', '1,,2', '1,', '-1', '1.5', 'abc', '604801', '1000000', '6 0', '+5', '0x10', array(), array(1.5), array(-1), array(null), null, 5, true);
		foreach ($bad as $value) {
			$this->assertNull(Retry_Schedule::parse($value), var_export($value, true));
		}
		$this->assertNull(Retry_Schedule::parse(implode(',', array_fill(0, 21, '1'))), '21 delays');
	}
}
