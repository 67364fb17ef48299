<?php
/**
 * When a failed webhook delivery is tried again: exponential backoff over
 * about three days (Standard Webhooks leaves the schedule to the sender).
 *
 * @package LatePointApi
 */

namespace LatePointApi\Webhooks;

defined( 'ABSPATH' ) || exit;

/**
 * The delays between attempts.
 *
 * The first attempt is made as soon as the runner sees the event; after a
 * failure the next one waits 1 min, then 5 min, 30 min, 2 h, 5 h, 10 h, 14 h,
 * 20 h and 20 h: ten attempts over 71.6 hours. Each delay is stretched by up
 * to 10 % at random, so endpoints that failed together are not retried in one
 * burst.
 *
 * The wp-config.php constant LPAPI_WEBHOOKS_RETRY_SCHEDULE (a comma-separated
 * list of seconds, "2,2,5") replaces the delays, for tests and staging: it
 * also turns the random stretch off.
 */
final class Retry_Schedule {

	const DEFAULT_DELAYS = array( 60, 300, 1800, 7200, 18000, 36000, 50400, 72000, 72000 );
	const CONSTANT       = 'LPAPI_WEBHOOKS_RETRY_SCHEDULE';
	const MAX_DELAYS     = 20;
	const MAX_DELAY      = 604800;

	/** @return int[] The delays in seconds after attempt 1, 2, … */
	public static function delays(): array {
		if ( defined( self::CONSTANT ) ) {
			$custom = self::parse( constant( self::CONSTANT ) );
			if ( null !== $custom ) {
				return $custom;
			}
		}
		return self::DEFAULT_DELAYS;
	}

	/** How many attempts a delivery gets in all. */
	public static function attempts(): int {
		return count( self::delays() ) + 1;
	}

	/**
	 * Seconds to wait after attempt $attempt (1 = the first) failed, or null
	 * when it was the last.
	 */
	public static function delay_after( int $attempt ): ?int {
		$delays = self::delays();
		if ( $attempt < 1 || $attempt > count( $delays ) ) {
			return null;
		}
		$delay = $delays[ $attempt - 1 ];
		if ( ! self::custom() && $delay > 0 ) {
			$delay += random_int( 0, intdiv( $delay, 10 ) );
		}
		return $delay;
	}

	/**
	 * A list of seconds ("60, 300" or array), or null if it is not one:
	 * 1 to 20 whole numbers from 0 to 604800.
	 *
	 * @param mixed $value
	 * @return int[]|null
	 */
	public static function parse( $value ): ?array {
		if ( is_string( $value ) ) {
			$value = '' === trim( $value ) ? array() : array_map( 'trim', explode( ',', $value ) );
		}
		if ( ! is_array( $value ) || ! $value || count( $value ) > self::MAX_DELAYS ) {
			return null;
		}
		$delays = array();
		foreach ( $value as $delay ) {
			if ( is_int( $delay ) ) {
				$delay = (string) $delay;
			}
			if ( ! is_string( $delay ) || 1 !== preg_match( '/^\d{1,6}$/', $delay ) || (int) $delay > self::MAX_DELAY ) {
				return null;
			}
			$delays[] = (int) $delay;
		}
		return $delays;
	}

	private static function custom(): bool {
		return defined( self::CONSTANT ) && null !== self::parse( constant( self::CONSTANT ) );
	}
}
