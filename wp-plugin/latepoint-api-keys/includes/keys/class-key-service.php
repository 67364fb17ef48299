<?php
/**
 * The key store: the one implementation of creating, listing, updating,
 * disabling, enabling, revoking and rotating keys, shared by the admin page
 * and the REST key-management routes. Every change empties every worker's key
 * cache (lpapi_cache_invalidate) and is written to the audit log.
 *
 * The plaintext key is returned once, by create() and rotate(), and never stored.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Keys;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Support\Conflict_Error;
use LatePointApi\Support\Core;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Settings;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Static service over the keys table.
 */
final class Key_Service {

	const STATUSES       = array( 'active', 'disabled', 'revoked', 'rotated', 'expired' );
	const GRACE_CHOICES  = array( 0, 3600, 86400, 604800 );
	const MAX_GRACE      = 604800;
	const TEST_KEY_DAYS  = 3;
	const EXPIRING_DAYS  = 7;
	const FIELDS         = array( 'name', 'description', 'environment', 'permissions', 'rate_limit_per_minute', 'rate_limit_per_hour', 'rate_limit_per_day', 'operation_limits', 'allowed_ips', 'allowed_origins', 'expires_at' );
	const MAX_LIST_ITEMS = 100;

	/**
	 * Creates a key.
	 *
	 * @param array<string, mixed> $input Fields of docs/api.md.
	 * @return array{key: string, record: array<string, mixed>}
	 * @throws Validation_Error|Conflict_Error
	 */
	public static function create( array $input, int $actor ): array {
		$fields = Key_Validator::validate( $input, null );
		$cap    = (int) Settings::get( 'key_cap' );
		if ( self::count_active() >= $cap ) {
			throw new Conflict_Error(
				'conflict',
				/* translators: %d: the cap */
				sprintf( __( 'This site already has %d active keys, the most it allows. Revoke one, or raise the cap in Settings.', 'latepoint-api-keys' ), $cap ),
				array( 'reason' => 'active_key_cap', 'cap' => $cap )
			);
		}
		$generated = Core::key_generate( $fields['environment'] );
		$now       = self::now();
		$row       = array_merge(
			Key_Validator::to_columns( $fields ),
			array(
				'environment' => $fields['environment'],
				'key_hash'    => $generated['hash'],
				'key_prefix'  => $generated['prefix'],
				'key_last4'   => $generated['last4'],
				'status'      => 'active',
				'created_at'  => $now,
				'created_by'  => $actor,
				'updated_at'  => $now,
			)
		);
		$id        = Key_Repository::insert( $row );
		Core::cache_invalidate();
		Audit_Log::admin_action( 'created', $id, $generated['prefix'], $actor );
		return array(
			'key'    => $generated['key'],
			'record' => self::get( $id ),
		);
	}

	/**
	 * Changes a key's editable fields (not its environment).
	 *
	 * @throws Validation_Error|Not_Found_Error
	 */
	public static function update( int $id, array $input, int $actor ): array {
		$row = self::row( $id );
		if ( in_array( $row['status'], array( 'revoked', 'rotated' ), true ) ) {
			throw new Conflict_Error( 'conflict', __( 'A revoked or rotated key cannot be changed.', 'latepoint-api-keys' ), array( 'status' => $row['status'] ) );
		}
		$fields = Key_Validator::validate( $input, $row );
		Key_Repository::update( $id, Key_Validator::to_columns( $fields ) + array( 'updated_at' => self::now() ) );
		Core::cache_invalidate();
		Audit_Log::admin_action( 'updated', $id, $row['key_prefix'], $actor );
		return self::get( $id );
	}

	public static function disable( int $id, int $actor ): array {
		return self::transition( $id, array( 'active' ), 'disabled', 'disabled', $actor );
	}

	public static function enable( int $id, int $actor ): array {
		$row = self::row( $id );
		if ( 'disabled' === $row['status'] && self::count_active() >= (int) Settings::get( 'key_cap' ) ) {
			throw new Conflict_Error( 'conflict', __( 'The site is at its cap of active keys.', 'latepoint-api-keys' ), array( 'reason' => 'active_key_cap', 'cap' => (int) Settings::get( 'key_cap' ) ) );
		}
		return self::transition( $id, array( 'disabled' ), 'active', 'enabled', $actor );
	}

	/** Permanent: effective on the very next request in every worker. */
	public static function revoke( int $id, int $actor ): array {
		return self::transition( $id, array( 'active', 'disabled', 'rotated', 'expired' ), 'revoked', 'revoked', $actor, array( 'revoked_at' => self::now() ) );
	}

	/**
	 * Issues a new key with the same settings; the old one keeps working for
	 * $grace_seconds, then stops.
	 *
	 * @return array{key: string, record: array<string, mixed>, previous: array<string, mixed>}
	 */
	public static function rotate( int $id, int $grace_seconds, int $actor ): array {
		if ( $grace_seconds < 0 || $grace_seconds > self::MAX_GRACE ) {
			throw new Validation_Error( array( 'grace_seconds' => __( 'Must be from 0 to 604800 seconds (7 days).', 'latepoint-api-keys' ) ) );
		}
		$old = self::row( $id );
		if ( ! in_array( $old['status'], array( 'active', 'disabled' ), true ) ) {
			throw new Conflict_Error( 'conflict', __( 'Only an active or disabled key can be rotated.', 'latepoint-api-keys' ), array( 'status' => $old['status'] ) );
		}
		$generated = Core::key_generate( $old['environment'] );
		$now       = self::now();
		$copy      = array_intersect_key( $old, array_flip( self::FIELDS ) );
		// A disabled key was not working: rotating it must not bring it back for a grace period.
		$grace  = 'disabled' === $old['status'] ? 0 : $grace_seconds;
		$new_id = Key_Repository::replace(
			$old,
			$copy + array(
				'key_hash'     => $generated['hash'],
				'key_prefix'   => $generated['prefix'],
				'key_last4'    => $generated['last4'],
				'status'       => $old['status'],
				'created_at'   => $now,
				'created_by'   => $actor,
				'updated_at'   => $now,
				'rotated_from' => $id,
				// One set of rate counters for a key and all its replacements.
				'counter_id'   => (int) ( $old['counter_id'] ?? $old['id'] ),
			),
			array(
				'status'      => 'rotated',
				'grace_until' => gmdate( 'Y-m-d H:i:s', time() + $grace ),
				'updated_at'  => $now,
			)
		);
		Core::cache_invalidate();
		Audit_Log::admin_action( 'rotated', $id, $old['key_prefix'], $actor );
		Audit_Log::admin_action( 'created', $new_id, $generated['prefix'], $actor );
		return array(
			'key'      => $generated['key'],
			'record'   => self::get( $new_id ),
			'previous' => self::get( $id ),
		);
	}

	/** The public representation, or a Not_Found_Error. */
	public static function get( int $id ): array {
		return self::present( self::row( $id ) );
	}

	/**
	 * A page of keys, newest first.
	 *
	 * @param array{status?: string, environment?: string, search?: string} $filters
	 * @return array{items: array[], total: int}
	 */
	public static function list( array $filters, int $offset, int $limit, ?int $before_id = null ): array {
		$page = Key_Repository::page( $filters, $offset, $limit, $before_id );
		return array(
			'items' => array_map( array( self::class, 'present' ), $page['rows'] ),
			'total' => $page['total'],
		);
	}

	/** Active, unexpired keys (the cap counts these). */
	public static function count_active(): int {
		return Key_Repository::count_active( self::now() );
	}

	/**
	 * The record authentication needs, by key hash: one indexed read, cached
	 * per process until any key changes (or 60 s pass).
	 *
	 * @return ?array<string, mixed> null when no key has this hash.
	 */
	public static function find_for_auth( string $hash, ?bool &$from_cache = null ): ?array {
		$cached     = Core::cache_get( $hash );
		$from_cache = null !== $cached;
		if ( null !== $cached ) {
			return $cached['missing'] ?? false ? null : $cached;
		}
		$row    = Key_Repository::by_hash( $hash );
		$record = $row ? self::auth_record( $row ) : array( 'missing' => true );
		Core::cache_put( $hash, $record, 60 );
		return $row ? $record : null;
	}

	/** Only what authentication reads, with timestamps as integers. */
	private static function auth_record( array $row ): array {
		return array(
			'id'                    => (int) $row['id'],
			'counter_id'            => (int) ( $row['counter_id'] ?? $row['id'] ),
			'name'                  => $row['name'],
			'environment'           => $row['environment'],
			'key_prefix'            => $row['key_prefix'],
			'key_last4'             => $row['key_last4'],
			'permissions'           => self::decode_list( $row['permissions'] ),
			'rate_limit_per_minute' => null === $row['rate_limit_per_minute'] ? null : (int) $row['rate_limit_per_minute'],
			'rate_limit_per_hour'   => null === $row['rate_limit_per_hour'] ? null : (int) $row['rate_limit_per_hour'],
			'rate_limit_per_day'    => isset( $row['rate_limit_per_day'] ) ? (int) $row['rate_limit_per_day'] : null,
			'operation_limits'      => Key_Limits::decode( $row['operation_limits'] ?? null ),
			'allowed_ips'           => self::decode_list( $row['allowed_ips'] ),
			'allowed_origins'       => self::decode_list( $row['allowed_origins'] ),
			'status'                => $row['status'],
			'expires_at'            => self::timestamp( $row['expires_at'] ),
			'grace_until'           => self::timestamp( $row['grace_until'] ),
		);
	}

	/**
	 * The limits a key gets: its own, else its environment's defaults (Key_Limits::effective).
	 *
	 * @return array{per_minute: int, per_hour: int, per_day: ?int, operations: array<string, array{per_minute: ?int, per_hour: ?int, per_day: ?int}>}
	 */
	public static function effective_limits( array $record ): array {
		return Key_Limits::effective( $record );
	}

	/** The row of a key, or a Not_Found_Error. */
	private static function row( int $id ): array {
		$row = Key_Repository::by_id( $id );
		if ( ! $row ) {
			throw new Not_Found_Error( __( 'No key has this id.', 'latepoint-api-keys' ) );
		}
		return $row;
	}

	private static function transition( int $id, array $from, string $to, string $action, int $actor, array $extra = array() ): array {
		$row = self::row( $id );
		if ( ! in_array( $row['status'], $from, true ) ) {
			throw new Conflict_Error(
				'conflict',
				/* translators: 1: current status, 2: action */
				sprintf( __( 'A key that is %1$s cannot be %2$s.', 'latepoint-api-keys' ), $row['status'], $action ),
				array( 'status' => $row['status'] )
			);
		}
		Key_Repository::update( $id, array( 'status' => $to, 'updated_at' => self::now() ) + $extra );
		Core::cache_invalidate();
		Audit_Log::admin_action( $action, $id, $row['key_prefix'], $actor );
		return self::get( $id );
	}

	/** The status a key has now: stored status, with expiry and rotation grace applied. */
	public static function effective_status( array $row ): string {
		$status  = $row['status'];
		$expires = self::timestamp( $row['expires_at'] );
		if ( in_array( $status, array( 'active', 'disabled' ), true ) && null !== $expires && $expires <= time() ) {
			return 'expired';
		}
		return $status;
	}

	/** The public representation of a key row: never its hash. */
	public static function present( array $row ): array {
		$expires          = self::timestamp( $row['expires_at'] );
		$status           = self::effective_status( $row );
		$record           = array(
			'id'                    => (int) $row['id'],
			'name'                  => $row['name'],
			'description'           => (string) $row['description'],
			'environment'           => $row['environment'],
			'prefix'                => $row['key_prefix'],
			'last4'                 => $row['key_last4'],
			'display'               => $row['key_prefix'] . '…' . $row['key_last4'],
			'permissions'           => self::decode_list( $row['permissions'] ),
			'rate_limit_per_minute' => null === $row['rate_limit_per_minute'] ? null : (int) $row['rate_limit_per_minute'],
			'rate_limit_per_hour'   => null === $row['rate_limit_per_hour'] ? null : (int) $row['rate_limit_per_hour'],
			'rate_limit_per_day'    => isset( $row['rate_limit_per_day'] ) ? (int) $row['rate_limit_per_day'] : null,
			'operation_limits'      => Key_Limits::decode( $row['operation_limits'] ?? null ),
			'allowed_ips'           => self::decode_list( $row['allowed_ips'] ),
			'allowed_origins'       => self::decode_list( $row['allowed_origins'] ),
			'status'                => $status,
			'created_at'            => self::iso( $row['created_at'] ),
			'created_by'            => (int) $row['created_by'],
			'updated_at'            => self::iso( $row['updated_at'] ),
			'expires_at'            => self::iso( $row['expires_at'] ),
			'expiring_soon'         => 'active' === $status && null !== $expires && $expires - time() <= self::EXPIRING_DAYS * DAY_IN_SECONDS,
			'last_used_at'          => self::iso( $row['last_used_at'] ),
			'last_used_ip'          => $row['last_used_ip'],
			'revoked_at'            => self::iso( $row['revoked_at'] ),
			'rotated_from'          => null === $row['rotated_from'] ? null : (int) $row['rotated_from'],
			'grace_until'           => self::iso( $row['grace_until'] ),
		);
		$record['limits'] = self::effective_limits( $record + array( 'environment' => $row['environment'] ) );
		return $record;
	}

	public static function decode_list( $json ): array {
		$list = is_string( $json ) ? json_decode( $json, true ) : null;
		return is_array( $list ) ? array_values( $list ) : array();
	}

	public static function timestamp( $datetime ): ?int {
		if ( null === $datetime || '' === $datetime || '0000-00-00 00:00:00' === $datetime ) {
			return null;
		}
		$time = strtotime( $datetime . ' UTC' );
		return false === $time ? null : $time;
	}

	public static function iso( $datetime ): ?string {
		$time = self::timestamp( $datetime );
		return null === $time ? null : gmdate( 'Y-m-d\TH:i:s\Z', $time );
	}

	/** Marks keys past their expiry as expired; returns how many (daily maintenance). */
	public static function expire_due(): int {
		$changed = Key_Repository::expire_due( self::now() );
		if ( $changed ) {
			Core::cache_invalidate();
		}
		return $changed;
	}

	public static function now(): string {
		return gmdate( 'Y-m-d H:i:s' );
	}
}
