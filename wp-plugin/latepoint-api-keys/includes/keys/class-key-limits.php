<?php
/**
 * A key's limits: its day window and its per-operation limits (writes only),
 * checked on the way in and merged over its environment's defaults.
 *
 * An operation limit is per_minute, per_hour and per_day, each a whole number
 * from 1 or null (no limit in that window), at least one set. A key's
 * operation_limits is null (the environment's defaults) or a map of operation
 * => entry or null: an entry replaces the default's entry for that operation,
 * null lifts the default limit of that operation for this key.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Keys;

use LatePointApi\Support\Settings;

defined( 'ABSPATH' ) || exit;

/**
 * Operation limits: validation, the merge, and their JSON shape.
 */
final class Key_Limits {

	/** The windows of an operation limit, and the highest value each takes. */
	const WINDOWS = array(
		'per_minute' => Settings::MAX_PER_MINUTE,
		'per_hour'   => Settings::MAX_PER_HOUR,
		'per_day'    => Settings::MAX_PER_DAY,
	);

	/** @return string[] the operations that may have a limit: the write permissions, in Permissions::ALL order */
	public static function operations(): array {
		return array_values( array_filter( Permissions::ALL, static fn ( $p ) => (bool) preg_match( '/:(create|update|delete)$/', $p ) ) );
	}

	/**
	 * Checks a map of operation => limit. $field names the map in the messages
	 * (e.g. operation_limits.bookings:create.per_minute). A null entry is kept
	 * when $null_entries (a key lifting a default), else dropped.
	 *
	 * @param mixed                 $input
	 * @param array<string, string> $errors field => message, added to
	 * @return ?array<string, ?array{per_minute: ?int, per_hour: ?int, per_day: ?int}> the clean map; null when invalid
	 */
	public static function validate_map( $input, string $field, bool $null_entries, array &$errors ): ?array {
		if ( ! is_array( $input ) ) {
			$errors[ $field ] = __( 'Must be an object of operation => limits.', 'latepoint-api-keys' );
			return null;
		}
		$clean  = array();
		$before = count( $errors );
		$known  = self::operations();
		foreach ( $input as $operation => $entry ) {
			$name = $field . '.' . $operation;
			if ( ! in_array( (string) $operation, $known, true ) ) {
				/* translators: 1: the field, 2: list of operations */
				$errors[ $name ] = sprintf( __( '%1$s: not an operation that can be limited. Known: %2$s.', 'latepoint-api-keys' ), $name, implode( ', ', $known ) );
				continue;
			}
			if ( null === $entry ) {
				if ( $null_entries ) {
					$clean[ $operation ] = null;
				}
				continue;
			}
			$limit = self::validate_entry( $entry, $name, $errors );
			if ( null !== $limit ) {
				$clean[ $operation ] = $limit;
			}
		}
		if ( count( $errors ) > $before ) {
			return null;
		}
		// Canonical order, as effective limits list them.
		return array_replace( array_intersect_key( array_flip( $known ), $clean ), $clean );
	}

	/**
	 * One operation's limit.
	 *
	 * @param mixed $entry
	 * @return ?array{per_minute: ?int, per_hour: ?int, per_day: ?int}
	 */
	private static function validate_entry( $entry, string $name, array &$errors ): ?array {
		if ( ! is_array( $entry ) ) {
			/* translators: %s: the field */
			$errors[ $name ] = sprintf( __( '%s: must be an object with per_minute, per_hour and per_day, or null.', 'latepoint-api-keys' ), $name );
			return null;
		}
		$before = count( $errors );
		foreach ( array_diff( array_keys( $entry ), array_keys( self::WINDOWS ) ) as $unknown ) {
			/* translators: %s: the field */
			$errors[ $name . '.' . $unknown ] = sprintf( __( '%s: unknown field; use per_minute, per_hour and per_day.', 'latepoint-api-keys' ), $name . '.' . $unknown );
		}
		$limit = array();
		foreach ( self::WINDOWS as $window => $max ) {
			$value = $entry[ $window ] ?? null;
			if ( null === $value || '' === $value ) {
				$limit[ $window ] = null;
			} elseif ( ( is_int( $value ) || ( is_string( $value ) && ctype_digit( $value ) ) ) && (int) $value >= 1 && (int) $value <= $max ) {
				$limit[ $window ] = (int) $value;
			} else {
				/* translators: 1: the field, 2: maximum */
				$errors[ $name . '.' . $window ] = sprintf( __( '%1$s: must be a whole number from 1 to %2$d, or null for no limit in this window.', 'latepoint-api-keys' ), $name . '.' . $window, $max );
			}
		}
		if ( count( $errors ) > $before ) {
			return null;
		}
		if ( array( null, null, null ) === array_values( $limit ) ) {
			/* translators: %s: the field */
			$errors[ $name ] = sprintf( __( '%s: set at least one of per_minute, per_hour and per_day.', 'latepoint-api-keys' ), $name );
			return null;
		}
		return $limit;
	}

	/**
	 * The limits a key gets: its own, else its environment's defaults.
	 *
	 * @param array<string, mixed> $record environment, rate_limit_per_minute/hour/day, operation_limits
	 * @return array{per_minute: int, per_hour: int, per_day: ?int, operations: array<string, array{per_minute: ?int, per_hour: ?int, per_day: ?int}>}
	 */
	public static function effective( array $record ): array {
		$defaults   = Settings::environment_limits( (string) $record['environment'] );
		$operations = $defaults['operations'];
		$own        = $record['operation_limits'] ?? null;
		if ( is_array( $own ) ) {
			foreach ( $own as $operation => $entry ) {
				$operations[ $operation ] = $entry;
			}
		}
		$limited = array();
		foreach ( self::operations() as $operation ) {
			$entry = self::entry( $operations[ $operation ] ?? null );
			if ( null !== $entry ) {
				$limited[ $operation ] = $entry;
			}
		}
		return array(
			'per_minute' => (int) ( $record['rate_limit_per_minute'] ?? $defaults['per_minute'] ),
			'per_hour'   => (int) ( $record['rate_limit_per_hour'] ?? $defaults['per_hour'] ),
			'per_day'    => isset( $record['rate_limit_per_day'] ) ? (int) $record['rate_limit_per_day'] : $defaults['per_day'],
			'operations' => $limited,
		);
	}

	/**
	 * A stored entry as per_minute, per_hour, per_day (?int each); null when it limits nothing.
	 *
	 * @param mixed $entry
	 */
	public static function entry( $entry ): ?array {
		if ( ! is_array( $entry ) ) {
			return null;
		}
		$limit = array();
		foreach ( array_keys( self::WINDOWS ) as $window ) {
			$value            = $entry[ $window ] ?? null;
			$limit[ $window ] = is_numeric( $value ) && (int) $value >= 1 ? (int) $value : null;
		}
		return array( null, null, null ) === array_values( $limit ) ? null : $limit;
	}

	/** A key's stored operation_limits column: null, or the map (an empty one is `{}`). */
	public static function decode( $json ): ?array {
		$map = is_string( $json ) && '' !== $json ? json_decode( $json, true ) : null;
		return is_array( $map ) ? $map : null;
	}

	public static function encode( ?array $map ): ?string {
		return null === $map ? null : (string) wp_json_encode( (object) $map );
	}

	/**
	 * A presented key (or /me) for JSON: operation maps are objects even when empty.
	 *
	 * @param array<string, mixed> $data with limits and, for a key, operation_limits
	 */
	public static function for_json( array $data ): array {
		if ( isset( $data['limits']['operations'] ) ) {
			$data['limits']['operations'] = (object) $data['limits']['operations'];
		}
		if ( isset( $data['operation_limits'] ) ) {
			$data['operation_limits'] = (object) $data['operation_limits'];
		}
		return $data;
	}
}
