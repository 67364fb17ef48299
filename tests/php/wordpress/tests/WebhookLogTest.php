<?php
/**
 * The webhook delivery log (docs/api.md "Webhooks"): every attempt with its filters, resending a
 * delivery (the same webhook-id), a test event (sent at once, never retried), the log's retention
 * (Settings retention_days), and their REST routes, for a WordPress administrator only.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Support\Conflict_Error;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Schema;
use LatePointApi\Webhooks\Delivery_Log;
use LatePointApi\Webhooks\Delivery_Runner;
use LatePointApi\Webhooks\Outbox;
use LatePointApi\Webhooks\Webhook_Service;

require_once dirname(__DIR__) . '/support/WebhookFixtures.php';

final class WebhookLogTest extends TestCase {

	use WebhookFixtures;

	/** Queues $type and returns its delivery to $webhook_id. */
	private function queue(int $webhook_id, string $type = 'booking.created'): int {
		$event = Outbox::add($type, ++self::$object, array('id' => self::$object));
		$this->assertNotNull($event);
		global $wpdb;
		return (int) $wpdb->get_var($wpdb->prepare('SELECT id FROM ' . Schema::webhook_deliveries() . ' WHERE event_id = %d AND webhook_id = %d', $event, $webhook_id));
	}

	private function admin_api(string $method, string $path, array $o = array()): Response {
		return $this->api($method, $path, $o + array('user' => $this->admin()));
	}

	/** Two endpoints, three attempts: A delivered booking.created, B failed customer.created twice. */
	private function history(): array {
		$a  = (int) $this->endpoint(array('booking.created'))['record']['id'];
		$b  = (int) $this->endpoint(array('customer.created'))['record']['id'];
		$da = $this->queue($a, 'booking.created');
		$db = $this->queue($b, 'customer.created');
		Delivery_Runner::attempt($da);
		self::$receiver->answer(500);
		Delivery_Runner::attempt($db);
		Delivery_Runner::attempt($db);
		self::$receiver->answer(200);
		return array($a, $b, $da, $db);
	}

	public function test_the_log_lists_attempts_newest_first_with_filters(): void {
		list($a, $b, $da, $db) = $this->history();

		$all = Delivery_Log::query(array('webhook_id' => $b), 0, 50);
		$this->assertSame(2, $all['total']);
		$this->assertSame(array(2, 1), array_column($all['items'], 'attempt'), 'newest first');
		$item = $all['items'][0];
		$this->assertSame($db, $item['delivery_id']);
		$this->assertSame($b, $item['webhook_id']);
		$this->assertSame($this->webhookRow($b)['url'], $item['webhook_url']);
		$this->assertSame('customer.created', $item['event_type']);
		$this->assertFalse($item['succeeded']);
		$this->assertSame(500, $item['http_status']);
		$this->assertSame('ok', $item['response']);
		$this->assertNull($item['error']);
		$this->assertMatchesRegularExpression('/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/', $item['attempted_at']);
		$this->assertGreaterThanOrEqual(0, $item['duration_ms']);

		$ok = Delivery_Log::query(array('webhook_id' => $a, 'result' => 'succeeded'), 0, 50);
		$this->assertSame(1, $ok['total']);
		$this->assertTrue($ok['items'][0]['succeeded']);
		$this->assertSame(0, Delivery_Log::query(array('webhook_id' => $a, 'result' => 'failed'), 0, 50)['total']);
		$this->assertSame(2, Delivery_Log::query(array('webhook_id' => $b, 'result' => 'failed'), 0, 50)['total']);
		$this->assertSame(0, Delivery_Log::query(array('webhook_id' => $b, 'event_type' => 'booking.created'), 0, 50)['total']);
		$this->assertSame(2, Delivery_Log::query(array('webhook_id' => $b, 'event_type' => 'customer.created'), 0, 50)['total']);

		$message = $item['message_id'];
		$by_msg  = Delivery_Log::query(array('message_id' => $message), 0, 50);
		$this->assertSame(2, $by_msg['total']);
		$this->assertSame(array($message), array_values(array_unique(array_column($by_msg['items'], 'message_id'))));
		$this->assertCount(1, Delivery_Log::query(array('webhook_id' => $b), 0, 1)['items'], 'paged');
	}

	public function test_resend_sends_the_same_message_again_as_a_new_delivery(): void {
		$made     = $this->endpoint(array('booking.created'));
		$id       = (int) $made['record']['id'];
		$delivery = $this->queue($id);
		Delivery_Runner::attempt($delivery);
		$message = self::$receiver->requests()[0]['headers']['webhook-id'];

		$resent = Delivery_Log::resend($delivery, $this->admin());
		$this->assertNotSame($delivery, $resent['delivery_id'], 'a finished delivery gets a new one');
		$this->assertSame($message, $resent['message_id']);
		$row = $this->deliveryRow($resent['delivery_id']);
		$this->assertSame('pending', $row['status']);
		$this->assertSame($this->deliveryRow($delivery)['event_id'], $row['event_id']);
		$this->assertSame('succeeded', $this->deliveryRow($delivery)['status'], 'the old one is kept as it was');
		Delivery_Runner::attempt($resent['delivery_id']);
		$requests = self::$receiver->requests();
		$this->assertCount(2, $requests);
		$this->assertSame($message, $requests[1]['headers']['webhook-id']);
		$this->assertSame($requests[0]['body'], $requests[1]['body']);
		Audit_Log::flush();
		$this->assertNotSame(array(), $this->logRows(array('event' => 'admin_action', 'error_code' => 'webhook_resent', 'actor_user_id' => $this->admin())));

		// A pending one is made due now, not doubled.
		self::$receiver->answer(500);
		$pending = $this->queue($id);
		Delivery_Runner::attempt($pending);
		$this->setDelivery($pending, array('next_attempt_at' => gmdate('Y-m-d H:i:s', time() + HOUR_IN_SECONDS)));
		$again = Delivery_Log::resend($pending, $this->admin());
		$this->assertSame($pending, $again['delivery_id']);
		$this->assertLessThanOrEqual(time() + 1, strtotime($this->deliveryRow($pending)['next_attempt_at'] . ' UTC'));

		try {
			Delivery_Log::resend(2000000000, $this->admin());
			$this->fail('an unknown delivery');
		} catch (Not_Found_Error $e) {
			$this->assertNotSame('', $e->getMessage());
		}
		Webhook_Service::update($id, array('status' => 'disabled'), $this->admin());
		try {
			Delivery_Log::resend($delivery, $this->admin());
			$this->fail('a disabled endpoint');
		} catch (Conflict_Error $e) {
			$this->assertNotSame('', $e->getMessage());
		}
	}

	public function test_a_test_event_is_sent_at_once_and_never_retried(): void {
		$made = $this->endpoint(array('booking.created'));
		$id   = (int) $made['record']['id'];

		$attempt = Delivery_Log::send_test($id, $this->admin());
		$this->assertTrue($attempt['succeeded']);
		$this->assertSame('webhook.test', $attempt['event_type']);
		$request = self::$receiver->requests()[0];
		$body    = json_decode($request['body'], true);
		$this->assertSame('webhook.test', $body['type']);
		$this->assertSame($id, $body['data']['webhook_id']);

		self::$receiver->answer(500);
		$failed = Delivery_Log::send_test($id, $this->admin());
		$this->assertFalse($failed['succeeded']);
		$this->assertSame(500, $failed['http_status']);
		$row = $this->deliveryRow($failed['delivery_id']);
		$this->assertSame('failed', $row['status'], 'not retried');
		$this->assertNull($row['next_attempt_at']);
		$this->assertSame('enabled', $this->webhookRow($id)['status']);
		$this->assertCount(2, self::$receiver->requests());
		Audit_Log::flush();
		$this->assertNotSame(array(), $this->logRows(array('event' => 'admin_action', 'error_code' => 'webhook_tested')));

		Webhook_Service::update($id, array('status' => 'disabled'), $this->admin());
		$this->expectException(Conflict_Error::class);
		Delivery_Log::send_test($id, $this->admin());
	}

	public function test_purge_removes_what_is_older_than_the_retention_except_pending_deliveries(): void {
		global $wpdb;
		$this->updateSettings(array('retention_days' => 30));
		$id      = (int) $this->endpoint(array('booking.created'))['record']['id'];
		$old     = $this->queue($id);
		$recent  = $this->queue($id);
		$waiting = $this->queue($id);
		Delivery_Runner::attempt($old);
		Delivery_Runner::attempt($recent);
		self::$receiver->answer(500);
		Delivery_Runner::attempt($waiting);
		$long_ago = gmdate('Y-m-d H:i:s', time() - 40 * DAY_IN_SECONDS);
		$inside   = gmdate('Y-m-d H:i:s', time() - 20 * DAY_IN_SECONDS);
		foreach (array($old => $long_ago, $waiting => $long_ago, $recent => $inside) as $delivery => $when) {
			$wpdb->update(Schema::webhook_deliveries(), array('created_at' => $when), array('id' => $delivery));
			$wpdb->update(Schema::webhook_attempts(), array('attempted_at' => $when), array('delivery_id' => $delivery));
			$wpdb->update(Schema::webhook_events(), array('created_at' => $when), array('id' => $this->deliveryRow($delivery)['event_id']));
		}
		$old_event     = (int) $this->deliveryRow($old)['event_id'];
		$waiting_event = (int) $this->deliveryRow($waiting)['event_id'];

		$this->assertGreaterThanOrEqual(1, Delivery_Log::purge());
		$this->assertNull($wpdb->get_row($wpdb->prepare('SELECT id FROM ' . Schema::webhook_deliveries() . ' WHERE id = %d', $old)));
		$this->assertNull($this->eventRow($old_event));
		$this->assertSame(array(), $this->attemptsOf($old));
		$this->assertCount(1, $this->attemptsOf($recent), 'inside the retention');
		$this->assertSame('succeeded', $this->deliveryRow($recent)['status']);
		$this->assertSame('pending', $this->deliveryRow($waiting)['status'], 'a pending delivery is kept');
		$this->assertNotNull($this->eventRow($waiting_event), 'with its event');
		$this->assertCount(1, $this->attemptsOf($waiting), 'and its attempts (the runner reads the first when the schedule is used up)');

		// A shorter retention takes the rest.
		$this->updateSettings(array('retention_days' => 10));
		Delivery_Log::purge();
		$this->assertSame(array(), $this->attemptsOf($recent));
	}

	public function test_the_rest_routes_for_an_administrator(): void {
		list($a, $b, $da) = $this->history();

		$r    = $this->admin_api('GET', '/webhooks/attempts', array('query' => array('webhook_id' => $b, 'result' => 'failed', 'event_type' => 'customer.created')));
		$data = $this->assertSuccess($r);
		$this->assertCount(2, $data);
		$this->assertSame(array($b), array_values(array_unique(array_column($data, 'webhook_id'))));
		$this->assertSame(array(), $this->assertSuccess($this->admin_api('GET', '/webhooks/attempts', array('query' => array('webhook_id' => $a, 'result' => 'failed')))));
		$message = $data[0]['message_id'];
		$this->assertCount(2, $this->assertSuccess($this->admin_api('GET', '/webhooks/attempts', array('query' => array('message_id' => $message)))));
		$this->assertError($this->admin_api('GET', '/webhooks/attempts', array('query' => array('result' => 'maybe'))), 422, 'validation_failed');
		$this->assertStringNotContainsString('whsec_', $r->json);

		$test = $this->assertSuccess($this->admin_api('POST', "/webhooks/{$a}/test"), 201);
		$this->assertTrue($test['succeeded']);
		$this->assertSame('webhook.test', $test['event_type']);
		$received = self::$receiver->requests();
		$this->assertSame('webhook.test', json_decode(end($received)['body'], true)['type']);
		$this->assertError($this->admin_api('POST', '/webhooks/2000000000/test'), 404, 'not_found');

		$resent = $this->assertSuccess($this->admin_api('POST', "/webhooks/deliveries/{$da}/resend"), 202);
		$this->assertSame($this->eventRow((int) $this->deliveryRow($da)['event_id'])['message_id'], $resent['message_id']);
		$this->assertSame('pending', $this->deliveryRow($resent['delivery_id'])['status']);
		$this->assertError($this->admin_api('POST', '/webhooks/deliveries/2000000000/resend'), 404, 'not_found');

		Webhook_Service::update($a, array('status' => 'disabled'), $this->admin());
		$this->assertError($this->admin_api('POST', "/webhooks/deliveries/{$da}/resend"), 409, 'webhook_disabled');
		$this->assertError($this->admin_api('POST', "/webhooks/{$a}/test"), 409, 'webhook_disabled');
	}

	public function test_an_api_key_a_subscriber_and_an_anonymous_caller_are_refused(): void {
		list($a, , $da) = $this->history();
		$k        = $this->createKey(array('name' => 'webhook log sneak'));
		$requests = count(self::$receiver->requests());
		$routes   = array(array('GET', '/webhooks/attempts'), array('POST', "/webhooks/{$a}/test"), array('POST', "/webhooks/deliveries/{$da}/resend"));
		foreach ($routes as list($method, $path)) {
			foreach (array(array('key' => $k['key']), array('bearer' => $k['key']), array('key' => $k['key'], 'user' => $this->admin())) as $auth) {
				$r = $this->api($method, $path, $auth);
				$this->assertError($r, 403, 'insufficient_permissions', "{$method} {$path} with " . implode(',', array_keys($auth)));
				$this->assertStringNotContainsString('"response"', $r->json);
			}
			$this->assertError($this->api($method, $path, array('user' => $this->subscriber())), 403, 'insufficient_permissions', "subscriber {$method} {$path}");
			$this->assertError($this->api($method, $path), 401, 'not_authenticated', "anonymous {$method} {$path}");
		}
		$this->assertCount($requests, self::$receiver->requests(), 'no test event was sent');
		$this->assertCount(1, $this->deliveriesOf($a), 'nothing was resent');
	}
}
