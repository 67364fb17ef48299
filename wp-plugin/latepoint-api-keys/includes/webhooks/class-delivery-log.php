<?php
/**
 * The webhook delivery log: every attempt (when, which event and endpoint,
 * the HTTP status, how long it took, the start of the response), with
 * filters; resending one delivery; sending a test event; and its retention,
 * the audit log's (Settings "retention_days").
 *
 * @package LatePointApi
 */

namespace LatePointApi\Webhooks;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Support\Conflict_Error;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Paged_Query;
use LatePointApi\Support\Schema;
use LatePointApi\Support\Settings;

defined( 'ABSPATH' ) || exit;

/**
 * Static reads and actions over the attempts and deliveries tables.
 */
final class Delivery_Log {

	const RESULTS   = array( 'succeeded', 'failed' );
	const TEST_TYPE = 'webhook.test';

	/**
	 * A page of attempts, newest first.
	 *
	 * @param array{webhook_id?: int, event_type?: string, result?: string, message_id?: string} $filters
	 * @return array{items: array[], total: int}
	 */
	public static function query( array $filters, int $offset, int $limit, ?int $before_id = null ): array {
		$where = array();
		$args  = array();
		if ( ! empty( $filters['webhook_id'] ) ) {
			$where[] = 'webhook_id = %d';
			$args[]  = (int) $filters['webhook_id'];
		}
		if ( ! empty( $filters['event_type'] ) ) {
			$where[] = 'event_type = %s';
			$args[]  = (string) $filters['event_type'];
		}
		if ( ! empty( $filters['message_id'] ) ) {
			$where[] = 'message_id = %s';
			$args[]  = (string) $filters['message_id'];
		}
		if ( ! empty( $filters['result'] ) ) {
			$where[] = 'succeeded = %d';
			$args[]  = 'succeeded' === $filters['result'] ? 1 : 0;
		}
		$page = Paged_Query::newest_first( Schema::webhook_attempts(), $where ? ' WHERE ' . implode( ' AND ', $where ) : '', $args, $offset, $limit, $before_id );
		return array(
			'items' => self::present_all( $page['rows'] ),
			'total' => $page['total'],
		);
	}

	/** One attempt as the log shows it, or null. */
	public static function attempt( int $id ): ?array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . Schema::webhook_attempts() . ' WHERE id = %d', $id ), ARRAY_A );
		return $row ? self::present_all( array( $row ) )[0] : null;
	}

	/**
	 * Sends a delivery's event to its endpoint again, with the same webhook-id:
	 * a pending one is made due now; a finished one gets a new delivery.
	 *
	 * @return array{delivery_id: int, message_id: string}
	 * @throws Not_Found_Error|Conflict_Error
	 */
	public static function resend( int $delivery_id, int $actor ): array {
		global $wpdb;
		$row = $wpdb->get_row(
			$wpdb->prepare(
				'SELECT d.*, e.message_id, w.status AS webhook_status FROM ' . Schema::webhook_deliveries() . ' d JOIN ' . Schema::webhook_events() . ' e ON e.id = d.event_id LEFT JOIN '
				. Schema::webhooks() . ' w ON w.id = d.webhook_id WHERE d.id = %d',
				$delivery_id
			),
			ARRAY_A
		);
		if ( ! $row ) {
			throw new Not_Found_Error( __( 'No webhook delivery has this id (the log keeps deliveries for the retention period).', 'latepoint-api-keys' ) );
		}
		if ( 'enabled' !== $row['webhook_status'] ) {
			throw new Conflict_Error( 'webhook_disabled', __( 'The endpoint is disabled or deleted: enable it first.', 'latepoint-api-keys' ) );
		}
		if ( 'pending' === $row['status'] ) {
			$wpdb->update( Schema::webhook_deliveries(), array( 'next_attempt_at' => gmdate( 'Y-m-d H:i:s' ) ), array( 'id' => $delivery_id ) );
			$id = $delivery_id;
		} else {
			$id = Outbox::deliver( (int) $row['event_id'], (int) $row['webhook_id'] );
		}
		Audit_Log::admin_action( 'webhook_resent', null, '', $actor );
		Delivery_Runner::after_response();
		return array(
			'delivery_id' => $id,
			'message_id'  => (string) $row['message_id'],
		);
	}

	/**
	 * Sends a webhook.test event to an endpoint now, in this (admin) request,
	 * once (no retries), and returns the attempt.
	 *
	 * @throws Not_Found_Error|Conflict_Error
	 */
	public static function send_test( int $webhook_id, int $actor, ?Sender $sender = null ): array {
		$webhook = Webhook_Service::get( $webhook_id );
		if ( 'enabled' !== $webhook['status'] ) {
			throw new Conflict_Error( 'webhook_disabled', __( 'The endpoint is disabled: enable it to send it a test event.', 'latepoint-api-keys' ) );
		}
		$queued = Outbox::add_for(
			$webhook_id,
			self::TEST_TYPE,
			array(
				'webhook_id' => $webhook_id,
				'message'    => __( 'A test event from LatePoint API Keys.', 'latepoint-api-keys' ),
				'site'       => home_url( '/' ),
			)
		);
		// Sent here, now: never due for a runner, which could otherwise send it a second time meanwhile.
		global $wpdb;
		$wpdb->update( Schema::webhook_deliveries(), array( 'next_attempt_at' => null ), array( 'id' => $queued['delivery_id'] ) );
		Audit_Log::admin_action( 'webhook_tested', null, '', $actor );
		$attempt = Delivery_Runner::attempt( $queued['delivery_id'], $sender ?? Delivery_Runner::$sender, false );
		if ( null === $attempt ) {
			throw new Conflict_Error( 'webhook_test_not_sent', __( 'The test event could not be sent: the endpoint was changed meanwhile. Try again.', 'latepoint-api-keys' ) );
		}
		return $attempt;
	}

	/**
	 * Deletes attempts, finished deliveries and their events older than the
	 * retention period; pending deliveries, their attempts and their events are kept.
	 *
	 * @return int attempts deleted
	 */
	public static function purge(): int {
		global $wpdb;
		$days   = max( 1, (int) Settings::get( 'retention_days' ) );
		$cutoff = gmdate( 'Y-m-d H:i:s', time() - $days * DAY_IN_SECONDS );
		// A pending delivery's attempts stay with it: the runner reads its first attempt when the schedule is used up.
		$deleted = (int) $wpdb->query(
			$wpdb->prepare(
				'DELETE a FROM ' . Schema::webhook_attempts() . ' a LEFT JOIN ' . Schema::webhook_deliveries() . ' d ON d.id = a.delivery_id WHERE a.attempted_at < %s AND ( d.id IS NULL OR d.status <> %s )',
				$cutoff,
				'pending'
			)
		);
		$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . Schema::webhook_deliveries() . ' WHERE created_at < %s AND status <> %s', $cutoff, 'pending' ) );
		$wpdb->query(
			$wpdb->prepare(
				'DELETE e FROM ' . Schema::webhook_events() . ' e LEFT JOIN ' . Schema::webhook_deliveries() . ' d ON d.event_id = e.id WHERE e.created_at < %s AND d.id IS NULL',
				$cutoff
			)
		);
		return $deleted;
	}

	/**
	 * @param array[] $rows attempts rows
	 * @return array[]
	 */
	private static function present_all( array $rows ): array {
		global $wpdb;
		$ids  = array_values( array_unique( array_map( static fn ( $row ) => (int) $row['webhook_id'], $rows ) ) );
		$urls = array();
		if ( $ids ) {
			$marks = implode( ',', array_fill( 0, count( $ids ), '%d' ) );
			foreach ( (array) $wpdb->get_results( $wpdb->prepare( 'SELECT id, url FROM ' . Schema::webhooks() . " WHERE id IN ({$marks})", $ids ), ARRAY_A ) as $hook ) { // phpcs:ignore LatePointApi.Security.PreparedSql.InterpolatedVariable -- $marks holds only %d placeholders, one per id.
				$urls[ (int) $hook['id'] ] = (string) $hook['url'];
			}
		}
		$out = array();
		foreach ( $rows as $row ) {
			$out[] = array(
				'id'           => (int) $row['id'],
				'delivery_id'  => (int) $row['delivery_id'],
				'webhook_id'   => (int) $row['webhook_id'],
				'webhook_url'  => $urls[ (int) $row['webhook_id'] ] ?? null,
				'message_id'   => (string) $row['message_id'],
				'event_type'   => (string) $row['event_type'],
				'attempt'      => (int) $row['attempt'],
				'attempted_at' => gmdate( 'Y-m-d\TH:i:s\Z', (int) strtotime( $row['attempted_at'] . ' UTC' ) ),
				'succeeded'    => (bool) (int) $row['succeeded'],
				'http_status'  => null === $row['http_status'] ? null : (int) $row['http_status'],
				'duration_ms'  => (int) $row['duration_ms'],
				'response'     => (string) $row['response'],
				'error'        => '' === (string) $row['error'] ? null : (string) $row['error'],
			);
		}
		return $out;
	}
}
