<?php
/**
 * The records the API returns, as JSON Schemas (OpenAPI 3.1): one home for
 * the field list of each kind, as its presenter in includes/latepoint/ (or
 * Key_Service, Log_Query, Me_Controller) builds it. Each route names the
 * record it returns in the route option Routes::RESPONSE (one(), many(),
 * deleted()); the OpenAPI document wraps it in the success envelope.
 * Embeds (`include=`) are optional properties; every other one is required.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\Audit\Audit_Row;
use LatePointApi\Keys\Key_Limits;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Keys\Permissions;
use LatePointApi\LatePoint\Tables;
use LatePointApi\Webhooks\Webhook_Service;

defined( 'ABSPATH' ) || exit;

/**
 * Record schemas and the success envelopes around them.
 */
final class Schemas {

	/** A route that returns one record, with meta of the named kind (NoMeta: `{}`). */
	public static function one( string $record, string $meta = 'NoMeta' ): array {
		return array( 'record' => $record, 'meta' => $meta );
	}

	/** A route that returns a list of records (PageMeta: the paging of docs/api.md). */
	public static function many( string $record, string $meta = 'PageMeta' ): array {
		return array( 'record' => $record, 'meta' => $meta, 'list' => true );
	}

	/** A DELETE: {id, deleted: true, previous: the record as it was}. */
	public static function deleted( string $record ): array {
		return array( 'record' => $record, 'meta' => 'NoMeta', 'deleted' => true );
	}

	/** What a success response of a route with the option Routes::RESPONSE is. */
	public static function envelope( array $response ): array {
		$record = self::ref( $response['record'] );
		if ( ! empty( $response['list'] ) ) {
			$data = array( 'type' => 'array', 'items' => $record );
		} elseif ( ! empty( $response['deleted'] ) ) {
			$data = self::record(
				array(
					'id'       => 'integer',
					'deleted'  => array( 'const' => true ),
					'previous' => $record,
				)
			);
		} else {
			$data = $record;
		}
		return array(
			'type'                 => 'object',
			'required'             => array( 'status', 'data', 'meta' ),
			'additionalProperties' => false,
			'properties'           => array(
				'status' => array( 'const' => 'success' ),
				'data'   => $data,
				'meta'   => self::ref( $response['meta'] ),
			),
		);
	}

	/** A line for the success response: "Success: one Booking", "Success: a list of Booking (meta: PageMeta)". */
	public static function summary( array $response ): string {
		if ( ! empty( $response['list'] ) ) {
			return 'Success: a list of ' . $response['record'] . ' (meta: ' . $response['meta'] . ')';
		}
		if ( ! empty( $response['deleted'] ) ) {
			return 'Success: the deleted ' . $response['record'];
		}
		return 'Success: one ' . $response['record'] . ( 'NoMeta' === $response['meta'] ? '' : ' (meta: ' . $response['meta'] . ')' );
	}

	/** @return array<string, array> the component schemas, by name */
	public static function components(): array {
		return Schemas_Records::latepoint() + self::admin() + self::webhooks() + self::metas();
	}

	/** The key of GET /me, the keys and log rows of /keys and /logs. */
	private static function admin(): array {
		$limit  = self::record( array( 'per_minute' => '?integer', 'per_hour' => '?integer', 'per_day' => '?integer' ), array(), 'An operation\'s limit per window; null: no limit in that window.' );
		$ops    = Key_Limits::operations();
		$limits = self::record(
			array(
				'per_minute' => 'integer',
				'per_hour'   => 'integer',
				'per_day'    => '?integer',
				'operations' => self::record( array(), array_fill_keys( $ops, $limit ), 'The write operations with a limit of their own.' ),
			),
			array(),
			'The limits the key gets: per_day null when there is no daily limit.'
		);
		$window = self::record( array( 'limit' => 'integer', 'remaining' => 'integer', 'reset' => 'integer' ) );
		$perms  = array( 'type' => 'array', 'items' => array( 'type' => 'string', 'enum' => Permissions::ALL ) );
		$env    = array( 'type' => 'string', 'enum' => array( 'live', 'test' ) );
		$key    = array(
			'id'                    => 'integer',
			'name'                  => 'string',
			'description'           => 'string',
			'environment'           => $env,
			'prefix'                => 'string',
			'last4'                 => 'string',
			'display'               => 'string',
			'permissions'           => $perms,
			'rate_limit_per_minute' => '?integer',
			'rate_limit_per_hour'   => '?integer',
			'rate_limit_per_day'    => '?integer',
			'operation_limits'      => self::nullable( self::record( array(), array_fill_keys( $ops, self::nullable( $limit ) ), 'The key\'s own operation limits over its environment\'s defaults; null for an operation lifts its default.' ) ),
			'allowed_ips'           => self::strings(),
			'allowed_origins'       => self::strings(),
			'status'                => array( 'type' => 'string', 'enum' => Key_Service::STATUSES ),
			'created_at'            => '?date-time',
			'created_by'            => 'integer',
			'updated_at'            => '?date-time',
			'expires_at'            => '?date-time',
			'expiring_soon'         => 'boolean',
			'last_used_at'          => '?date-time',
			'last_used_ip'          => '?string',
			'revoked_at'            => '?date-time',
			'rotated_from'          => '?integer',
			'grace_until'           => '?date-time',
			'limits'                => $limits,
		);
		return array(
			'Me'     => self::record(
				array(
					'id'          => 'integer',
					'name'        => 'string',
					'environment' => $env,
					'prefix'      => 'string',
					'last4'       => 'string',
					'permissions' => $perms,
					'limits'      => $limits,
					'expires_at'  => '?date-time',
					'rate_limit'  => self::nullable( self::record( array( 'minute' => $window, 'hour' => $window, 'day' => self::nullable( $window ) ) ) ),
				),
				array(),
				'The calling API key.'
			),
			'Key'    => self::record( $key, array(), 'An API key (never its hash or plaintext).' ),
			'NewKey' => self::record( $key + array( 'key' => array( 'type' => 'string', 'pattern' => '^lp_(live|test)_[0-9A-Za-z]{38}$' ) ), array(), 'A created or rotated key, with its plaintext `key`, shown once.' ),
			'LogRow' => self::record(
				array(
					'id'            => 'integer',
					'time'          => 'date-time',
					'request_id'    => 'string',
					'event'         => array( 'type' => 'string', 'enum' => Audit_Row::EVENTS ),
					'key_id'        => '?integer',
					'key_prefix'    => 'string',
					'actor_user_id' => '?integer',
					'method'        => 'string',
					'route'         => 'string',
					'status'        => 'integer',
					'error_code'    => 'string',
					'client_ip'     => 'string',
					'user_agent'    => 'string',
					'duration_ms'   => 'integer',
				),
				array(),
				'A row of the request and audit log.'
			),
		);
	}

	/** The webhook endpoints of /webhooks (never a secret, except the new one of NewWebhook). */
	private static function webhooks(): array {
		$hook = array(
			'id'                    => 'integer',
			'url'                   => 'string',
			'description'           => 'string',
			'events'                => array( 'type' => 'array', 'items' => array( 'type' => 'string', 'enum' => Webhook_Service::EVENTS ) ),
			'status'                => array( 'type' => 'string', 'enum' => Webhook_Service::STATUSES ),
			'disabled_reason'       => '?string',
			'previous_secret_until' => '?date-time',
			'created_at'            => '?date-time',
			'updated_at'            => '?date-time',
			'created_by'            => 'integer',
			'failing_since'         => '?date-time',
			'last_success_at'       => '?date-time',
		);
		return array(
			'WebhookAttempt' => self::record(
				array(
					'id'           => 'integer',
					'delivery_id'  => 'integer',
					'webhook_id'   => 'integer',
					'webhook_url'  => '?string',
					'message_id'   => 'string',
					'event_type'   => 'string',
					'attempt'      => 'integer',
					'attempted_at' => 'date-time',
					'succeeded'    => 'boolean',
					'http_status'  => '?integer',
					'duration_ms'  => 'integer',
					'response'     => 'string',
					'error'        => '?string',
				),
				array(),
				'One attempt of a webhook delivery (the delivery log). message_id is the webhook-id header; http_status is null when no HTTP response came (error says why); response is its first 1 KiB.'
			),
			'WebhookResend'  => self::record( array( 'delivery_id' => 'integer', 'message_id' => 'string' ), array(), 'The delivery that will send the event again, with the same webhook-id.' ),
			'Webhook'    => self::record( $hook, array(), 'A webhook endpoint (never its secret). previous_secret_until: while a rotated secret still signs. disabled_reason: gone (it answered 410) or failing (a whole retry schedule failed) when it was turned off automatically. failing_since: the first failed attempt since the last success.' ),
			'NewWebhook' => self::record( $hook + array( 'secret' => array( 'type' => 'string', 'pattern' => '^whsec_[A-Za-z0-9+/]+={0,2}$' ) ), array(), 'A created webhook, or one whose secret was rotated, with its plaintext `secret` (Standard Webhooks), shown once.' ),
		);
	}

	/** The `meta` of each kind of success response. */
	private static function metas(): array {
		$page = array(
			'total'       => 'integer',
			'page'        => 'integer',
			'per_page'    => 'integer',
			'total_pages' => 'integer',
			'next_cursor' => '?string',
		);
		return array(
			'NoMeta'             => self::record( array() ),
			'PageMeta'           => self::record( $page, array(), 'Paging: page and per_page, or cursor = next_cursor.' ),
			'OrderPageMeta'      => self::record( $page + array( 'sync_cursor' => '?string' ), array(), 'Paging, and sync_cursor: the cursor that resumes a sync later.' ),
			'SlotsMeta'          => self::record(
				array(
					'count'      => 'integer',
					'service_id' => 'integer',
					'date_from'  => 'date',
					'date_to'    => 'date',
					'attendees'  => 'integer',
					'interval'   => 'integer',
					'timezone'   => 'string',
				)
			),
			'FreeAgentsMeta'     => self::record(
				array(
					'count'      => 'integer',
					'agent_ids'  => array( 'type' => 'array', 'items' => array( 'type' => 'integer' ) ),
					'service_id' => 'integer',
					'date'       => 'date',
					'time'       => 'time',
					'attendees'  => 'integer',
					'timezone'   => 'string',
				)
			),
			'BookingCreatedMeta' => self::record(
				array(),
				array(
					'agent_assignment' => self::record(
						array(
							'requested' => array( 'const' => 'any' ),
							'agent_id'  => 'integer',
							'rule'      => 'string',
						)
					),
					'customer_created' => 'boolean',
				),
				'agent_assignment when agent_id was "any"; customer_created for an inline customer, to a key with customers:read.'
			),
			'RotatedMeta'        => self::record( array( 'previous' => self::ref( 'Key' ) ), array(), 'previous: the key that was rotated.' ),
		);
	}

	/**
	 * An object schema: $required fields always present, $optional ones (embeds) only when asked for;
	 * no others. A field is a schema, or a shorthand: integer, string, boolean, date, time (HH:MM),
	 * date-time, decimal (LatePoint's decimal string), each with a leading ? when it may be null.
	 */
	public static function record( array $required, array $optional = array(), string $description = '' ): array {
		$schema = array(
			'type'                 => 'object',
			'required'             => array_keys( $required ),
			'additionalProperties' => false,
			'properties'           => (object) array_map( array( self::class, 'field' ), $required + $optional ),
		);
		if ( ! $required ) {
			unset( $schema['required'] );
		}
		return '' === $description ? $schema : array( 'description' => $description ) + $schema;
	}

	/** @param string|array $field a shorthand of record() or a schema */
	private static function field( $field ): array {
		if ( is_array( $field ) ) {
			return $field;
		}
		$nullable = '?' === $field[0];
		$name     = ltrim( $field, '?' );
		$shapes   = array(
			'date'      => array( 'type' => 'string', 'format' => 'date' ),
			'time'      => array( 'type' => 'string', 'pattern' => '^[0-9]{2}:[0-5][0-9]$', 'description' => 'HH:MM, site time zone.' ),
			'date-time' => array( 'type' => 'string', 'format' => 'date-time' ),
			'decimal'   => array( 'type' => 'string', 'pattern' => '^-?[0-9]+(\.[0-9]+)?$', 'description' => 'A decimal as LatePoint stores it, e.g. "60.0000".' ),
		);
		$schema   = $shapes[ $name ] ?? array( 'type' => $name );
		if ( $nullable ) {
			$schema['type'] = array( $schema['type'], 'null' );
		}
		return $schema;
	}

	/** The schema, or null. */
	public static function nullable( array $schema ): array {
		return array( 'anyOf' => array( $schema, array( 'type' => 'null' ) ) );
	}

	public static function ref( string $name ): array {
		return array( '$ref' => '#/components/schemas/' . $name );
	}

	public static function strings(): array {
		return array( 'type' => 'array', 'items' => array( 'type' => 'string' ) );
	}

	/** A status of agents, services and locations. */
	public static function catalog_status(): array {
		return array( 'type' => 'string', 'enum' => Tables::CATALOG_STATUSES );
	}
}
