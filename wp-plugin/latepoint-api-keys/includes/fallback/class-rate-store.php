<?php
/**
 * Where the pure-PHP fallback keeps its rate counters (the arithmetic over
 * them is Rate_Windows'): APCu when it is there (shared by the workers of one
 * php-fpm pool; one process's own under the CLI), exact through a per-bucket
 * lock; else the plugin's counters table (row locks), best effort; else
 * process memory. A decision over several buckets takes their locks in the
 * order of the lock names, holds them all from the read to the write, and
 * releases them all.
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
 * stopped or starved that long fails to do. There, a decision over several
 * buckets checks once it holds the last lock that it still holds the first
 * ones (waiting for a later lock may have outlasted an earlier one's TTL), and
 * starts over when it does not.
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

	/** Seconds APCu keeps a bucket's counters: longer than the day window they count. */
	const APCU_TTL = 2 * 86400;

	/** @var array<string, true> the APCu locks this process holds, released at shutdown should a fatal error skip the finally. */
	private static $held_locks = array();

	/** @var bool whether release_held_locks() is registered for this request. */
	private static $release_registered = false;

	/** @var array<string, array{0: int, 1: int, 2: int, 3: int}> process-local counters (see Rate_Windows). */
	private static $memory_counters = array();

	/** Forgets a bucket's counters. */
	public static function reset( string $bucket ): void {
		$store = self::kind();
		if ( 'apcu' === $store ) {
			$key = self::apcu_key( $bucket );
			self::lock( $key . ':lock' ); // So a decision in flight cannot write the old counts back.
			try {
				apcu_delete( $key );
			} finally {
				self::unlock( $key . ':lock' );
			}
		} elseif ( 'database' === $store ) {
			Rate_Database::reset( $bucket );
		} else {
			unset( self::$memory_counters[ $bucket ] );
		}
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

	/**
	 * A bucket's counters (see Rate_Windows), without locking anything.
	 *
	 * @return array{0: int, 1: int, 2: int, 3: int}
	 */
	public static function read( string $bucket ): array {
		$store = self::kind();
		if ( 'apcu' === $store ) {
			return Rate_Windows::counters( apcu_fetch( self::apcu_key( $bucket ) ) );
		}
		if ( 'database' === $store ) {
			return Rate_Database::read( $bucket );
		}
		return self::$memory_counters[ $bucket ] ?? Rate_Windows::NONE;
	}

	/**
	 * Applies $decide to one bucket's counters (see update_many()).
	 *
	 * @param callable(array{0: int, 1: int, 2: int, 3: int}): ?array{0: int, 1: int, 2: int, 3: int} $decide
	 *        Given the counters, returns the new counters, or null to write nothing.
	 */
	public static function update( string $bucket, callable $decide ): void {
		self::update_many(
			array( $bucket ),
			static function ( array $stored ) use ( $decide ): ?array {
				$next = $decide( $stored[0] );
				return null === $next ? null : array( $next );
			}
		);
	}

	/**
	 * Applies $decide to the counters of several distinct buckets at once:
	 * atomically on APCu (every bucket's lock, taken in a fixed order, is held
	 * from the read to the write) and in memory; on the database, best effort
	 * (see Rate_Database).
	 *
	 * @param list<string> $buckets Distinct bucket names.
	 * @param callable(list<array{0: int, 1: int, 2: int, 3: int}>): ?list<array{0: int, 1: int, 2: int, 3: int}> $decide
	 *        Given each bucket's counters (in the order of $buckets), returns each one's new counters, or null
	 *        to write nothing.
	 */
	public static function update_many( array $buckets, callable $decide ): void {
		$store = self::kind();
		if ( 'memory' === $store ) {
			$stored = array();
			foreach ( $buckets as $bucket ) {
				$stored[] = self::$memory_counters[ $bucket ] ?? Rate_Windows::NONE;
			}
			$next = $decide( $stored );
			if ( null !== $next ) {
				foreach ( $buckets as $i => $bucket ) {
					self::$memory_counters[ $bucket ] = $next[ $i ];
				}
			}
			return;
		}
		if ( 'database' === $store ) {
			Rate_Database::update_many( $buckets, $decide );
			return;
		}
		$keys  = array_map( array( self::class, 'apcu_key' ), $buckets );
		$locks = array();
		foreach ( $keys as $key ) {
			$locks[] = $key . ':lock';
		}
		sort( $locks, SORT_STRING ); // One order for every process, so two decisions never wait on each other.
		self::lock_all( $locks );
		try {
			$stored = array();
			foreach ( $keys as $key ) {
				$stored[] = Rate_Windows::counters( apcu_fetch( $key ) );
			}
			$next = $decide( $stored );
			if ( null !== $next ) {
				foreach ( $keys as $i => $key ) {
					apcu_store( $key, $next[ $i ], self::APCU_TTL );
				}
			}
		} finally {
			foreach ( array_reverse( $locks ) as $lock ) {
				self::unlock( $lock );
			}
		}
	}

	/** The APCu key of a bucket's counters; its lock is this key followed by ":lock". */
	private static function apcu_key( string $bucket ): string {
		return Fallback::APCU_PREFIX . 'rate:' . hash( 'sha256', $bucket );
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
		self::$held_locks[ $lock ] = true;
		if ( ! self::$release_registered ) {
			self::$release_registered = true;
			register_shutdown_function( array( self::class, 'release_held_locks' ) );
		}
	}

	/**
	 * Takes every APCu lock of $locks, in that order (the callers sort them).
	 * Where locks expire (see the class comment), starts over when an earlier
	 * one expired while a later one was awaited.
	 *
	 * @param list<string> $locks
	 */
	private static function lock_all( array $locks ): void {
		while ( true ) {
			foreach ( $locks as $lock ) {
				self::lock( $lock );
			}
			if ( 0 === self::$lock_ttl || count( $locks ) < 2 ) {
				return;
			}
			$lost = false;
			foreach ( $locks as $lock ) {
				$lost = $lost || apcu_fetch( $lock ) !== self::$lock_owner;
			}
			if ( ! $lost ) {
				return;
			}
			foreach ( array_reverse( $locks ) as $lock ) {
				self::unlock( $lock );
			}
		}
	}

	/** Releases the APCu lock $lock, which this process holds (or held until it expired). */
	private static function unlock( string $lock ): void {
		unset( self::$held_locks[ $lock ] );
		if ( 0 === self::$lock_ttl || apcu_fetch( $lock ) === self::$lock_owner ) {
			apcu_delete( $lock ); // No one takes over a live owner's lock, so it is still this process's.
		}
	}

	/**
	 * At shutdown: releases the locks a fatal error left held (the process
	 * lives on, so no waiter could ever prove it dead).
	 */
	public static function release_held_locks(): void {
		foreach ( array_keys( self::$held_locks ) as $lock ) {
			if ( apcu_fetch( $lock ) === self::$lock_owner ) {
				apcu_delete( $lock );
			}
		}
		self::$held_locks = array();
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
