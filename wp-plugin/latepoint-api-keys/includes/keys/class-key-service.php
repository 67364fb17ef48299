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
use LatePointApi\Auth\Authenticator;
use LatePointApi\Auth\Client_Ip;
use LatePointApi\Support\Conflict_Error;
use LatePointApi\Support\Core;
use LatePointApi\Support\Input_List;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Paged_Query;
use LatePointApi\Support\Schema;
use LatePointApi\Support\Settings;
use LatePointApi\Support\Storage_Error;
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
	const FIELDS         = array( 'name', 'description', 'environment', 'permissions', 'rate_limit_per_minute', 'rate_limit_per_hour', 'allowed_ips', 'allowed_origins', 'expires_at' );
	const MAX_LIST_ITEMS = 100;

	/**
	 * Creates a key.
	 *
	 * @param array<string, mixed> $input Fields of SPEC §6b.
	 * @return array{key: string, record: array<string, mixed>}
	 * @throws Validation_Error|Conflict_Error
	 */
	public static function create( array $input, int $actor ): array {
		global $wpdb;
		$fields = self::validate( $input, null );
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
			self::to_columns( $fields ),
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
		if ( false === $wpdb->insert( Schema::keys(), $row ) ) {
			throw new \RuntimeException( 'The key could not be saved.' );
		}
		$id = (int) $wpdb->insert_id;
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
		global $wpdb;
		$row = self::row( $id );
		if ( in_array( $row['status'], array( 'revoked', 'rotated' ), true ) ) {
			throw new Conflict_Error( 'conflict', __( 'A revoked or rotated key cannot be changed.', 'latepoint-api-keys' ), array( 'status' => $row['status'] ) );
		}
		$fields = self::validate( $input, $row );
		$wpdb->update( Schema::keys(), self::to_columns( $fields ) + array( 'updated_at' => self::now() ), array( 'id' => $id ) );
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
		global $wpdb;
		if ( $grace_seconds < 0 || $grace_seconds > self::MAX_GRACE ) {
			throw new Validation_Error( array( 'grace_seconds' => __( 'Must be from 0 to 604800 seconds (7 days).', 'latepoint-api-keys' ) ) );
		}
		$old = self::row( $id );
		if ( ! in_array( $old['status'], array( 'active', 'disabled' ), true ) ) {
			throw new Conflict_Error( 'conflict', __( 'Only an active or disabled key can be rotated.', 'latepoint-api-keys' ), array( 'status' => $old['status'] ) );
		}
		$generated = Core::key_generate( $old['environment'] );
		$now       = self::now();
		$copy      = array_intersect_key( $old, array_flip( array( 'name', 'description', 'environment', 'permissions', 'rate_limit_per_minute', 'rate_limit_per_hour', 'allowed_ips', 'allowed_origins', 'expires_at' ) ) );
		$wpdb->query( 'START TRANSACTION' );
		$inserted = $wpdb->insert(
			Schema::keys(),
			$copy + array(
				'key_hash'     => $generated['hash'],
				'key_prefix'   => $generated['prefix'],
				'key_last4'    => $generated['last4'],
				'status'       => $old['status'],
				'created_at'   => $now,
				'created_by'   => $actor,
				'updated_at'   => $now,
				'rotated_from' => $id,
			)
		);
		$new_id = (int) $wpdb->insert_id;
		// A disabled key was not working: rotating it must not bring it back for a grace period.
		$grace  = 'disabled' === $old['status'] ? 0 : $grace_seconds;
		$moved  = $wpdb->update(
			Schema::keys(),
			array(
				'status'      => 'rotated',
				'grace_until' => gmdate( 'Y-m-d H:i:s', time() + $grace ),
				'updated_at'  => $now,
			),
			array( 'id' => $id, 'status' => $old['status'] )
		);
		if ( false === $inserted || 1 !== $moved ) {
			$wpdb->query( 'ROLLBACK' );
			throw new Conflict_Error( 'conflict', __( 'The key changed while it was being rotated; try again.', 'latepoint-api-keys' ) );
		}
		$wpdb->query( 'COMMIT' );
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
		list( $where, $args ) = self::where( $filters );
		$page                 = Paged_Query::newest_first( Schema::keys(), $where, $args, $offset, $limit, $before_id );
		return array(
			'items' => array_map( array( self::class, 'present' ), $page['rows'] ),
			'total' => $page['total'],
		);
	}

	/** @return array{0: string, 1: array} */
	private static function where( array $filters ): array {
		global $wpdb;
		$clauses = array();
		$args    = array();
		if ( ! empty( $filters['status'] ) ) {
			// The same rule as effective_status(): an active or disabled key past its expiry shows as expired.
			if ( 'expired' === $filters['status'] ) {
				$clauses[] = "(status = 'expired' OR (status IN ('active','disabled') AND expires_at IS NOT NULL AND expires_at <= %s))";
				$args[]    = self::now();
			} elseif ( in_array( $filters['status'], array( 'active', 'disabled' ), true ) ) {
				$clauses[] = 'status = %s AND (expires_at IS NULL OR expires_at > %s)';
				$args[]    = $filters['status'];
				$args[]    = self::now();
			} else {
				$clauses[] = 'status = %s';
				$args[]    = $filters['status'];
			}
		}
		if ( ! empty( $filters['environment'] ) ) {
			$clauses[] = 'environment = %s';
			$args[]    = $filters['environment'];
		}
		if ( ! empty( $filters['search'] ) ) {
			$like      = '%' . $wpdb->esc_like( $filters['search'] ) . '%';
			$clauses[] = '(name LIKE %s OR key_prefix LIKE %s)';
			$args[]    = $like;
			$args[]    = $like;
		}
		return array( $clauses ? ' WHERE ' . implode( ' AND ', $clauses ) : '', $args );
	}

	/** Active, unexpired keys (the cap counts these). */
	public static function count_active(): int {
		global $wpdb;
		return (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . Schema::keys() . " WHERE status = 'active' AND (expires_at IS NULL OR expires_at > %s)", self::now() ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
	}

	/**
	 * The record authentication needs, by key hash: one indexed read, cached
	 * per process until any key changes (or 60 s pass).
	 *
	 * @return ?array<string, mixed> null when no key has this hash.
	 */
	public static function find_for_auth( string $hash ): ?array {
		$cached = Core::cache_get( $hash );
		if ( null !== $cached ) {
			return $cached['missing'] ?? false ? null : $cached;
		}
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . Schema::keys() . ' WHERE key_hash = %s', $hash ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
		if ( null === $row && '' !== $wpdb->last_error ) {
			throw new Storage_Error( 'The key store is unavailable.' );
		}
		$record = $row ? self::auth_record( $row ) : array( 'missing' => true );
		Core::cache_put( $hash, $record, 60 );
		return $row ? $record : null;
	}

	/** Only what authentication reads, with timestamps as integers. */
	private static function auth_record( array $row ): array {
		return array(
			'id'                    => (int) $row['id'],
			'name'                  => $row['name'],
			'environment'           => $row['environment'],
			'key_prefix'            => $row['key_prefix'],
			'key_last4'             => $row['key_last4'],
			'permissions'           => self::decode_list( $row['permissions'] ),
			'rate_limit_per_minute' => null === $row['rate_limit_per_minute'] ? null : (int) $row['rate_limit_per_minute'],
			'rate_limit_per_hour'   => null === $row['rate_limit_per_hour'] ? null : (int) $row['rate_limit_per_hour'],
			'allowed_ips'           => self::decode_list( $row['allowed_ips'] ),
			'allowed_origins'       => self::decode_list( $row['allowed_origins'] ),
			'status'                => $row['status'],
			'expires_at'            => self::timestamp( $row['expires_at'] ),
			'grace_until'           => self::timestamp( $row['grace_until'] ),
		);
	}

	/** The limits a key gets: its own, else its environment's defaults. */
	public static function effective_limits( array $record ): array {
		list( $minute, $hour ) = Settings::default_limits( $record['environment'] );
		return array(
			'per_minute' => $record['rate_limit_per_minute'] ?? $minute,
			'per_hour'   => $record['rate_limit_per_hour'] ?? $hour,
		);
	}

	/** The row of a key, or a Not_Found_Error. */
	private static function row( int $id ): array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . Schema::keys() . ' WHERE id = %d', $id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
		if ( ! $row ) {
			throw new Not_Found_Error( __( 'No key has this id.', 'latepoint-api-keys' ) );
		}
		return $row;
	}

	private static function transition( int $id, array $from, string $to, string $action, int $actor, array $extra = array() ): array {
		global $wpdb;
		$row = self::row( $id );
		if ( ! in_array( $row['status'], $from, true ) ) {
			throw new Conflict_Error(
				'conflict',
				/* translators: 1: current status, 2: action */
				sprintf( __( 'A key that is %1$s cannot be %2$s.', 'latepoint-api-keys' ), $row['status'], $action ),
				array( 'status' => $row['status'] )
			);
		}
		$wpdb->update( Schema::keys(), array( 'status' => $to, 'updated_at' => self::now() ) + $extra, array( 'id' => $id ) );
		Core::cache_invalidate();
		Audit_Log::admin_action( $action, $id, $row['key_prefix'], $actor );
		return self::get( $id );
	}

	/**
	 * Validates input. $existing is null for a new key; for an update only the
	 * given fields change.
	 *
	 * @return array<string, mixed> the clean fields
	 * @throws Validation_Error
	 */
	private static function validate( array $input, ?array $existing ): array {
		$errors = array();
		$clean  = array();
		foreach ( array_diff( array_keys( $input ), self::FIELDS ) as $unknown ) {
			$errors[ (string) $unknown ] = __( 'Unknown field.', 'latepoint-api-keys' );
		}
		$creating = null === $existing;

		if ( $creating || array_key_exists( 'name', $input ) ) {
			$name = $input['name'] ?? null;
			if ( ! is_string( $name ) || '' === trim( $name ) ) {
				$errors['name'] = __( 'A name is required.', 'latepoint-api-keys' );
			} elseif ( mb_strlen( trim( $name ) ) > 100 ) {
				$errors['name'] = __( 'At most 100 characters.', 'latepoint-api-keys' );
			} else {
				$clean['name'] = trim( $name );
			}
		}
		if ( array_key_exists( 'description', $input ) ) {
			$description = $input['description'];
			if ( null !== $description && ! is_string( $description ) ) {
				$errors['description'] = __( 'Must be text.', 'latepoint-api-keys' );
			} elseif ( mb_strlen( (string) $description ) > 1000 ) {
				$errors['description'] = __( 'At most 1000 characters.', 'latepoint-api-keys' );
			} else {
				$clean['description'] = (string) $description;
			}
		}
		if ( $creating ) {
			$environment = $input['environment'] ?? 'live';
			if ( ! in_array( $environment, array( 'live', 'test' ), true ) ) {
				$errors['environment'] = __( 'Must be "live" or "test".', 'latepoint-api-keys' );
			} else {
				$clean['environment'] = $environment;
			}
		} elseif ( array_key_exists( 'environment', $input ) && $input['environment'] !== $existing['environment'] ) {
			$errors['environment'] = __( 'A key\'s environment cannot change; create a new key.', 'latepoint-api-keys' );
		}
		if ( $creating || array_key_exists( 'permissions', $input ) ) {
			$permissions = $input['permissions'] ?? null;
			if ( ! is_array( $permissions ) || ! $permissions ) {
				$errors['permissions'] = __( 'Choose at least one permission.', 'latepoint-api-keys' );
			} elseif ( array_filter( $permissions, static fn ( $p ) => ! is_string( $p ) || ! in_array( $p, Permissions::ALL, true ) ) ) {
				$errors['permissions'] = sprintf(
					/* translators: %s: list of permissions */
					__( 'Unknown permission. Known: %s.', 'latepoint-api-keys' ),
					implode( ', ', Permissions::ALL )
				);
			} else {
				$clean['permissions'] = Permissions::normalize( $permissions );
			}
		}
		foreach ( array( 'rate_limit_per_minute' => 1000000, 'rate_limit_per_hour' => 100000000 ) as $field => $max ) {
			if ( ! array_key_exists( $field, $input ) ) {
				continue;
			}
			$value = $input[ $field ];
			if ( null === $value || '' === $value ) {
				$clean[ $field ] = null;
			} elseif ( is_int( $value ) || ( is_string( $value ) && ctype_digit( $value ) ) ) {
				$value = (int) $value;
				if ( $value < 1 || $value > $max ) {
					/* translators: %d: maximum */
					$errors[ $field ] = sprintf( __( 'Must be from 1 to %d, or null for the default.', 'latepoint-api-keys' ), $max );
				} else {
					$clean[ $field ] = $value;
				}
			} else {
				$errors[ $field ] = __( 'Must be a whole number, or null for the default.', 'latepoint-api-keys' );
			}
		}
		if ( array_key_exists( 'allowed_ips', $input ) ) {
			$list = Client_Ip::parse_list( $input['allowed_ips'] ?? array() );
			if ( $list['invalid'] ) {
				/* translators: %s: the invalid entries */
				$errors['allowed_ips'] = sprintf( __( 'Not an IP address or CIDR range: %s', 'latepoint-api-keys' ), implode( ', ', array_slice( $list['invalid'], 0, 5 ) ) );
			} elseif ( count( $list['valid'] ) > 100 ) {
				$errors['allowed_ips'] = __( 'At most 100 entries.', 'latepoint-api-keys' );
			} else {
				$clean['allowed_ips'] = $list['valid'];
			}
		}
		if ( array_key_exists( 'allowed_origins', $input ) ) {
			$list = self::parse_origins( $input['allowed_origins'] ?? array() );
			if ( $list['invalid'] ) {
				/* translators: %s: the invalid entries */
				$errors['allowed_origins'] = sprintf( __( 'Not an origin like https://example.com: %s', 'latepoint-api-keys' ), implode( ', ', array_slice( $list['invalid'], 0, 5 ) ) );
			} elseif ( count( $list['valid'] ) > 100 ) {
				$errors['allowed_origins'] = __( 'At most 100 entries.', 'latepoint-api-keys' );
			} else {
				$clean['allowed_origins'] = $list['valid'];
			}
		}
		if ( array_key_exists( 'expires_at', $input ) ) {
			$value = $input['expires_at'];
			if ( null === $value || '' === $value ) {
				$clean['expires_at'] = null;
			} else {
				$time = is_string( $value ) ? self::parse_datetime( $value ) : null;
				if ( null === $time ) {
					$errors['expires_at'] = __( 'Must be an ISO 8601 date-time (e.g. 2027-01-31T00:00:00Z) or null.', 'latepoint-api-keys' );
				} elseif ( $time <= time() ) {
					$errors['expires_at'] = __( 'Must be in the future.', 'latepoint-api-keys' );
				} else {
					$clean['expires_at'] = $time;
				}
			}
		} elseif ( $creating && 'test' === ( $clean['environment'] ?? '' ) ) {
			$clean['expires_at'] = time() + self::TEST_KEY_DAYS * DAY_IN_SECONDS;
		}
		// A pasted key would end up in the database in plain text.
		foreach ( array( 'name', 'description' ) as $field ) {
			if ( isset( $clean[ $field ] ) && preg_match( Authenticator::KEY_PATTERN, $clean[ $field ] ) ) {
				$errors[ $field ] = __( 'Looks like it contains an API key; keys must never be stored in plain text.', 'latepoint-api-keys' );
			}
		}
		if ( $errors ) {
			throw new Validation_Error( $errors );
		}
		return $clean;
	}

	/** @return array{valid: string[], invalid: string[]} */
	public static function parse_origins( $input ): array {
		return Input_List::parse( $input, array( self::class, 'normalize_origin' ) );
	}

	/** scheme://host[:port], lowercased, default ports dropped; null when not an origin. */
	public static function normalize_origin( string $value ): ?string {
		if ( ! preg_match( '#^(https?)://([a-z0-9.\-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?/?$#i', $value, $m ) ) {
			return null;
		}
		$scheme = strtolower( $m[1] );
		$host   = strtolower( $m[2] );
		$port   = isset( $m[3] ) && '' !== $m[3] ? (int) $m[3] : null;
		if ( null !== $port && ( $port < 1 || $port > 65535 ) ) {
			return null;
		}
		if ( ( 'https' === $scheme && 443 === $port ) || ( 'http' === $scheme && 80 === $port ) ) {
			$port = null;
		}
		return $scheme . '://' . $host . ( null === $port ? '' : ':' . $port );
	}

	private static function parse_datetime( string $value ): ?int {
		if ( ! preg_match( '/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/', $value ) ) {
			return null;
		}
		try {
			$date = new \DateTimeImmutable( $value, new \DateTimeZone( 'UTC' ) );
		} catch ( \Exception $e ) {
			return null;
		}
		$errors = \DateTimeImmutable::getLastErrors();
		if ( $errors && ( $errors['warning_count'] || $errors['error_count'] ) ) {
			return null;
		}
		return $date->getTimestamp();
	}

	private static function to_columns( array $fields ): array {
		$columns = array();
		foreach ( $fields as $name => $value ) {
			switch ( $name ) {
				case 'permissions':
				case 'allowed_ips':
				case 'allowed_origins':
					$columns[ $name ] = wp_json_encode( array_values( $value ) );
					break;
				case 'expires_at':
					$columns[ $name ] = null === $value ? null : gmdate( 'Y-m-d H:i:s', $value );
					break;
				case 'environment':
					break; // Set once, at creation.
				default:
					$columns[ $name ] = $value;
			}
		}
		return $columns;
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
		$expires = self::timestamp( $row['expires_at'] );
		$status  = self::effective_status( $row );
		$record  = array(
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
		$record['limits']       = self::effective_limits( $record + array( 'environment' => $row['environment'] ) );
		return $record;
	}

	private static function decode_list( $json ): array {
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

	public static function now(): string {
		return gmdate( 'Y-m-d H:i:s' );
	}
}
