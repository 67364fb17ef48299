<?php
/**
 * Where the pure-PHP fallback keeps its rate counters, and the two-window
 * arithmetic over them: APCu when it is there (shared by the workers of one
 * php-fpm), else the plugin's counters table (a row lock per hit), else
 * process memory.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Fallback;

defined( 'ABSPATH' ) || defined( 'LPAPI_FALLBACK_STANDALONE' ) || exit;

/**
 * Rate counters of the fallback.
 */
final class Rate_Store {

	/** @var array<string, array{0: int, 1: int, 2: int}> process-local counters: minute, minute count, hour count. */
	private static $memory_counters = array();

	/** Forgets a bucket's counters. */
	public static function reset( string $bucket ): void {
		$store = self::kind();
		if ( 'apcu' === $store ) {
			apcu_delete( Fallback::APCU_PREFIX . 'rate:' . hash( 'sha256', $bucket ) );
		} elseif ( 'database' === $store ) {
			global $wpdb;
			$wpdb->delete( self::table(), array( 'bucket' => hash( 'sha256', $bucket ) ) );
		} else {
			unset( self::$memory_counters[ $bucket ] );
		}
	}

	/**
	 * The two-window decision: the same rules as src/ratelimit.rs.
	 *
	 * @param array{0: int, 1: int, 2: int} $stored minute index, minute count, hour count.
	 * @return array{0: array, 1: ?array{0: int, 1: int, 2: int}}
	 */
	public static function evaluate( array $stored, int $now, int $per_minute, int $per_hour, int $cost, bool $count ): array {
		list( $stored_minute, $stored_minute_count, $stored_hour_count ) = $stored;
		$minute      = max( intdiv( $now, 60 ), $stored_minute );
		$hour        = intdiv( $minute, 60 );
		$used_minute = $stored_minute === $minute ? $stored_minute_count : 0;
		$used_hour   = intdiv( $stored_minute, 60 ) === $hour ? $stored_hour_count : 0;
		$minute_fits = $used_minute + $cost <= $per_minute;
		$hour_fits   = $used_hour + $cost <= $per_hour;
		$allowed     = $minute_fits && $hour_fits;
		if ( $allowed && $count ) {
			$used_minute += $cost;
			$used_hour   += $cost;
		}
		$minute_status = array(
			'limit'     => $per_minute,
			'remaining' => max( 0, $per_minute - $used_minute ),
			'reset'     => ( $minute + 1 ) * 60,
		);
		$hour_status   = array(
			'limit'     => $per_hour,
			'remaining' => max( 0, $per_hour - $used_hour ),
			'reset'     => ( $hour + 1 ) * 3600,
		);
		if ( $allowed ) {
			$tighter     = $minute_status['remaining'] < $hour_status['remaining'] ? $minute_status : $hour_status;
			$retry_after = 0;
		} else {
			$tighter     = $hour_fits ? $minute_status : $hour_status;
			$retry_after = max( 1, $tighter['reset'] - $now );
		}
		$decision = array(
			'allowed'     => $allowed,
			'limit'       => $tighter['limit'],
			'remaining'   => $tighter['remaining'],
			'reset'       => $tighter['reset'],
			'retry_after' => $retry_after,
			'minute'      => $minute_status,
			'hour'        => $hour_status,
		);
		return array( $decision, ( $allowed && $count ) ? array( $minute, $used_minute, $used_hour ) : null );
	}

	/** Which store holds the counters and the cache generation. */
	public static function kind(): string {
		if ( function_exists( 'apcu_enabled' ) && apcu_enabled() ) {
			return 'apcu';
		}
		if ( isset( $GLOBALS['wpdb'] ) && defined( 'ABSPATH' ) && function_exists( 'get_option' ) ) {
			return 'database';
		}
		return 'memory';
	}

	public static function table(): string {
		global $wpdb;
		return $wpdb->prefix . 'lpapi_rate_counters';
	}

	public static function read( string $bucket ): array {
		$store = self::kind();
		if ( 'apcu' === $store ) {
			$value = apcu_fetch( Fallback::APCU_PREFIX . 'rate:' . hash( 'sha256', $bucket ) );
			return is_array( $value ) ? $value : array( 0, 0, 0 );
		}
		if ( 'database' === $store ) {
			global $wpdb;
			$row = $wpdb->get_row(
				$wpdb->prepare( 'SELECT minute_index, minute_count, hour_count FROM ' . self::table() . ' WHERE bucket = %s', hash( 'sha256', $bucket ) ),
				ARRAY_N
			);
			return $row ? array_map( 'intval', $row ) : array( 0, 0, 0 );
		}
		return self::$memory_counters[ $bucket ] ?? array( 0, 0, 0 );
	}

	/**
	 * Applies $decide to the bucket's counters atomically for the store.
	 *
	 * @param callable(array): ?array $decide
	 */
	public static function update( string $bucket, callable $decide ): void {
		$store = self::kind();
		if ( 'memory' === $store ) {
			$next = $decide( self::$memory_counters[ $bucket ] ?? array( 0, 0, 0 ) );
			if ( null !== $next ) {
				self::$memory_counters[ $bucket ] = $next;
			}
			return;
		}
		if ( 'apcu' === $store ) {
			$key  = Fallback::APCU_PREFIX . 'rate:' . hash( 'sha256', $bucket );
			$lock = $key . ':lock';
			// apcu_add is atomic: whoever adds the lock key holds the bucket. The
			// lock expires by itself should its holder die.
			$spins = 0;
			while ( ! apcu_add( $lock, 1, 2 ) ) {
				if ( ++$spins > 20000 ) {
					apcu_delete( $lock ); // A holder that died: take over.
				}
				usleep( 0 === $spins % 100 ? 100 : 0 );
			}
			try {
				$stored = apcu_fetch( $key );
				$next   = $decide( is_array( $stored ) ? $stored : array( 0, 0, 0 ) );
				if ( null !== $next ) {
					apcu_store( $key, $next, 7200 );
				}
			} finally {
				apcu_delete( $lock );
			}
			return;
		}
		global $wpdb;
		$id = hash( 'sha256', $bucket );
		// A row lock (SELECT … FOR UPDATE in a transaction) makes read-decide-write atomic.
		$wpdb->query( 'START TRANSACTION' );
		$wpdb->query( $wpdb->prepare( 'INSERT IGNORE INTO ' . self::table() . ' (bucket, minute_index, minute_count, hour_count) VALUES (%s, 0, 0, 0)', $id ) );
		$row  = $wpdb->get_row( $wpdb->prepare( 'SELECT minute_index, minute_count, hour_count FROM ' . self::table() . ' WHERE bucket = %s FOR UPDATE', $id ), ARRAY_N );
		$next = $decide( $row ? array_map( 'intval', $row ) : array( 0, 0, 0 ) );
		if ( null !== $next ) {
			$wpdb->query( $wpdb->prepare( 'UPDATE ' . self::table() . ' SET minute_index = %d, minute_count = %d, hour_count = %d WHERE bucket = %s', $next[0], $next[1], $next[2], $id ) );
		}
		$wpdb->query( 'COMMIT' );
	}
}
