<?php
/**
 * What the webhook delivery tests share: a real receiver on the loopback (WebhookReceiver), endpoints
 * made through Webhook_Service with a resolver that maps receiver.test to 127.0.0.1 (so every request
 * that arrives went through the pinned address) and metadata.test to 169.254.169.254, the real
 * Sender over real HTTP with local addresses allowed and a short timeout, the admin emails
 * turn_off() sends (caught by pre_wp_mail), and the endpoints' rows removed afterwards.
 *
 * While a test runs, a second database connection holds the runner's lock, so the stack's WP-Cron
 * (its php-fpm runs Delivery_Runner every minute) never sends the test's deliveries behind its
 * back; a test that calls Delivery_Runner::run() lets go of it with releaseRunnerLock().
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Support\Schema;
use LatePointApi\Webhooks\Delivery_Runner;
use LatePointApi\Webhooks\Destination;
use LatePointApi\Webhooks\Events;
use LatePointApi\Webhooks\Outbox;
use LatePointApi\Webhooks\Sender;
use LatePointApi\Webhooks\Webhook_Service;

require_once __DIR__ . '/WebhookReceiver.php';

trait WebhookFixtures {

	/** @var WebhookReceiver|null */
	protected static $receiver = null;
	/** @var int[] endpoints this test made */
	protected $hooks = array();
	/** @var array<int, array{to: mixed, subject: string, message: string}> */
	protected $mails = array();
	/** @var \mysqli|null the second connection that holds the runner's lock */
	private static $holder = null;

	/** @var int object ids of the class's events, unique per run (each test takes ++self::$object) */
	protected static $object = 0;

	/** The receiver runs for the whole class; each test gets its endpoints, sender and lock (setUpWebhooks). */
	public static function setUpBeforeClass(): void {
		parent::setUpBeforeClass();
		self::startReceiver();
		self::$object = random_int(1000000, 9000000);
	}

	public static function tearDownAfterClass(): void {
		self::stopReceiver();
		parent::tearDownAfterClass();
	}

	protected function setUp(): void {
		parent::setUp();
		$this->setUpWebhooks();
	}

	protected function tearDown(): void {
		$this->tearDownWebhooks();
		parent::tearDown();
	}

	protected static function startReceiver(): void {
		self::$receiver = new WebhookReceiver();
		self::$receiver->start();
	}

	protected static function stopReceiver(): void {
		if (null !== self::$receiver) {
			self::$receiver->stop();
			self::$receiver = null;
		}
		if (null !== self::$holder) {
			self::$holder->close();
			self::$holder = null;
		}
	}

	protected function setUpWebhooks(): void {
		Outbox::forget();
		Events::forget();
		Webhook_Service::$destination = self::destination();
		Delivery_Runner::$sender      = self::sender();
		self::$receiver->answer(200);
		self::$receiver->clear();
		$this->mails = array();
		$this->filter('pre_wp_mail', function ($short, $attributes) {
			$this->mails[] = array('to' => $attributes['to'], 'subject' => (string) $attributes['subject'], 'message' => (string) $attributes['message']);
			return true;
		}, 10, 2);
		$this->holdRunnerLock();
	}

	protected function tearDownWebhooks(): void {
		global $wpdb;
		$this->releaseRunnerLock();
		if ($this->hooks) {
			$in     = implode(',', array_map('intval', $this->hooks));
			$events = array_map('intval', $wpdb->get_col('SELECT DISTINCT event_id FROM ' . Schema::webhook_deliveries() . " WHERE webhook_id IN ({$in})"));
			$wpdb->query('DELETE FROM ' . Schema::webhook_attempts() . " WHERE webhook_id IN ({$in})");
			$wpdb->query('DELETE FROM ' . Schema::webhook_deliveries() . " WHERE webhook_id IN ({$in})");
			if ($events) {
				$wpdb->query('DELETE FROM ' . Schema::webhook_events() . ' WHERE id IN (' . implode(',', $events) . ')');
			}
			$wpdb->query('DELETE FROM ' . Schema::webhooks() . " WHERE id IN ({$in})");
		}
		$this->hooks                  = array();
		Webhook_Service::$destination = null;
		Webhook_Service::$allow_local = null;
		Delivery_Runner::$sender      = null;
		Outbox::forget();
		Events::forget();
	}

	/** receiver.test is the loopback, metadata.test the cloud metadata address; nothing else resolves. */
	protected static function destination(): Destination {
		return new Destination(static function (string $host): array {
			return array('receiver.test' => array('127.0.0.1'), 'metadata.test' => array('169.254.169.254'))[$host] ?? array();
		});
	}

	/** The real sender, local addresses allowed, 3 s per attempt. */
	protected static function sender(): Sender {
		return new Sender(self::destination(), true, 3);
	}

	/**
	 * An enabled endpoint at the receiver (through Webhook_Service, as the REST route makes it).
	 *
	 * @param string[] $events
	 * @return array{secret: string, record: array<string, mixed>}
	 */
	protected function endpoint(array $events, ?string $url = null): array {
		Webhook_Service::$allow_local = true;
		try {
			$made = Webhook_Service::create(array('url' => $url ?? self::$receiver->url('/hook', 'receiver.test'), 'events' => $events, 'description' => 'wptest webhook'), $this->admin());
		} finally {
			Webhook_Service::$allow_local = null;
		}
		$this->hooks[] = (int) $made['record']['id'];
		return $made;
	}

	protected function webhookRow(int $id): array {
		global $wpdb;
		$row = $wpdb->get_row($wpdb->prepare('SELECT * FROM ' . Schema::webhooks() . ' WHERE id = %d', $id), ARRAY_A);
		$this->assertIsArray($row, "webhook {$id} is not in the table");
		return $row;
	}

	protected function deliveryRow(int $id): array {
		global $wpdb;
		$row = $wpdb->get_row($wpdb->prepare('SELECT * FROM ' . Schema::webhook_deliveries() . ' WHERE id = %d', $id), ARRAY_A);
		$this->assertIsArray($row, "delivery {$id} is not in the table");
		return $row;
	}

	protected function eventRow(int $id): ?array {
		global $wpdb;
		return $wpdb->get_row($wpdb->prepare('SELECT * FROM ' . Schema::webhook_events() . ' WHERE id = %d', $id), ARRAY_A);
	}

	/** @return array<int, array<string, string>> an endpoint's deliveries, oldest first */
	protected function deliveriesOf(int $webhook_id): array {
		global $wpdb;
		return $wpdb->get_results($wpdb->prepare('SELECT * FROM ' . Schema::webhook_deliveries() . ' WHERE webhook_id = %d ORDER BY id', $webhook_id), ARRAY_A);
	}

	/** @return array<int, array<string, string>> the events delivered to an endpoint, oldest first, payload decoded into 'body' */
	protected function eventsOf(int $webhook_id, ?string $type = null): array {
		global $wpdb;
		$rows = $wpdb->get_results($wpdb->prepare('SELECT e.* FROM ' . Schema::webhook_events() . ' e JOIN ' . Schema::webhook_deliveries() . ' d ON d.event_id = e.id WHERE d.webhook_id = %d ORDER BY e.id', $webhook_id), ARRAY_A);
		$out  = array();
		foreach ($rows as $row) {
			if (null === $type || $row['type'] === $type) {
				$row['body'] = json_decode($row['payload'], true);
				$out[]       = $row;
			}
		}
		return $out;
	}

	/** @return array<int, array<string, string>> a delivery's attempts, oldest first */
	protected function attemptsOf(int $delivery_id): array {
		global $wpdb;
		return $wpdb->get_results($wpdb->prepare('SELECT * FROM ' . Schema::webhook_attempts() . ' WHERE delivery_id = %d ORDER BY id', $delivery_id), ARRAY_A);
	}

	/** Writes columns of a delivery directly (to move it in time). */
	protected function setDelivery(int $id, array $columns): void {
		global $wpdb;
		$this->assertNotFalse($wpdb->update(Schema::webhook_deliveries(), $columns, array('id' => $id)), $wpdb->last_error);
	}

	/** The name Delivery_Runner takes with GET_LOCK (per database and table prefix). */
	protected static function runnerLockName(): string {
		global $wpdb;
		return 'lpapi_webhooks_' . substr(md5(DB_NAME . '|' . $wpdb->prefix), 0, 16);
	}

	/** A connection of its own to the site's database (not $wpdb's). */
	protected static function secondConnection(): \mysqli {
		global $wpdb;
		list($host, $port, $socket) = $wpdb->parse_db_host(DB_HOST);
		$mysqli = mysqli_init();
		$mysqli->real_connect($host ?: 'localhost', DB_USER, DB_PASSWORD, DB_NAME, $port ? (int) $port : 3306, $socket ?: null);
		return $mysqli;
	}

	/** Takes the runner's lock on the second connection (waiting for a running cron runner, if any). */
	protected function holdRunnerLock(): void {
		if (null === self::$holder) {
			self::$holder = self::secondConnection();
		}
		$name   = self::$holder->real_escape_string(self::runnerLockName());
		$result = self::$holder->query("SELECT GET_LOCK('{$name}', 60)");
		$this->assertSame('1', (string) $result->fetch_row()[0], 'the runner\'s lock could not be taken');
	}

	protected function releaseRunnerLock(): void {
		if (null !== self::$holder) {
			$name = self::$holder->real_escape_string(self::runnerLockName());
			self::$holder->query("SELECT RELEASE_LOCK('{$name}')");
		}
	}
}
