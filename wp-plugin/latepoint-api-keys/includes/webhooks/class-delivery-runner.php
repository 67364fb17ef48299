<?php
/**
 * Sends queued webhook deliveries: one runner at a time per database, with a
 * time budget, started by WP-Cron every minute and after a response that
 * queued events.
 *
 * Never in an API request's response path: after a response the runner
 * starts only once the response has been handed to the web server
 * (fastcgi_finish_request(); without it, as under the CLI or mod_php, cron
 * sends). Only one runner sends at a time (MariaDB's GET_LOCK, which the
 * server releases if the process dies), so an endpoint that never answers
 * holds at most one PHP worker, for at most its budget; other requests find
 * the lock taken and return at once.
 *
 * An attempt: the body as queued, a new webhook-timestamp and
 * webhook-signature (every active secret of the endpoint), the same
 * webhook-id on every retry. 2xx is delivered. 410 Gone turns the endpoint
 * off. Anything else (another status, a 3xx, no answer within 15 s, a
 * refused address) is tried again on the Retry_Schedule; after the last
 * attempt the delivery has failed, and if nothing reached the endpoint since
 * that delivery's first attempt the endpoint is turned off and the admin told.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Webhooks;

use LatePointApi\Support\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * The locked delivery loop.
 */
final class Delivery_Runner {

	const CRON_HOOK             = 'lpapi_deliver_webhooks';
	const CRON_BUDGET           = 30;
	const AFTER_RESPONSE_BUDGET = 20;
	const BATCH                 = 20;

	/** @var Sender|null For tests: the sender (its destination check and timeout). */
	public static $sender = null;

	/** @var bool */
	private static $after_response = false;

	public static function register(): void {
		add_action( self::CRON_HOOK, array( self::class, 'cron' ) );
	}

	/** WP-Cron: sends what is due. */
	public static function cron(): void {
		self::run( self::CRON_BUDGET );
	}

	/** Asks for a run once this request's response has been sent (called when an event is queued). */
	public static function after_response(): void {
		if ( self::$after_response ) {
			return;
		}
		self::$after_response = true;
		register_shutdown_function( array( self::class, 'run_after_response' ) );
	}

	/** Shutdown: with FastCGI, finish the response, then send (if no other runner is sending). */
	public static function run_after_response(): void {
		self::$after_response = false;
		if ( ! function_exists( 'fastcgi_finish_request' ) || defined( 'LPAPI_TESTING' ) ) {
			return; // Cron sends: a response is never held up.
		}
		if ( ! self::lock() ) {
			return;
		}
		fastcgi_finish_request();
		try {
			self::deliver_due( self::AFTER_RESPONSE_BUDGET );
		} finally {
			self::unlock();
		}
	}

	/**
	 * Sends due deliveries for up to $budget seconds (an attempt is started
	 * only when its whole timeout fits in what is left).
	 *
	 * @return array{ran: bool, attempts: int}
	 */
	public static function run( int $budget ): array {
		if ( ! self::lock() ) {
			return array(
				'ran'      => false,
				'attempts' => 0,
			);
		}
		try {
			return array(
				'ran'      => true,
				'attempts' => self::deliver_due( $budget ),
			);
		} finally {
			self::unlock();
		}
	}

	private static function deliver_due( int $budget ): int {
		global $wpdb;
		$sender   = self::sender();
		$deadline = microtime( true ) + $budget;
		$timeout  = $sender->timeout();
		// Raised when it would end the run first; an unlimited process (the CLI) stays unlimited.
		$limit = (int) ini_get( 'max_execution_time' );
		if ( $limit > 0 && $limit < $budget + $timeout + 10 && function_exists( 'set_time_limit' ) ) {
			set_time_limit( $budget + $timeout + 10 );
		}
		$attempts = 0;
		while ( microtime( true ) + $timeout <= $deadline ) {
			$due = $wpdb->get_col(
				$wpdb->prepare(
					'SELECT d.id FROM ' . Schema::webhook_deliveries() . ' d WHERE d.status = %s AND d.next_attempt_at <= %s ORDER BY d.next_attempt_at ASC, d.id ASC LIMIT %d',
					'pending',
					gmdate( 'Y-m-d H:i:s' ),
					self::BATCH
				)
			);
			if ( ! $due ) {
				// A retry due before the budget runs out (short test schedules) is waited for; none is, with the default one.
				$next = $wpdb->get_var( $wpdb->prepare( 'SELECT MIN(next_attempt_at) FROM ' . Schema::webhook_deliveries() . ' WHERE status = %s', 'pending' ) );
				$wait = null === $next ? null : strtotime( $next . ' UTC' ) - microtime( true );
				if ( null === $wait || microtime( true ) + max( 0.0, $wait ) + $timeout > $deadline ) {
					break;
				}
				usleep( (int) ( max( 0.0, $wait ) * 1e6 ) + 1000 );
				continue;
			}
			foreach ( $due as $delivery_id ) {
				if ( microtime( true ) + $timeout > $deadline ) {
					break 2;
				}
				if ( null !== self::attempt( (int) $delivery_id, $sender ) ) {
					++$attempts;
				}
			}
		}
		return $attempts;
	}

	/**
	 * One attempt of a delivery; records it in the log and decides what next.
	 *
	 * @param bool $retry false: no retry whatever happens (a test event).
	 * @return array<string, mixed>|null The attempt as the log shows it, or null if the delivery is not pending.
	 */
	public static function attempt( int $delivery_id, ?Sender $sender = null, bool $retry = true ): ?array {
		global $wpdb;
		$row = $wpdb->get_row(
			$wpdb->prepare(
				'SELECT d.*, e.message_id, e.type, e.payload, w.url, w.status AS webhook_status FROM ' . Schema::webhook_deliveries() . ' d LEFT JOIN '
				. Schema::webhook_events() . ' e ON e.id = d.event_id LEFT JOIN ' . Schema::webhooks() . ' w ON w.id = d.webhook_id WHERE d.id = %d',
				$delivery_id
			),
			ARRAY_A
		);
		if ( ! $row || 'pending' !== $row['status'] ) {
			return null;
		}
		$webhook_id = (int) $row['webhook_id'];
		// A disabled endpoint, or one (or an event) whose row is gone: cancelled, not left pending for every run to pick up again.
		if ( 'enabled' !== $row['webhook_status'] || null === $row['message_id'] ) {
			self::finish( $delivery_id, 'cancelled', null );
			return null;
		}
		$sender    = $sender ?? self::sender();
		$number    = (int) $row['attempts'] + 1;
		$timestamp = time();
		$body      = (string) $row['payload'];
		try {
			$signature = Signature::header( Webhook_Service::signing_secrets( $webhook_id ), (string) $row['message_id'], $timestamp, $body );
			$result    = $sender->send(
				(string) $row['url'],
				array(
					'Content-Type'      => 'application/json',
					'webhook-id'        => (string) $row['message_id'],
					'webhook-timestamp' => (string) $timestamp,
					'webhook-signature' => $signature,
				),
				$body
			);
		} catch ( \Throwable $e ) {
			$result = array(
				'status'      => null,
				'duration_ms' => 0,
				'response'    => '',
				'error'       => 'The endpoint\'s signing secret could not be decrypted (were the salts in wp-config.php changed?): rotate its secret.',
			);
		}
		$status    = $result['status'];
		$succeeded = null !== $status && $status >= 200 && $status < 300;
		$now       = gmdate( 'Y-m-d H:i:s' );
		$wpdb->insert(
			Schema::webhook_attempts(),
			array(
				'delivery_id'  => $delivery_id,
				'webhook_id'   => $webhook_id,
				'event_id'     => (int) $row['event_id'],
				'message_id'   => (string) $row['message_id'],
				'event_type'   => (string) $row['type'],
				'attempt'      => $number,
				'attempted_at' => $now,
				'succeeded'    => $succeeded ? 1 : 0,
				'http_status'  => $status,
				'duration_ms'  => $result['duration_ms'],
				'response'     => $result['response'],
				'error'        => mb_substr( $result['error'], 0, 255 ),
			)
		);
		$attempt_id = (int) $wpdb->insert_id;

		$pending = array(
			'id'     => $delivery_id,
			'status' => 'pending',
		);
		$update  = array(
			'attempts'        => $number,
			'last_status'     => $status,
			'last_attempt_at' => $now,
		);
		if ( $succeeded ) {
			$wpdb->update( Schema::webhook_deliveries(), $update + array( 'status' => 'succeeded', 'next_attempt_at' => null ), $pending );
			$wpdb->update(
				Schema::webhooks(),
				array(
					'last_success_at' => $now,
					'failing_since'   => null,
				),
				array( 'id' => $webhook_id )
			);
		} elseif ( 410 === $status ) {
			$wpdb->update( Schema::webhook_deliveries(), $update + array( 'status' => 'failed', 'next_attempt_at' => null ), $pending );
			Webhook_Service::turn_off( $webhook_id, 'gone', __( 'The endpoint answered 410 Gone, so deliveries to it were stopped.', 'latepoint-api-keys' ) );
		} else {
			if ( $retry ) { // A failed test event says nothing of the endpoint's deliveries.
				$wpdb->query( $wpdb->prepare( 'UPDATE ' . Schema::webhooks() . ' SET failing_since = %s WHERE id = %d AND failing_since IS NULL', $now, $webhook_id ) );
			}
			$delay = $retry ? Retry_Schedule::delay_after( $number ) : null;
			if ( null !== $delay ) {
				$wpdb->update( Schema::webhook_deliveries(), $update + array( 'next_attempt_at' => gmdate( 'Y-m-d H:i:s', time() + $delay ) ), $pending );
			} else {
				$wpdb->update( Schema::webhook_deliveries(), $update + array( 'status' => 'failed', 'next_attempt_at' => null ), $pending );
				if ( $retry ) {
					self::maybe_turn_off( $webhook_id, (int) $delivery_id );
				}
			}
		}
		return Delivery_Log::attempt( $attempt_id );
	}

	/**
	 * After a delivery used every attempt: if nothing reached the endpoint
	 * since that delivery's first attempt, it has failed for the whole
	 * schedule (about three days), and is turned off.
	 */
	private static function maybe_turn_off( int $webhook_id, int $delivery_id ): void {
		global $wpdb;
		$first   = $wpdb->get_var( $wpdb->prepare( 'SELECT MIN(attempted_at) FROM ' . Schema::webhook_attempts() . ' WHERE delivery_id = %d', $delivery_id ) );
		$success = $wpdb->get_var( $wpdb->prepare( 'SELECT last_success_at FROM ' . Schema::webhooks() . ' WHERE id = %d', $webhook_id ) );
		if ( null === $first || ( null !== $success && $success >= $first ) ) {
			return;
		}
		Webhook_Service::turn_off( $webhook_id, 'failing', __( 'Every attempt of a delivery failed for its whole retry schedule, so deliveries to the endpoint were stopped.', 'latepoint-api-keys' ) );
	}

	/** Ends a delivery without sending it. */
	private static function finish( int $delivery_id, string $status, ?int $http_status ): void {
		global $wpdb;
		$wpdb->update(
			Schema::webhook_deliveries(),
			array(
				'status'          => $status,
				'next_attempt_at' => null,
				'last_status'     => $http_status,
			),
			array( 'id' => $delivery_id )
		);
	}

	private static function sender(): Sender {
		return self::$sender ?? new Sender();
	}

	/** Takes the runner's lock without waiting; false if another process holds it. */
	private static function lock(): bool {
		global $wpdb;
		return '1' === (string) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, 0)', self::lock_name() ) );
	}

	private static function unlock(): void {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', self::lock_name() ) );
	}

	/** Per database and table prefix (at most 64 characters, MariaDB's limit). */
	private static function lock_name(): string {
		global $wpdb;
		return 'lpapi_webhooks_' . substr( md5( DB_NAME . '|' . $wpdb->prefix ), 0, 16 );
	}
}
