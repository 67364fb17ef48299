<?php
/**
 * Webhook delivery over real HTTP (docs/api.md "Webhooks"): the real Sender POSTs to a receiver on the
 * loopback, signed as Standard Webhooks says (webhook-id stable across retries, a fresh
 * webhook-timestamp, every active secret); 2xx is delivered, 410 turns the endpoint off, anything
 * else is retried on Retry_Schedule until it is used up (then the endpoint is turned off, unless
 * something reached it since that delivery's first attempt); redirects are not followed, refused
 * addresses are never connected to; one runner at a time (GET_LOCK), within its time budget.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Support\Schema;
use LatePointApi\Webhooks\Delivery_Log;
use LatePointApi\Webhooks\Delivery_Runner;
use LatePointApi\Webhooks\Destination;
use LatePointApi\Webhooks\Outbox;
use LatePointApi\Webhooks\Retry_Schedule;
use LatePointApi\Webhooks\Sender;
use LatePointApi\Webhooks\Signature;
use LatePointApi\Webhooks\Webhook_Service;

require_once dirname(__DIR__) . '/support/WebhookFixtures.php';

final class WebhookDeliveryTest extends TestCase {

	use WebhookFixtures;

	/** Queues a booking.created event; its delivery to $webhook_id. */
	private function queue(int $webhook_id, array $data = array('id' => 1)): int {
		$event = Outbox::add('booking.created', ++self::$object, $data);
		$this->assertNotNull($event);
		global $wpdb;
		return (int) $wpdb->get_var($wpdb->prepare('SELECT id FROM ' . Schema::webhook_deliveries() . ' WHERE event_id = %d AND webhook_id = %d', $event, $webhook_id));
	}

	private function message(int $delivery_id): array {
		return (array) $this->eventRow((int) $this->deliveryRow($delivery_id)['event_id']);
	}

	/** The admin actions logged with this error code. */
	private function adminActions(string $code): array {
		Audit_Log::flush();
		return $this->logRows(array('event' => 'admin_action', 'error_code' => $code));
	}

	public function test_a_delivery_is_signed_pinned_and_succeeds_on_2xx(): void {
		$made     = $this->endpoint(array('booking.created'));
		$id       = (int) $made['record']['id'];
		$delivery = $this->queue($id, array('id' => 7, 'status' => 'approved'));
		$event    = $this->message($delivery);

		$attempt = Delivery_Runner::attempt($delivery);
		$this->assertIsArray($attempt);
		$this->assertTrue($attempt['succeeded']);
		$this->assertSame(200, $attempt['http_status']);
		$this->assertSame('ok', $attempt['response']);
		$this->assertNull($attempt['error']);
		$this->assertSame(1, $attempt['attempt']);

		$requests = self::$receiver->requests();
		$this->assertCount(1, $requests);
		$request = $requests[0];
		$this->assertSame('POST', $request['method']);
		$this->assertSame('/hook', $request['path']);
		// receiver.test resolves nowhere but in the test's resolver: the connection went to the checked, pinned address.
		$this->assertSame('receiver.test:' . self::$receiver->port, $request['headers']['host']);
		$this->assertSame('application/json', $request['headers']['content-type']);
		$this->assertSame($event['payload'], $request['body'], 'the body as queued');
		$this->assertSame($event['message_id'], $request['headers']['webhook-id']);
		$this->assertMatchesRegularExpression('/^msg_[0-9a-f]{32}$/', $request['headers']['webhook-id']);
		$timestamp = (int) $request['headers']['webhook-timestamp'];
		$this->assertEqualsWithDelta(time(), $timestamp, 30);
		$this->assertSame(Signature::sign($made['secret'], $event['message_id'], $timestamp, $request['body']), $request['headers']['webhook-signature']);
		$body = json_decode($request['body'], true);
		$this->assertSame('booking.created', $body['type']);
		$this->assertSame(array('id' => 7, 'status' => 'approved'), $body['data']);

		$row = $this->deliveryRow($delivery);
		$this->assertSame('succeeded', $row['status']);
		$this->assertSame('1', $row['attempts']);
		$this->assertSame('200', $row['last_status']);
		$this->assertNull($row['next_attempt_at']);
		$hook = $this->webhookRow($id);
		$this->assertNotNull($hook['last_success_at']);
		$this->assertEqualsWithDelta(time(), strtotime($hook['last_success_at'] . ' UTC'), 30);
		$this->assertNull($hook['failing_since']);
		$this->assertNull(Delivery_Runner::attempt($delivery), 'a delivered delivery is not sent again');
		$this->assertCount(1, self::$receiver->requests());
	}

	public function test_a_500_is_retried_on_the_schedule_with_the_same_webhook_id(): void {
		$made     = $this->endpoint(array('booking.created'));
		$id       = (int) $made['record']['id'];
		$delivery = $this->queue($id);
		self::$receiver->answer(500, null, 'boom');

		$before  = time();
		$attempt = Delivery_Runner::attempt($delivery);
		$this->assertFalse($attempt['succeeded']);
		$this->assertSame(500, $attempt['http_status']);
		$this->assertSame('boom', $attempt['response']);
		$row   = $this->deliveryRow($delivery);
		$delay = Retry_Schedule::delays()[0];
		$this->assertSame('pending', $row['status']);
		$this->assertSame('1', $row['attempts']);
		$this->assertSame('500', $row['last_status']);
		$next = strtotime($row['next_attempt_at'] . ' UTC');
		$this->assertGreaterThanOrEqual($before + $delay - 1, $next, 'not before the first delay');
		$this->assertLessThanOrEqual(time() + $delay + intdiv($delay, 10) + 1, $next, 'at most 10 % later');
		$this->assertNotNull($this->webhookRow($id)['failing_since']);

		// Made due, it is sent again, with the same webhook-id.
		$this->setDelivery($delivery, array('next_attempt_at' => gmdate('Y-m-d H:i:s', time() - 1)));
		self::$receiver->answer(200);
		$again = Delivery_Runner::attempt($delivery);
		$this->assertTrue($again['succeeded']);
		$this->assertSame(2, $again['attempt']);
		$this->assertSame($attempt['message_id'], $again['message_id']);

		$requests = self::$receiver->requests();
		$this->assertCount(2, $requests);
		$this->assertSame($requests[0]['headers']['webhook-id'], $requests[1]['headers']['webhook-id']);
		$this->assertSame($requests[0]['body'], $requests[1]['body'], 'the same bytes every attempt');
		$this->assertGreaterThanOrEqual((int) $requests[0]['headers']['webhook-timestamp'], (int) $requests[1]['headers']['webhook-timestamp']);
		foreach ($requests as $request) {
			$this->assertSame(Signature::sign($made['secret'], $request['headers']['webhook-id'], (int) $request['headers']['webhook-timestamp'], $request['body']), $request['headers']['webhook-signature']);
		}
		$this->assertSame('succeeded', $this->deliveryRow($delivery)['status']);
		$this->assertNull($this->webhookRow($id)['failing_since'], 'a success ends the failing streak');
		$this->assertSame(array(1, 2), array_map('intval', array_column($this->attemptsOf($delivery), 'attempt')));
	}

	public function test_during_a_rotation_grace_both_secrets_sign(): void {
		$made     = $this->endpoint(array('booking.created'));
		$id       = (int) $made['record']['id'];
		$rotated  = Webhook_Service::rotate_secret($id, 3600, $this->admin());
		$delivery = $this->queue($id);
		$this->assertTrue(Delivery_Runner::attempt($delivery)['succeeded']);

		$request = self::$receiver->requests()[0];
		$ts      = (int) $request['headers']['webhook-timestamp'];
		$msg     = $request['headers']['webhook-id'];
		$this->assertSame(
			array(Signature::sign($rotated['secret'], $msg, $ts, $request['body']), Signature::sign($made['secret'], $msg, $ts, $request['body'])),
			explode(' ', $request['headers']['webhook-signature'])
		);

		// Without a grace, only the new secret signs.
		$last     = Webhook_Service::rotate_secret($id, 0, $this->admin());
		$delivery = $this->queue($id);
		Delivery_Runner::attempt($delivery);
		$request = self::$receiver->requests()[1];
		$this->assertSame(Signature::sign($last['secret'], $request['headers']['webhook-id'], (int) $request['headers']['webhook-timestamp'], $request['body']), $request['headers']['webhook-signature']);
	}

	public function test_a_410_turns_the_endpoint_off_and_cancels_its_pending_deliveries(): void {
		$made   = $this->endpoint(array('booking.created'));
		$id     = (int) $made['record']['id'];
		$other  = $this->endpoint(array('booking.created'));
		$first  = $this->queue($id);
		$second = $this->queue($id);
		self::$receiver->answer(410, null, 'gone');

		$attempt = Delivery_Runner::attempt($first);
		$this->assertSame(410, $attempt['http_status']);
		$this->assertFalse($attempt['succeeded']);
		$this->assertSame('failed', $this->deliveryRow($first)['status']);
		$this->assertNull($this->deliveryRow($first)['next_attempt_at']);
		$this->assertSame('cancelled', $this->deliveryRow($second)['status']);
		$hook = $this->webhookRow($id);
		$this->assertSame('disabled', $hook['status']);
		$this->assertSame('gone', $hook['disabled_reason']);
		$this->assertSame('enabled', $this->webhookRow((int) $other['record']['id'])['status'], 'another endpoint stays on');
		$this->assertSame('pending', $this->deliveriesOf((int) $other['record']['id'])[0]['status']);
		$this->assertNotSame(array(), $this->adminActions('webhook_disabled_gone'));
		$this->assertCount(1, $this->mails);
		$this->assertSame((string) get_option('admin_email'), $this->mails[0]['to']);
		$this->assertStringContainsString($made['record']['url'], $this->mails[0]['message']);

		$this->assertNull(Delivery_Runner::attempt($second), 'a cancelled delivery is not sent');
		$this->assertCount(1, self::$receiver->requests());
		$this->assertNotContains($id, Outbox::subscribers('booking.created'), 'no more events are queued for it');
	}

	public function test_a_used_up_schedule_fails_the_delivery_and_turns_the_endpoint_off(): void {
		$made     = $this->endpoint(array('booking.created'));
		$id       = (int) $made['record']['id'];
		$delivery = $this->queue($id);
		self::$receiver->answer(503);
		Delivery_Runner::attempt($delivery);
		$this->assertSame('pending', $this->deliveryRow($delivery)['status']);
		global $wpdb;
		// The first attempt was three days ago; the last success before it.
		$wpdb->update(Schema::webhook_attempts(), array('attempted_at' => gmdate('Y-m-d H:i:s', time() - 3 * DAY_IN_SECONDS)), array('delivery_id' => $delivery));
		$wpdb->update(Schema::webhooks(), array('last_success_at' => gmdate('Y-m-d H:i:s', time() - 4 * DAY_IN_SECONDS)), array('id' => $id));
		$this->setDelivery($delivery, array('attempts' => Retry_Schedule::attempts() - 1, 'next_attempt_at' => gmdate('Y-m-d H:i:s')));

		$attempt = Delivery_Runner::attempt($delivery);
		$this->assertSame(Retry_Schedule::attempts(), $attempt['attempt']);
		$row = $this->deliveryRow($delivery);
		$this->assertSame('failed', $row['status']);
		$this->assertNull($row['next_attempt_at']);
		$this->assertSame((string) Retry_Schedule::attempts(), $row['attempts']);
		$hook = $this->webhookRow($id);
		$this->assertSame('disabled', $hook['status']);
		$this->assertSame('failing', $hook['disabled_reason']);
		$this->assertNotSame(array(), $this->adminActions('webhook_disabled_failing'));
		$this->assertCount(1, $this->mails);
		$this->assertCount(2, self::$receiver->requests());
	}

	public function test_a_success_since_the_first_attempt_keeps_the_endpoint_on_when_a_schedule_is_used_up(): void {
		$made     = $this->endpoint(array('booking.created'));
		$id       = (int) $made['record']['id'];
		$delivery = $this->queue($id);
		self::$receiver->answer(500);
		Delivery_Runner::attempt($delivery);
		global $wpdb;
		$wpdb->update(Schema::webhook_attempts(), array('attempted_at' => gmdate('Y-m-d H:i:s', time() - 2 * DAY_IN_SECONDS)), array('delivery_id' => $delivery));

		// Another delivery reaches the endpoint meanwhile, a day and a half ago.
		self::$receiver->answer(200);
		$this->assertTrue(Delivery_Runner::attempt($this->queue($id))['succeeded']);
		$wpdb->update(Schema::webhooks(), array('last_success_at' => gmdate('Y-m-d H:i:s', time() - 36 * HOUR_IN_SECONDS)), array('id' => $id));
		// The log's shortest retention (a day) keeps a pending delivery's first attempt.
		$this->updateSettings(array('retention_days' => 1));
		Delivery_Log::purge();
		$this->assertCount(1, $this->attemptsOf($delivery));

		self::$receiver->answer(500);
		$this->setDelivery($delivery, array('attempts' => Retry_Schedule::attempts() - 1, 'next_attempt_at' => gmdate('Y-m-d H:i:s')));
		Delivery_Runner::attempt($delivery);
		$this->assertSame('failed', $this->deliveryRow($delivery)['status']);
		$hook = $this->webhookRow($id);
		$this->assertSame('enabled', $hook['status']);
		$this->assertNull($hook['disabled_reason']);
		$this->assertSame(array(), $this->mails);
	}

	public function test_a_redirect_is_a_failed_attempt_and_is_not_followed(): void {
		$made     = $this->endpoint(array('booking.created'));
		$delivery = $this->queue((int) $made['record']['id']);
		self::$receiver->answer(302, self::$receiver->url('/elsewhere', 'receiver.test'), '');

		$attempt = Delivery_Runner::attempt($delivery);
		$this->assertFalse($attempt['succeeded']);
		$this->assertSame(302, $attempt['http_status']);
		$requests = self::$receiver->requests();
		$this->assertCount(1, $requests, 'only the endpoint was asked');
		$this->assertSame('/hook', $requests[0]['path']);
		$row = $this->deliveryRow($delivery);
		$this->assertSame('pending', $row['status'], 'tried again later');
		$this->assertSame('302', $row['last_status']);
	}

	public function test_a_refused_address_is_an_attempt_with_an_error_and_no_request(): void {
		$made     = $this->endpoint(array('booking.created'));
		$delivery = $this->queue((int) $made['record']['id']);
		// The name now resolves to the cloud metadata address (DNS rebinding): checked again before sending, it is refused.
		$sender = new Sender(new Destination(static fn (string $host): array => array('169.254.169.254')), true, 3);

		$attempt = Delivery_Runner::attempt($delivery, $sender);
		$this->assertFalse($attempt['succeeded']);
		$this->assertNull($attempt['http_status']);
		$this->assertStringContainsString('169.254.169.254', (string) $attempt['error']);
		$this->assertStringContainsString('webhooks are not sent there', (string) $attempt['error']);
		$this->assertSame(array(), self::$receiver->requests());
		$this->assertCount(1, $this->attemptsOf($delivery), 'recorded as an attempt');
		$row = $this->deliveryRow($delivery);
		$this->assertSame('pending', $row['status']);
		$this->assertNull($row['last_status']);
		$this->assertSame('1', $row['attempts']);
	}

	public function test_no_answer_within_the_timeout_is_a_failed_attempt(): void {
		$made     = $this->endpoint(array('booking.created'));
		$delivery = $this->queue((int) $made['record']['id']);
		self::$receiver->answer(200, null, 'late', 2.5);

		$attempt = Delivery_Runner::attempt($delivery, new Sender(self::destination(), true, 1));
		$this->assertFalse($attempt['succeeded']);
		$this->assertNull($attempt['http_status']);
		$this->assertSame('No response within 1 seconds.', $attempt['error']);
		$this->assertSame('pending', $this->deliveryRow($delivery)['status']);
		usleep(1600000); // the receiver's worker finishes its answer before the next test
	}

	public function test_only_the_first_kib_of_the_response_is_kept(): void {
		$made     = $this->endpoint(array('booking.created'));
		$delivery = $this->queue((int) $made['record']['id']);
		self::$receiver->answer(200, null, str_repeat('abcdefgh', 1000));

		$attempt = Delivery_Runner::attempt($delivery);
		$this->assertTrue($attempt['succeeded']);
		$this->assertSame(str_repeat('abcdefgh', 128), $attempt['response']);
		$this->assertSame(1024, strlen($this->attemptsOf($delivery)[0]['response']));
	}

	public function test_the_runner_does_not_send_while_another_connection_holds_its_lock(): void {
		$made     = $this->endpoint(array('booking.created'));
		$delivery = $this->queue((int) $made['record']['id']);

		// setUp's second connection holds the lock, as a runner in another process would.
		$this->assertSame(array('ran' => false, 'attempts' => 0), Delivery_Runner::run(10));
		$this->assertSame(array(), self::$receiver->requests());
		$this->assertSame('pending', $this->deliveryRow($delivery)['status']);
		$this->assertSame('0', $this->deliveryRow($delivery)['attempts']);

		$this->releaseRunnerLock();
		try {
			$run = Delivery_Runner::run(10);
		} finally {
			$this->holdRunnerLock();
		}
		$this->assertTrue($run['ran']);
		$this->assertGreaterThanOrEqual(1, $run['attempts']);
		$this->assertSame('succeeded', $this->deliveryRow($delivery)['status']);
		$this->assertCount(1, self::$receiver->requests());
	}

	public function test_a_run_without_budget_sends_nothing_and_leaves_the_time_limit_alone(): void {
		$made     = $this->endpoint(array('booking.created'));
		$delivery = $this->queue((int) $made['record']['id']);
		$limit    = (string) ini_get('max_execution_time');

		$this->releaseRunnerLock();
		try {
			$run = Delivery_Runner::run(0);
		} finally {
			$this->holdRunnerLock();
		}
		$this->assertSame(array('ran' => true, 'attempts' => 0), $run);
		$this->assertSame(array(), self::$receiver->requests());
		$this->assertSame('pending', $this->deliveryRow($delivery)['status']);
		if ('0' === $limit) {
			$this->assertSame('0', (string) ini_get('max_execution_time'), 'an unlimited process (the CLI, cron from the CLI) is not given a limit');
		} else {
			$this->assertGreaterThanOrEqual((int) $limit, (int) ini_get('max_execution_time'), 'the time limit is not lowered');
		}
	}

	public function test_a_delivery_whose_endpoint_is_gone_is_cancelled_not_retried_forever(): void {
		global $wpdb;
		$made     = $this->endpoint(array('booking.created'));
		$id       = (int) $made['record']['id'];
		$delivery = $this->queue($id);
		// The endpoint's row went away without Webhook_Service::delete() (a manual cleanup, a restored backup).
		$wpdb->delete(Schema::webhooks(), array('id' => $id));

		$this->releaseRunnerLock();
		try {
			$run = Delivery_Runner::run(5);
		} finally {
			$this->holdRunnerLock();
		}
		$this->assertTrue($run['ran']);
		$this->assertSame('cancelled', $this->deliveryRow($delivery)['status'], 'not left pending, picked up by every run');
		$this->assertSame(array(), $this->attemptsOf($delivery));
		$this->assertSame(array(), self::$receiver->requests());
	}

	public function test_a_delivery_to_a_disabled_endpoint_is_cancelled_without_a_request(): void {
		$made     = $this->endpoint(array('booking.created'));
		$id       = (int) $made['record']['id'];
		$delivery = $this->queue($id);
		global $wpdb;
		$wpdb->update(Schema::webhooks(), array('status' => 'disabled'), array('id' => $id));
		$this->assertNull(Delivery_Runner::attempt($delivery));
		$this->assertSame('cancelled', $this->deliveryRow($delivery)['status']);
		$this->assertSame(array(), self::$receiver->requests());
	}
}
