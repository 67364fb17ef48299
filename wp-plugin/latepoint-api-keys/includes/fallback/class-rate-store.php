<?php
/**
 * Where the pure-PHP fallback keeps its rate counters, and the two-window
 * arithmetic over them: APCu when it is there (shared by the workers of one
 * php-fpm pool; one process's own under the CLI), exact through a per-bucket
 * lock; else the plugin's counters table (a row lock per hit), best effort;
 * else process memory.
 *
 * The APCu lock is an integer naming its owner: bits 0-21 the pid, bits 22-61
 * the owner's start time (clock ticks since boot, /proc/<pid>/stat) and bit 62
 * set, which tells a reused pid apart. A waiter takes the lock over only from
 * an owner that is provably dead (posix_kill( $pid, 0 ) fails with ESRCH, or
 * the process now under that pid is a zombie or started at another time), and
 * with apcu_cas() from the dead owner's value to its own, so two waiters never
 * both take over. Such a lock never expires. Where the start time cannot be
 * read (no posix extension, or no /proc), bits 22-61 are random, bit 62 is
 * clear and the lock lives LOCK_TTL seconds: it is never taken over, it only
 * expires, so a dead holder's bucket waits up to LOCK_TTL seconds, and a live
 * holder must finish its decision (an apcu_fetch, some arithmetic and an
 * apcu_store: microseconds) within LOCK_TTL seconds, which only a process
 * stopped or starved that long fails to do.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Fallback;

defined( 'ABSPATH' ) || defined( 'LPAPI_FALLBACK_STANDALONE' ) || exit;

/**
 * Rate counters of the fallback.
 */
final class Rate_Store {

	/** Seconds an APCu lock lives when its owner's death cannot be proven (see above). */
	const LOCK_TTL = 10;

	/** The errno of posix_kill() for "no such process". */
	const ESRCH = 3;

	/** Bit 62 of a lock value: bits 22-61 are the owner's start time. */
	const LOCK_STARTED = 1 << 62;

	/** Bits 0-21 of a lock value: the owner's pid. */
	const LOCK_PID_MASK = ( 1 << 22 ) - 1;

	/** Bits 22-61 of a lock value, shifted down: the owner's start time, or random. */
	const LOCK_TIME_MASK = ( 1 << 40 ) - 1;

	/** @var int this process's lock value, for the pid in $lock_owner_pid. */
	private static $lock_owner = 0;

	/** @var int|false the pid $lock_owner was made for (a forked child makes its own). */
	private static $lock_owner_pid = 0;

	/** @var int the TTL of this process's locks: 0 when their death can be proven. */
	private static $lock_ttl = self::LOCK_TTL;

	/** @var ?string the APCu lock this process holds, released at shutdown should a fatal error skip the finally. */
	private static $held_lock = null;

	/** @var bool whether release_held_lock() is registered for this request. */
	private static $release_registered = false;

	/** @var array<string, array{0: int, 1: int, 2: int}> process-local counters: minute, minute count, hour count. */
	private static $memory_counters = array();

	/** Forgets a bucket's counters. */
	public static function reset( string $bucket ): void {
		$store = self::kind();
		if ( 'apcu' === $store ) {
			$key = Fallback::APCU_PREFIX . 'rate:' . hash( 'sha256', $bucket );
			self::lock( $key . ':lock' ); // So a decision in flight cannot write the old counts back.
			try {
				apcu_delete( $key );
			} finally {
				self::unlock( $key . ':lock' );
			}
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
	 * Applies $decide to the bucket's counters: atomically on APCu and in
	 * memory; on the database, best effort (see below).
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
			$key = Fallback::APCU_PREFIX . 'rate:' . hash( 'sha256', $bucket );
			self::lock( $key . ':lock' );
			try {
				$stored = apcu_fetch( $key );
				$next   = $decide( is_array( $stored ) ? $stored : array( 0, 0, 0 ) );
				if ( null !== $next ) {
					apcu_store( $key, $next, 7200 );
				}
			} finally {
				self::unlock( $key . ':lock' );
			}
			return;
		}
		// The database: best effort. A row lock (SELECT … FOR UPDATE in a
		// transaction) makes read-decide-write atomic while the database
		// answers; when it cannot lock the row (a lock wait timeout, a deadlock,
		// a reset that deleted it, an error), the decision is made on the last
		// committed counts and counts nothing, and a failed write is rolled back.
		// START TRANSACTION commits a transaction the caller had open.
		global $wpdb;
		$id = hash( 'sha256', $bucket );
		// Outside the transaction, so no shared lock on an existing row is held to be upgraded (a deadlock).
		$wpdb->query( $wpdb->prepare( 'INSERT IGNORE INTO ' . self::table() . ' (bucket, minute_index, minute_count, hour_count) VALUES (%s, 0, 0, 0)', $id ) );
		if ( false === $wpdb->query( 'START TRANSACTION' ) ) {
			$decide( self::read( $bucket ) );
			return;
		}
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT minute_index, minute_count, hour_count FROM ' . self::table() . ' WHERE bucket = %s FOR UPDATE', $id ), ARRAY_N );
		if ( ! $row ) {
			$wpdb->query( 'ROLLBACK' );
			$decide( self::read( $bucket ) );
			return;
		}
		$next = $decide( array_map( 'intval', $row ) );
		if ( null !== $next && false === $wpdb->query( $wpdb->prepare( 'UPDATE ' . self::table() . ' SET minute_index = %d, minute_count = %d, hour_count = %d WHERE bucket = %s', $next[0], $next[1], $next[2], $id ) ) ) {
			$wpdb->query( 'ROLLBACK' );
			return;
		}
		$wpdb->query( 'COMMIT' );
	}

	// ---------------------------------------------------------------- the APCu lock

	/**
	 * Takes the APCu lock $lock, waiting while its owner may be alive. The
	 * uncontended path is one apcu_add().
	 */
	private static function lock( string $lock ): void {
		$mine = self::lock_owner();
		if ( ! apcu_add( $lock, $mine, self::$lock_ttl ) ) {
			$spins = 0;
			while ( true ) {
				++$spins;
				usleep( $spins < 64 ? 0 : 50 ); // Yield, then short naps: a decision takes microseconds.
				if ( apcu_add( $lock, $mine, self::$lock_ttl ) ) {
					break;
				}
				if ( 0 === $spins % 64 ) {
					$owner = apcu_fetch( $lock );
					// Only one waiter's compare-and-swap from the dead owner's value succeeds.
					if ( is_int( $owner ) && self::owner_is_dead( $owner ) && apcu_cas( $lock, $owner, $mine ) ) {
						break;
					}
				}
			}
		}
		self::$held_lock = $lock;
		if ( ! self::$release_registered ) {
			self::$release_registered = true;
			register_shutdown_function( array( self::class, 'release_held_lock' ) );
		}
	}

	/** Releases the APCu lock $lock, which this process holds. */
	private static function unlock( string $lock ): void {
		self::$held_lock = null;
		apcu_delete( $lock ); // No one takes over a live owner's lock, so it is still this process's.
	}

	/**
	 * At shutdown: releases the lock a fatal error left held (the process
	 * lives on, so no waiter could ever prove it dead).
	 */
	public static function release_held_lock(): void {
		if ( null !== self::$held_lock && apcu_fetch( self::$held_lock ) === self::$lock_owner ) {
			apcu_delete( self::$held_lock );
		}
		self::$held_lock = null;
	}

	/** This process's lock value (see the class comment), made once per process. */
	private static function lock_owner(): int {
		$pid = getmypid();
		if ( $pid !== self::$lock_owner_pid ) {
			self::$lock_owner_pid = $pid;
			$stat                 = ( false !== $pid && function_exists( 'posix_kill' ) ) ? self::proc_stat( $pid ) : null;
			if ( null !== $stat && $pid <= self::LOCK_PID_MASK ) {
				self::$lock_owner = self::LOCK_STARTED | ( ( $stat[1] & self::LOCK_TIME_MASK ) << 22 ) | $pid;
				self::$lock_ttl   = 0;
			} else {
				self::$lock_owner = ( random_int( 1, self::LOCK_TIME_MASK ) << 22 ) | ( (int) $pid & self::LOCK_PID_MASK );
				self::$lock_ttl   = self::LOCK_TTL;
			}
		}
		return self::$lock_owner;
	}

	/**
	 * Whether the owner named by the lock value $owner is provably dead. Only
	 * a value with a start time can be: the others just expire.
	 */
	private static function owner_is_dead( int $owner ): bool {
		if ( $owner === self::lock_owner() ) {
			return true; // This process's own, left by a fatal error: it is in no decision now.
		}
		$pid = $owner & self::LOCK_PID_MASK;
		if ( 0 === ( $owner & self::LOCK_STARTED ) || $pid < 2 || ! function_exists( 'posix_kill' ) ) {
			return false;
		}
		if ( ! posix_kill( $pid, 0 ) && self::ESRCH === posix_get_last_error() ) {
			return true;
		}
		$stat = self::proc_stat( $pid );
		if ( null === $stat ) {
			return false; // Unreadable: not proven (it may have just died; a later look tells).
		}
		// A zombie has finished; a process started at another time reuses the pid.
		return 'Z' === $stat[0] || 'X' === $stat[0] || ( $stat[1] & self::LOCK_TIME_MASK ) !== ( ( $owner >> 22 ) & self::LOCK_TIME_MASK );
	}

	/**
	 * The state and start time (clock ticks since boot) of process $pid, from
	 * /proc/<pid>/stat, or null.
	 *
	 * @return ?array{0: string, 1: int}
	 */
	private static function proc_stat( int $pid ): ?array {
		$stat = @file_get_contents( '/proc/' . $pid . '/stat' ); // phpcs:ignore Generic.PHP.NoSilencedErrors.Forbidden -- the process may exit between any check and the read: a missing file is an answer here, not an error.
		$end  = is_string( $stat ) ? strrpos( $stat, ')' ) : false; // After the command name, which may hold spaces and parentheses.
		if ( false === $end ) {
			return null;
		}
		$fields = explode( ' ', substr( $stat, $end + 2 ) ); // Field 3 (the state) onwards.
		if ( ! isset( $fields[19] ) || ! ctype_digit( $fields[19] ) ) {
			return null;
		}
		return array( $fields[0], (int) $fields[19] );
	}
}
