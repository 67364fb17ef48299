<?php
/**
 * Webhook events come from LatePoint's own hooks, so writes made in LatePoint's admin (its controllers,
 * support/AdminSide.php) queue them exactly as writes through the API do: the event types, once each,
 * with `data` what the API's GET of the object answers. LatePoint's order form also saves the order's
 * customer (and fires latepoint_customer_updated), so a booking write is followed by customer.updated,
 * through the admin and through the API alike.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class WebhookEventsTest extends TestCase {

	/** @var int */
	private $since = 0;

	protected function setUp(): void {
		parent::setUp();
		Stack::run(array('command' => 'reset'));
		$this->since = (int) Stack::run(array('command' => 'webhook_on'))['since'];
	}

	protected function tearDown(): void {
		if (null === Stack::$skipped) {
			Stack::run(array('command' => 'webhook_off'));
		}
		parent::tearDown();
	}

	/** @return array<int, array{type: string, object_id: int, payload: array, now: ?array}> */
	private function events(): array {
		return (array) Stack::run(array('command' => 'webhook_events', 'since' => $this->since))['events'];
	}

	/** @return string[] */
	private static function types(array $events): array {
		$types = array_map(static fn (array $e): string => $e['type'], $events);
		sort($types);
		return $types;
	}

	private function admin(string $action, array $args): array {
		$done = Stack::run(array('command' => 'admin', 'action' => $action, 'args' => $args));
		$this->assertSame('success', $done['answer']['status'] ?? null, "{$action}: " . json_encode($done['answer']));
		return $done;
	}

	public function testABookingMadeInLatePointsAdminQueuesBookingAndOrderCreatedWithTheApisRepresentation(): void {
		$done   = $this->admin('create_booking', self::booking('ann', 'single', 'main', self::day(0), '10:00'));
		$events = $this->events();
		$this->assertSame(array('booking.created', 'customer.updated', 'order.created'), self::types($events));
		foreach ($events as $event) {
			$this->assertSame($event['type'], $event['payload']['type']);
			$this->assertNotNull($event['now'], "{$event['type']}: the object exists");
			$this->assertSame(self::without_stats($event['now']), self::without_stats($event['payload']['data']), "{$event['type']}: data is what the API's GET answers");
		}
		$booking = array_values(array_filter($events, static fn ($e) => 'booking.created' === $e['type']))[0];
		$this->assertSame((int) $done['after']['latepoint_bookings'], $booking['object_id']);
		$this->assertSame('10:00', $booking['payload']['data']['start_time']);
	}

	public function testTheSameBookingThroughTheApiQueuesTheSameEvents(): void {
		$api = Stack::run(array('command' => 'api', 'key' => Stack::$key, 'method' => 'POST', 'path' => '/bookings', 'json' => self::booking('ann', 'single', 'main', self::day(0), '10:00')));
		$this->assertSame(201, $api['answer']['status'], json_encode($api['answer']['body']));
		$events = $this->events();
		$this->assertSame(array('booking.created', 'customer.updated', 'order.created'), self::types($events), 'the events of the admin\'s booking create');
		foreach ($events as $event) {
			$this->assertSame(self::without_stats($event['now']), self::without_stats($event['payload']['data']), $event['type']);
		}
	}

	public function testAStatusChangeInTheAdminIsBookingUpdatedAndBookingStatusChangedOnce(): void {
		$this->admin('create_booking', self::booking('ann', 'single', 'main', self::day(0), '10:00'));
		$booking = (int) $this->events()[0]['object_id'];
		$this->since = $this->lastEventId();
		$this->admin('update_booking', array('booking_id' => $booking, 'changes' => array('status' => 'cancelled')));
		$events = array_values(array_filter($this->events(), static fn ($e) => 'customer.updated' !== $e['type']));
		$this->assertSame(array('booking.status_changed', 'booking.updated'), self::types($events), 'each event once');
		foreach ($events as $event) {
			$this->assertSame($booking, $event['object_id']);
			$this->assertSame('cancelled', $event['payload']['data']['status']);
			$this->assertSame($event['now'], $event['payload']['data']);
		}
		$changed = array_values(array_filter($events, static fn ($e) => 'booking.status_changed' === $e['type']))[0];
		$this->assertSame('approved', $changed['payload']['previous_status']);
	}

	public function testARescheduleInTheAdminIsBookingUpdatedOnly(): void {
		$this->admin('create_booking', self::booking('ann', 'single', 'main', self::day(0), '10:00'));
		$booking     = (int) $this->events()[0]['object_id'];
		$this->since = $this->lastEventId();
		$this->admin('update_booking', array('booking_id' => $booking, 'changes' => array('start_date' => self::day(1), 'start_time' => '14:30')));
		$events = array_values(array_filter($this->events(), static fn ($e) => 'customer.updated' !== $e['type']));
		$this->assertSame(array('booking.updated'), self::types($events), 'no status change');
		$this->assertSame('14:30', $events[0]['payload']['data']['start_time']);
		$this->assertSame($events[0]['now'], $events[0]['payload']['data']);
	}

	public function testDeletingInTheAdminIsBookingDeletedOnceWithTheBookingAsItWas(): void {
		$this->admin('create_booking', self::booking('ann', 'single', 'main', self::day(0), '10:00'));
		$created     = array_values(array_filter($this->events(), static fn ($e) => 'booking.created' === $e['type']))[0];
		$this->since = $this->lastEventId();
		$this->admin('delete_booking', array('booking_id' => $created['object_id']));
		$events = $this->events();
		$this->assertSame(array('booking.deleted'), self::types($events));
		$this->assertNull($events[0]['now'], 'the booking is gone');
		$this->assertSame($created['object_id'], $events[0]['payload']['data']['id']);
		$this->assertSame($created['payload']['data']['start_date'], $events[0]['payload']['data']['start_date']);
		$this->assertSame($created['payload']['data']['customer_id'], $events[0]['payload']['data']['customer_id']);
	}

	public function testCustomersMadeChangedAndDeletedInTheAdmin(): void {
		$this->admin('create_customer', array('fields' => array('first_name' => 'Hal', 'last_name' => 'Hook', 'email' => 'hal.hook@example.com', 'phone' => '+1 555 0400')));
		$events = $this->events();
		$this->assertSame(array('customer.created'), self::types($events));
		$this->assertSame('hal.hook@example.com', $events[0]['payload']['data']['email']);
		$this->assertSame($events[0]['now'], $events[0]['payload']['data']);

		$this->since = $this->lastEventId();
		$this->admin('update_customer', array('customer_id' => self::id('customers', 'cee'), 'fields' => array('phone' => '+1 555 0401')));
		$events = $this->events();
		$this->assertSame(array('customer.updated'), self::types($events));
		$this->assertSame('5550401', substr((string) preg_replace('/\D/', '', (string) $events[0]['payload']['data']['phone']), -7), 'the phone as LatePoint stored it');
		$this->assertSame($events[0]['now'], $events[0]['payload']['data']);

		$this->since = $this->lastEventId();
		$this->admin('delete_customer', array('customer_id' => self::id('customers', 'dee')));
		$events = $this->events();
		$this->assertSame(array('customer.deleted'), self::types($events));
		$this->assertSame(self::id('customers', 'dee'), $events[0]['payload']['data']['id']);
		$this->assertSame('Dee', $events[0]['payload']['data']['first_name']);
		$this->assertNull($events[0]['now'], 'the customer is gone');
	}

	/**
	 * A customer's stats count bookings: LatePoint saves the order's customer before its booking, so
	 * customer.updated has the stats of that moment. The rest must be the same.
	 */
	private static function without_stats(?array $data): ?array {
		unset($data['stats']);
		return $data;
	}

	/** The newest webhook event's id: what is queued from here on is the next step's. */
	private function lastEventId(): int {
		return (int) Stack::run(array('command' => 'webhook_events', 'since' => PHP_INT_MAX))['last'];
	}
}
