<?php
/**
 * Site-wide settings: default limits, log retention, the active-key cap,
 * trusted proxies, the environment test keys are checked against and the lean
 * lane. One option, sanitised on the way in. Whatever decides access is read
 * from here or from constants, never from a filter: the lean lane, which
 * loads no other plugin or theme, must decide exactly as the full path does.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

use LatePointApi\Auth\Client_Ip;
use LatePointApi\Keys\Key_Limits;

defined( 'ABSPATH' ) || exit;

/**
 * Reads and writes the `lpapi_settings` option.
 */
final class Settings {

	/** The highest rate limits a default or a key may set. */
	const MAX_PER_MINUTE = 1000000;
	const MAX_PER_HOUR   = 100000000;
	const MAX_PER_DAY    = 1000000000;

	const OPTION = 'lpapi_settings';

	/** A per_day of 0 means no daily limit; operation limits map operation => per_minute, per_hour, per_day (?int each). */
	const DEFAULTS = array(
		'live_per_minute'       => 60,
		'live_per_hour'         => 3600,
		'live_per_day'          => 0,
		'test_per_minute'       => 100,
		'test_per_hour'         => 1000,
		'test_per_day'          => 10000,
		'live_operation_limits' => array(),
		'test_operation_limits' => array(),
		'retention_days'        => 90,
		'key_cap'               => 50,
		'trusted_proxies'       => array(),
		// '' follows wp_get_environment_type(); else one of ENVIRONMENT_TYPES.
		'environment_type'      => '',
		'lean_lane'             => true,
	);

	/** WordPress's environment types (wp_get_environment_type()). */
	const ENVIRONMENT_TYPES = array( 'local', 'development', 'staging', 'production' );

	/** @return array<string, mixed> */
	public static function all(): array {
		$stored = get_option( self::OPTION, array() );
		return array_merge( self::DEFAULTS, is_array( $stored ) ? $stored : array() );
	}

	/** @return mixed */
	public static function get( string $name ) {
		return self::all()[ $name ] ?? null;
	}

	/**
	 * The environment test keys are checked against (a test key is refused on
	 * production): the setting, or WordPress's own when it is not set.
	 */
	public static function environment_type(): string {
		$type = (string) self::get( 'environment_type' );
		return in_array( $type, self::ENVIRONMENT_TYPES, true ) ? $type : wp_get_environment_type();
	}

	/** @return array{0: int, 1: int} per minute, per hour */
	public static function default_limits( string $environment ): array {
		$all = self::all();
		$env = 'test' === $environment ? 'test' : 'live';
		return array( (int) $all[ "{$env}_per_minute" ], (int) $all[ "{$env}_per_hour" ] );
	}

	/**
	 * An environment's default limits: per_day null when unlimited, operations
	 * only those limited.
	 *
	 * @return array{per_minute: int, per_hour: int, per_day: ?int, operations: array<string, array>}
	 */
	public static function environment_limits( string $environment ): array {
		$all        = self::all();
		$env        = 'test' === $environment ? 'test' : 'live';
		$day        = (int) $all[ "{$env}_per_day" ];
		$operations = array();
		foreach ( is_array( $all[ "{$env}_operation_limits" ] ) ? $all[ "{$env}_operation_limits" ] : array() as $operation => $entry ) {
			$entry = Key_Limits::entry( $entry );
			if ( null !== $entry ) {
				$operations[ $operation ] = $entry;
			}
		}
		return array(
			'per_minute' => (int) $all[ "{$env}_per_minute" ],
			'per_hour'   => (int) $all[ "{$env}_per_hour" ],
			'per_day'    => $day > 0 ? $day : null,
			'operations' => $operations,
		);
	}

	/**
	 * Validates and stores settings.
	 *
	 * @param array<string, mixed> $input
	 * @throws Validation_Error With a message per invalid field.
	 */
	public static function update( array $input ): array {
		$errors = array();
		$clean  = self::all();
		$ranges = array(
			'live_per_minute' => array( 1, self::MAX_PER_MINUTE ),
			'live_per_hour'   => array( 1, self::MAX_PER_HOUR ),
			'test_per_minute' => array( 1, self::MAX_PER_MINUTE ),
			'live_per_day'    => array( 0, self::MAX_PER_DAY ),
			'test_per_hour'   => array( 1, self::MAX_PER_HOUR ),
			'test_per_day'    => array( 0, self::MAX_PER_DAY ),
			'retention_days'  => array( 1, 3650 ),
			'key_cap'         => array( 1, 10000 ),
		);
		foreach ( $ranges as $name => list( $min, $max ) ) {
			if ( ! array_key_exists( $name, $input ) ) {
				continue;
			}
			$value = filter_var( $input[ $name ], FILTER_VALIDATE_INT );
			if ( false === $value || $value < $min || $value > $max ) {
				/* translators: 1: minimum, 2: maximum */
				$errors[ $name ] = sprintf( __( 'Must be a whole number from %1$d to %2$d.', 'latepoint-api-keys' ), $min, $max );
				continue;
			}
			$clean[ $name ] = $value;
		}
		foreach ( array( 'live_operation_limits', 'test_operation_limits' ) as $name ) {
			if ( array_key_exists( $name, $input ) ) {
				// A null entry here limits nothing: it is dropped.
				$map = Key_Limits::validate_map( $input[ $name ], $name, false, $errors );
				if ( null !== $map ) {
					$clean[ $name ] = $map;
				}
			}
		}
		if ( array_key_exists( 'trusted_proxies', $input ) ) {
			$list = Client_Ip::parse_list( $input['trusted_proxies'] );
			if ( $list['invalid'] ) {
				/* translators: %s: the invalid entries */
				$errors['trusted_proxies'] = sprintf( __( 'Not an IP address or CIDR range: %s', 'latepoint-api-keys' ), implode( ', ', $list['invalid'] ) );
			} else {
				$clean['trusted_proxies'] = $list['valid'];
			}
		}
		if ( array_key_exists( 'environment_type', $input ) ) {
			$type = (string) $input['environment_type'];
			if ( '' === $type || in_array( $type, self::ENVIRONMENT_TYPES, true ) ) {
				$clean['environment_type'] = $type;
			} else {
				/* translators: %s: the allowed values */
				$errors['environment_type'] = sprintf( __( 'Must be empty (WordPress\'s own) or one of: %s.', 'latepoint-api-keys' ), implode( ', ', self::ENVIRONMENT_TYPES ) );
			}
		}
		if ( array_key_exists( 'lean_lane', $input ) ) {
			$clean['lean_lane'] = (bool) filter_var( $input['lean_lane'], FILTER_VALIDATE_BOOLEAN );
		}
		if ( $errors ) {
			throw new Validation_Error( $errors );
		}
		update_option( self::OPTION, $clean, true );
		Core::cache_invalidate();
		return $clean;
	}
}
