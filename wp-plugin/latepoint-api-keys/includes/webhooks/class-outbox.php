<?php
/**
 * The webhook queue: an event becomes one row in the events table (its
 * Standard Webhooks message id and body) and one pending delivery per enabled
 * endpoint subscribed to its type.
 *
 * Queuing is a few INSERTs on the request's own database connection, so an
 * event of a write made in a transaction is committed or rolled back with it.
 * Nothing is sent here: Delivery_Runner sends, after the response or from
 * cron. With no endpoint subscribed to a type, queuing it writes nothing.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Webhooks;

use LatePointApi\Support\Schema;
use LatePointApi\Support\Storage_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Static queue over the events and deliveries tables.
 */
final class Outbox {

	/** @var array<string, int> Events queued by this request, by "type:object id" (updated, not doubled). */
	private static $queued = array();

	/** @var array<int, string[]>|null The enabled endpoints' events, read once per request. */
	private static $endpoints = null;

	/**
	 * Queues an event for every enabled endpoint subscribed to $type.
	 *
	 * The same type for the same object twice in one request (LatePoint fires
	 * some hooks more than once for one save) is one event, with the later data.
	 *
	 * @param string      $type      One of Webhook_Service::EVENTS.
	 * @param int|null    $object_id The booking, customer, order, transaction or key.
	 * @param array       $data      The object as the API's GET returns it.
	 * @param array       $extra     More top-level payload fields (previous_status).
	 * @param string|null $dedupe    A name queued once only, ever (key.expiring).
	 * @return int|null The event's id, or null when nothing was queued.
	 */
	public static function add( string $type, ?int $object_id, array $data, array $extra = array(), ?string $dedupe = null ): ?int {
		$targets = self::subscribers( $type );
		if ( ! $targets ) {
			return null;
		}
		$body = self::body( $type, $data, $extra );
		// A named event is queued once by its name (the unique key), never merged into another.
		$seen = null === $object_id || null !== $dedupe ? null : $type . ':' . $object_id;
		global $wpdb;
		if ( null !== $seen && isset( self::$queued[ $seen ] ) ) {
			$id = self::$queued[ $seen ];
			// The row is gone if the transaction it was written in rolled back: queue it anew.
			if ( $wpdb->get_var( $wpdb->prepare( 'SELECT id FROM ' . Schema::webhook_events() . ' WHERE id = %d', $id ) ) ) {
				$wpdb->update( Schema::webhook_events(), array( 'payload' => $body ), array( 'id' => $id ) );
				return $id;
			}
		}
		$now = gmdate( 'Y-m-d H:i:s' );
		$row = array(
			'message_id' => self::message_id(),
			'type'       => $type,
			'object_id'  => $object_id,
			'payload'    => $body,
			'dedupe'     => $dedupe,
			'created_at' => $now,
		);
		if ( null !== $dedupe ) {
			// Queued once: a second insert of the same name is ignored (the unique key decides, not a read first).
			$inserted = $wpdb->query( $wpdb->prepare( 'INSERT IGNORE INTO ' . Schema::webhook_events() . ' (message_id, type, object_id, payload, dedupe, created_at) VALUES (%s, %s, %d, %s, %s, %s)', $row['message_id'], $type, (int) $object_id, $body, $dedupe, $now ) );
			if ( 1 !== $inserted ) {
				return null;
			}
		} elseif ( false === $wpdb->insert( Schema::webhook_events(), $row ) ) {
			throw new Storage_Error( 'The webhook event could not be queued.' );
		}
		$id = (int) $wpdb->insert_id;
		foreach ( $targets as $webhook_id ) {
			self::deliver( $id, $webhook_id );
		}
		if ( null !== $seen ) {
			self::$queued[ $seen ] = $id;
		}
		Delivery_Runner::after_response();
		return $id;
	}

	/**
	 * An event for one endpoint only, whatever it subscribes to ("send a test
	 * event"): the event id and its delivery id.
	 *
	 * @return array{event_id: int, delivery_id: int}
	 */
	public static function add_for( int $webhook_id, string $type, array $data ): array {
		global $wpdb;
		$row = array(
			'message_id' => self::message_id(),
			'type'       => $type,
			'object_id'  => null,
			'payload'    => self::body( $type, $data, array() ),
			'dedupe'     => null,
			'created_at' => gmdate( 'Y-m-d H:i:s' ),
		);
		if ( false === $wpdb->insert( Schema::webhook_events(), $row ) ) {
			throw new Storage_Error( 'The webhook event could not be queued.' );
		}
		$event_id = (int) $wpdb->insert_id;
		return array(
			'event_id'    => $event_id,
			'delivery_id' => self::deliver( $event_id, $webhook_id ),
		);
	}

	/** A pending delivery of an event to an endpoint, due now; its id. */
	public static function deliver( int $event_id, int $webhook_id ): int {
		global $wpdb;
		$now = gmdate( 'Y-m-d H:i:s' );
		$ok  = $wpdb->insert(
			Schema::webhook_deliveries(),
			array(
				'event_id'        => $event_id,
				'webhook_id'      => $webhook_id,
				'status'          => 'pending',
				'attempts'        => 0,
				'next_attempt_at' => $now,
				'created_at'      => $now,
			)
		);
		if ( false === $ok ) {
			throw new Storage_Error( 'The webhook delivery could not be queued.' );
		}
		return (int) $wpdb->insert_id;
	}

	/**
	 * The enabled endpoints subscribed to $type.
	 *
	 * @return int[]
	 */
	public static function subscribers( string $type ): array {
		if ( null === self::$endpoints ) {
			global $wpdb;
			$rows            = $wpdb->get_results( $wpdb->prepare( 'SELECT id, events FROM ' . Schema::webhooks() . ' WHERE status = %s', 'enabled' ), ARRAY_A );
			self::$endpoints = array();
			foreach ( (array) $rows as $row ) {
				$events                              = json_decode( (string) $row['events'], true );
				self::$endpoints[ (int) $row['id'] ] = is_array( $events ) ? $events : array();
			}
		}
		$ids = array();
		foreach ( self::$endpoints as $id => $events ) {
			if ( in_array( $type, $events, true ) ) {
				$ids[] = $id;
			}
		}
		return $ids;
	}

	/** An endpoint was made, changed or turned off: read them again (what this request queued stays known). */
	public static function endpoints_changed(): void {
		self::$endpoints = null;
	}

	/** Forgets what this request read and queued (each test starts afresh). */
	public static function forget(): void {
		self::$endpoints = null;
		self::$queued    = array();
	}

	/** The body sent, the same bytes for every attempt: {"type", "timestamp", …extra, "data"}. */
	private static function body( string $type, array $data, array $extra ): string {
		$payload = array(
			'type'      => $type,
			'timestamp' => gmdate( 'Y-m-d\TH:i:s\Z' ),
		) + $extra + array( 'data' => $data );
		return (string) wp_json_encode( $payload, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE );
	}

	/** A new webhook-id: "msg_" and 32 hex digits. */
	private static function message_id(): string {
		return 'msg_' . bin2hex( random_bytes( 16 ) );
	}
}
