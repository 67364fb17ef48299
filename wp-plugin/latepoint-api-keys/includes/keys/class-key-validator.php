<?php
/**
 * The key fields' rules: what a create or an update may set, checked and
 * normalised (permissions, limits, operation limits, allowlists, expiry),
 * and their columns.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Keys;

use LatePointApi\Support\Settings;
use LatePointApi\Auth\Client_Ip;
use LatePointApi\Support\Input_List;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Validates key input.
 */
final class Key_Validator {

	/**
	 * Validates input. $existing is null for a new key; for an update only the
	 * given fields change.
	 *
	 * @return array<string, mixed> the clean fields
	 * @throws Validation_Error
	 */
	public static function validate( array $input, ?array $existing ): array {
		$errors = array();
		$clean  = array();
		foreach ( array_diff( array_keys( $input ), Key_Service::FIELDS ) as $unknown ) {
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
		foreach ( array( 'rate_limit_per_minute' => Settings::MAX_PER_MINUTE, 'rate_limit_per_hour' => Settings::MAX_PER_HOUR, 'rate_limit_per_day' => Settings::MAX_PER_DAY ) as $field => $max ) {
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
		if ( array_key_exists( 'operation_limits', $input ) ) {
			// null: the environment's defaults; else operation => limit, or null to lift that default.
			$map = null === $input['operation_limits'] ? null : Key_Limits::validate_map( $input['operation_limits'], 'operation_limits', true, $errors );
			if ( null === $input['operation_limits'] || null !== $map ) {
				$clean['operation_limits'] = $map;
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
			$clean['expires_at'] = time() + Key_Service::TEST_KEY_DAYS * DAY_IN_SECONDS;
		}
		// A pasted key would end up in the database in plain text.
		foreach ( array( 'name', 'description' ) as $field ) {
			if ( isset( $clean[ $field ] ) && Key_Format::contains_key( $clean[ $field ] ) ) {
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

	public static function parse_datetime( string $value ): ?int {
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

	public static function to_columns( array $fields ): array {
		$columns = array();
		foreach ( $fields as $name => $value ) {
			switch ( $name ) {
				case 'permissions':
				case 'allowed_ips':
				case 'allowed_origins':
					$columns[ $name ] = wp_json_encode( array_values( $value ) );
					break;
				case 'operation_limits':
					$columns[ $name ] = Key_Limits::encode( $value );
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
}
