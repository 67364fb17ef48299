<?php
/**
 * The pure-PHP implementation of the lpapi_* functions, with the native
 * extension's contract (php-stubs/lpapi.php). Used when the extension is not
 * loaded, or is turned off with the LPAPI_DISABLE_NATIVE constant.
 *
 * Slower than the extension, and its rate counters are only as exact as its
 * store: APCu (exact across the processes sharing it, through per-bucket
 * locks) when it is enabled, else the database (best effort: row locks)
 * inside WordPress, else this process's memory.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Fallback;

use LatePointApi\Native\InvalidArgumentException;
use LatePointApi\Native\InvalidKeyException;

defined( 'ABSPATH' ) || defined( 'LPAPI_FALLBACK_STANDALONE' ) || exit;

require_once __DIR__ . '/class-rate-redis.php'; // Also for callers that load this class on its own.

/**
 * Static implementation of every lpapi_* function.
 */
final class Fallback {

	const VERSION     = '0.2.0';
	const BASE62      = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
	const KEY_LEN     = 46;
	const MAX_BUCKET  = 4096;
	const MAX_BUCKETS = 8;
	const MAX_TTL     = 31622400;
	const MAX_U32     = 4294967295;
	const MAX_DEPTH   = 16;
	const APCU_PREFIX = 'lpapi:';

	/** @var array<string, array{value: array, expires: float}> */
	private static $memory_cache = array();
	/** @var int */
	private static $memory_generation = 0;
	/** @var array<string, int> */
	private static $stats = array( 'hits' => 0, 'misses' => 0, 'evictions' => 0, 'flushes' => 0 );
	/** @var int generation the local cache entries belong to */
	private static $cache_generation = 0;

	/**
	 * @param string $environment "live" or "test".
	 * @return array{key: string, hash: string, prefix: string, last4: string, environment: string}
	 */
	public static function key_generate( string $environment ): array {
		if ( 'live' !== $environment && 'test' !== $environment ) {
			throw new InvalidArgumentException( 'environment must be "live" or "test"' );
		}
		$body = '';
		while ( strlen( $body ) < 32 ) {
			foreach ( str_split( random_bytes( 48 ) ) as $byte ) {
				$value = ord( $byte );
				if ( $value < 248 && strlen( $body ) < 32 ) {
					$body .= self::BASE62[ $value % 62 ];
				}
			}
		}
		$signed = 'lp_' . $environment . '_' . $body;
		$key    = $signed . self::checksum( $signed );
		return array( 'key' => $key ) + self::describe( $key, $environment );
	}

	/**
	 * @return array{hash: string, prefix: string, last4: string, environment: string}
	 */
	public static function key_parse( #[\SensitiveParameter] string $key ): array {
		$length = strlen( $key );
		if ( self::KEY_LEN !== $length ) {
			throw new InvalidKeyException( "malformed API key: expected 46 characters, got {$length}" );
		}
		$head = substr( $key, 0, 8 );
		if ( 'lp_live_' !== $head && 'lp_test_' !== $head ) {
			throw new InvalidKeyException( 'malformed API key: must start with lp_live_ or lp_test_' );
		}
		if ( strspn( $key, self::BASE62, 8 ) !== 38 ) {
			throw new InvalidKeyException( 'malformed API key: only 0-9, A-Z and a-z may follow the prefix' );
		}
		if ( ! hash_equals( self::checksum( substr( $key, 0, 40 ) ), substr( $key, 40 ) ) ) {
			throw new InvalidKeyException( 'malformed API key: checksum mismatch' );
		}
		return self::describe( $key, 'lp_live_' === $head ? 'live' : 'test' );
	}

	public static function key_hash( #[\SensitiveParameter] string $key ): string {
		return hash( 'sha256', $key );
	}

	public static function key_verify( #[\SensitiveParameter] string $key, string $hash ): bool {
		return hash_equals( hash( 'sha256', $key ), strtolower( $hash ) );
	}

	/** The 6-character base62 CRC32 of $data, zero-padded, most significant first. */
	public static function checksum( string $data ): string {
		$value = crc32( $data );
		$out   = '';
		for ( $i = 0; $i < 6; $i++ ) {
			$out   = self::BASE62[ $value % 62 ] . $out;
			$value = intdiv( $value, 62 );
		}
		return $out;
	}

	private static function describe( string $key, string $environment ): array {
		return array(
			'hash'        => hash( 'sha256', $key ),
			'prefix'      => substr( $key, 0, 12 ),
			'last4'       => substr( $key, -4 ),
			'environment' => $environment,
		);
	}

	// ---------------------------------------------------------------- rate limits

	public static function rate_hit( string $bucket, int $per_minute, int $per_hour, int $cost = 1 ): array {
		self::check_bucket( $bucket );
		self::check_positive( 'per_minute', $per_minute );
		self::check_positive( 'per_hour', $per_hour );
		self::check_positive( 'cost', $cost );
		$limits = array(
			'minute' => $per_minute,
			'hour'   => $per_hour,
			'day'    => null,
		);
		$redis  = Rate_Redis::run( array( $bucket ), array( $limits ), $cost, true );
		if ( null !== $redis ) {
			return Rate_Windows::decide_two( $redis['stored'][0], $redis['now'], $per_minute, $per_hour, $cost, true )[0];
		}
		$now      = time();
		$decision = null;
		Rate_Store::update(
			$bucket,
			static function ( array $stored ) use ( $now, $per_minute, $per_hour, $cost, &$decision ) {
				list( $decision, $next ) = Rate_Windows::decide_two( $stored, $now, $per_minute, $per_hour, $cost, true );
				return $next;
			}
		);
		return $decision;
	}

	/**
	 * @param list<array{bucket: string, per_minute?: ?int, per_hour?: ?int, per_day?: ?int}> $buckets
	 */
	public static function rate_hit_many( array $buckets, int $cost = 1 ): array {
		$limits = Rate_Windows::limits( $buckets );
		self::check_positive( 'cost', $cost );
		$names = array_column( $buckets, 'bucket' );
		$redis = Rate_Redis::run( $names, $limits, $cost, true );
		if ( null !== $redis ) {
			$decision = Rate_Windows::decide( $redis['stored'], $redis['now'], $limits, $cost, true )[0];
		} else {
			$now      = time();
			$decision = null;
			Rate_Store::update_many(
				$names,
				static function ( array $stored ) use ( $now, $limits, $cost, &$decision ) {
					list( $decision, $next ) = Rate_Windows::decide( $stored, $now, $limits, $cost, true );
					return $next;
				}
			);
		}
		return $decision + array(
			'scope'         => null === $redis ? 'server' : 'cluster',
			'scope_changed' => Rate_Redis::observe( null !== $redis ),
			'cache_flushed' => Rate_Redis::configured() && Rate_Redis::flushed(),
		);
	}

	public static function rate_peek( string $bucket, int $per_minute, int $per_hour ): array {
		self::check_bucket( $bucket );
		self::check_positive( 'per_minute', $per_minute );
		self::check_positive( 'per_hour', $per_hour );
		$limits = array(
			'minute' => $per_minute,
			'hour'   => $per_hour,
			'day'    => null,
		);
		$redis  = Rate_Redis::run( array( $bucket ), array( $limits ), 1, false );
		if ( null !== $redis ) {
			return Rate_Windows::decide_two( $redis['stored'][0], $redis['now'], $per_minute, $per_hour, 1, false )[0];
		}
		$now = time();
		return Rate_Windows::decide_two( Rate_Store::read( $bucket ), $now, $per_minute, $per_hour, 1, false )[0];
	}

	public static function rate_reset( string $bucket ): void {
		self::check_bucket( $bucket );
		Rate_Redis::reset( $bucket );
		Rate_Store::reset( $bucket ); // The counts a Redis outage would fall back to, too.
	}

	private static function check_bucket( string $bucket ): void {
		$length = strlen( $bucket );
		if ( $length < 1 || $length > self::MAX_BUCKET ) {
			throw new InvalidArgumentException( 'bucket must be 1 to ' . self::MAX_BUCKET . ' bytes long' );
		}
	}

	private static function check_positive( string $name, int $value ): void {
		if ( $value < 1 || $value > self::MAX_U32 ) {
			throw new InvalidArgumentException( "{$name} must be between 1 and " . self::MAX_U32 );
		}
	}

	// ---------------------------------------------------------------- key cache

	private static function generation(): int {
		if ( 'apcu' === Rate_Store::kind() ) {
			$value = apcu_fetch( self::APCU_PREFIX . 'generation' );
			return is_int( $value ) ? $value : 0;
		}
		return self::$memory_generation;
	}

	private static function sync_cache(): void {
		$generation = self::generation();
		if ( $generation !== self::$cache_generation ) {
			if ( self::$memory_cache ) {
				++self::$stats['flushes'];
			}
			self::$memory_cache     = array();
			self::$cache_generation = $generation;
		}
	}

	public static function cache_get( string $hash ): ?array {
		self::sync_cache();
		$entry = self::$memory_cache[ $hash ] ?? null;
		if ( null === $entry || $entry['expires'] <= microtime( true ) ) {
			unset( self::$memory_cache[ $hash ] );
			++self::$stats['misses'];
			return null;
		}
		++self::$stats['hits'];
		return $entry['value'];
	}

	public static function cache_put( string $hash, array $record, int $ttl ): void {
		if ( $ttl < 1 || $ttl > self::MAX_TTL ) {
			throw new InvalidArgumentException( 'ttl must be between 1 and ' . self::MAX_TTL . ' seconds' );
		}
		$record = self::copy_record( $record, 0 );
		self::sync_cache();
		$capacity = self::cache_capacity();
		if ( ! isset( self::$memory_cache[ $hash ] ) && count( self::$memory_cache ) >= $capacity ) {
			$now                = microtime( true );
			self::$memory_cache = array_filter(
				self::$memory_cache,
				static function ( $entry ) use ( $now ) {
					return $entry['expires'] > $now;
				}
			);
			if ( count( self::$memory_cache ) >= $capacity ) {
				$soonest = null;
				foreach ( self::$memory_cache as $key => $entry ) {
					if ( null === $soonest || $entry['expires'] < self::$memory_cache[ $soonest ]['expires'] ) {
						$soonest = $key;
					}
				}
				unset( self::$memory_cache[ $soonest ] );
				++self::$stats['evictions'];
			}
		}
		self::$memory_cache[ $hash ] = array(
			'value'   => $record,
			'expires' => microtime( true ) + $ttl,
		);
	}

	/** Bumps the local generation, and the Redis one when Redis is configured (see Rate_Redis). */
	public static function cache_invalidate(): int {
		if ( 'apcu' === Rate_Store::kind() ) {
			apcu_add( self::APCU_PREFIX . 'generation', 0 );
			$generation = apcu_inc( self::APCU_PREFIX . 'generation' );
			$generation = is_int( $generation ) ? $generation : 0;
		} else {
			$generation = ++self::$memory_generation;
		}
		Rate_Redis::invalidate();
		return $generation;
	}

	/** Drops this process's key cache (the Redis generation moved). */
	public static function drop_cache(): void {
		if ( self::$memory_cache ) {
			++self::$stats['flushes'];
		}
		self::$memory_cache = array();
	}

	/** How many entries this process's key cache holds. */
	public static function cache_entries(): int {
		return count( self::$memory_cache );
	}

	private static function cache_capacity(): int {
		return 1024;
	}

	/**
	 * A deep copy of the record with references resolved, so later changes to
	 * the caller's variables do not reach the cache; refuses what the native
	 * cache refuses.
	 */
	private static function copy_record( array $record, int $depth ): array {
		if ( $depth > self::MAX_DEPTH ) {
			throw new InvalidArgumentException( 'record nests deeper than ' . self::MAX_DEPTH . ' arrays' );
		}
		$copy = array();
		foreach ( $record as $key => $item ) {
			if ( is_string( $key ) && ! mb_check_encoding( $key, 'UTF-8' ) ) {
				throw new InvalidArgumentException( 'record keys must be integers or UTF-8 strings' );
			}
			if ( is_array( $item ) ) {
				$copy[ $key ] = self::copy_record( $item, $depth + 1 );
			} elseif ( null === $item || is_scalar( $item ) ) {
				$copy[ $key ] = $item;
			} else {
				throw new InvalidArgumentException(
					'a cached record may hold only null, bool, int, float, string and array values, not ' . get_debug_type( $item )
				);
			}
		}
		return $copy;
	}

	public static function info(): array {
		self::sync_cache();
		return array(
			'version'                => self::VERSION,
			'native'                 => false,
			'shared_memory'          => false,
			'shared_memory_error'    => 'the native extension is not in use; counters are kept in ' . Rate_Store::kind(),
			'slots_used'             => 0,
			'slots_assigned'         => 0,
			'slots_total'            => 0,
			'shm_bytes'              => 0,
			'generation'             => self::generation(),
			'rate_table_full_events' => 0,
			'rate_slot_reclaims'     => 0,
			'rate_lock_takeovers'    => 0,
			'shm_name'               => null,
			'shm_origin'             => 'none',
			'shm_created_at'         => 0,
			'started_by_pid'         => getmypid(),
			'cache'                  => array(
				'entries'   => count( self::$memory_cache ),
				'capacity'  => self::cache_capacity(),
				'hits'      => self::$stats['hits'],
				'misses'    => self::$stats['misses'],
				'evictions' => self::$stats['evictions'],
				'flushes'   => self::$stats['flushes'],
			),
			'rate_store'             => Rate_Redis::configured() ? 'redis' : 'shared_memory',
			'redis'                  => Rate_Redis::info(),
		);
	}
}
