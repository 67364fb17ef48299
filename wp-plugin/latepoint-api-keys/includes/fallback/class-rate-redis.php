<?php
/**
 * The fallback's Redis rate store, on when the LPAPI_REDIS_URL constant is
 * set (see Redis_Url): the counters of every server in one Redis, each
 * decision one round trip (a pipeline of the EVALSHA of
 * includes/redis/rate-limit.lua, the native extension's script too, and a GET
 * of the key-cache generation). The connection is opened on first use in
 * each process (again after a fork); a failure marks Redis down in this
 * process for 0.5 s, doubling to 30 s, during which no decision tries it.
 * While down, LPAPI_REDIS_DOWN "local" (the default) decides with the local
 * store and "refuse" throws RateStoreUnavailableException.
 *
 * Which way decisions go is shared through APCu (one process, through
 * apcu_cas(), reports each switch), else kept per process. An invalidation
 * made while Redis is down is remembered there too and performed by the next
 * process that reaches Redis.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Fallback;

use LatePointApi\Native\RateStoreUnavailableException;

defined( 'ABSPATH' ) || defined( 'LPAPI_FALLBACK_STANDALONE' ) || exit;

require_once __DIR__ . '/class-redis-url.php';

/**
 * Rate counters in Redis.
 */
final class Rate_Redis {

	/** Seconds a bucket's hash lives after a change: past its day window. */
	const TTL = 172800;

	const BACKOFF_FIRST = 0.5;
	const BACKOFF_MAX   = 30.0;

	/** APCu keys of the shared scope (1: cluster, 2: server) and of a pending invalidation. */
	const SCOPE_KEY   = Fallback::APCU_PREFIX . 'redis:scope';
	const PENDING_KEY = Fallback::APCU_PREFIX . 'redis:pending';
	const CLUSTER     = 1;
	const SERVER      = 2;

	/** @var ?array<string, mixed> the parsed LPAPI_REDIS_URL (see Redis_Url::parse()). */
	private static $config = null;
	/** @var ?\Redis */
	private static $redis = null;
	/** @var int|false the process that opened $redis. */
	private static $pid = 0;
	/** @var string "unknown", "up" or "down" in this process. */
	private static $state = 'unknown';
	/** @var ?string */
	private static $last_error = null;
	/** @var float when the next connection may be tried (microtime). */
	private static $retry_at = 0.0;
	/** @var float the last backoff, 0 after a success. */
	private static $backoff = 0.0;
	/** @var ?array{0: string, 1: string} the script and its SHA-1. */
	private static $script = null;
	/** @var ?int the Redis generation this process last saw. */
	private static $generation = null;
	/** @var ?bool whether this process's last decision was made by Redis. */
	private static $last_cluster = null;

	/** @var bool whether the last decision dropped the key cache */
	private static $flushed = false;
	/** @var int the shared scope without APCu. */
	private static $scope = self::CLUSTER;
	/** @var bool a pending invalidation without APCu. */
	private static $pending = false;

	/** Whether LPAPI_REDIS_URL names a Redis. */
	public static function configured(): bool {
		return defined( 'LPAPI_REDIS_URL' ) && is_string( LPAPI_REDIS_URL ) && '' !== LPAPI_REDIS_URL;
	}

	/** "local" or "refuse" (LPAPI_REDIS_DOWN). */
	public static function down_policy(): string {
		return defined( 'LPAPI_REDIS_DOWN' ) && 'refuse' === LPAPI_REDIS_DOWN ? 'refuse' : 'local';
	}

	/** @return array<string, mixed> */
	private static function config(): array {
		if ( null === self::$config ) {
			self::$config = Redis_Url::parse( (string) LPAPI_REDIS_URL );
		}
		return self::$config;
	}

	/**
	 * Runs the script over $buckets, or says why not.
	 *
	 * @param list<string>                                     $buckets Distinct bucket names.
	 * @param list<array{minute: ?int, hour: ?int, day: ?int}> $limits  Their limits (null: none).
	 * @return ?array{now: int, stored: list<array{0: int, 1: int, 2: int, 3: int}>, flushed: bool}
	 *         Redis's time and each bucket's counters before the hit, and whether this process's
	 *         key cache was dropped; null when Redis is not configured, or is down and the policy
	 *         is "local".
	 * @throws RateStoreUnavailableException when Redis is down and the policy is "refuse".
	 */
	/** Whether the last decision dropped this process's key cache (the generation moved, or the scope switched). */
	public static function flushed(): bool {
		return self::$flushed;
	}

	public static function run( array $buckets, array $limits, int $cost, bool $write ): ?array {
		if ( ! self::configured() ) {
			return null;
		}
		$result = self::attempt( $buckets, $limits, $cost, $write );
		if ( null === $result ) {
			// Down since the last decision: the record this request read from the cache may be stale.
			self::$flushed = true === self::$last_cluster;
			if ( self::$flushed ) {
				Fallback::drop_cache();
			}
			self::$last_cluster = false;
			if ( 'refuse' === self::down_policy() ) {
				throw new RateStoreUnavailableException( 'the Redis rate store is down (' . self::$last_error . ') and LPAPI_REDIS_DOWN is "refuse"' );
			}
			return null;
		}
		$flushed = false;
		if ( false === self::$last_cluster ) {
			$flushed = true; // Back from the local store: what was cached meanwhile may be stale.
		}
		self::$last_cluster = true;
		$generation         = $result['generation'];
		if ( null === self::$generation ) {
			$flushed = $flushed || Fallback::cache_entries() > 0; // Cached before this process knew the generation.
		} elseif ( $generation !== self::$generation ) {
			$flushed = true;
		}
		self::$generation = $generation;
		if ( $flushed ) {
			Fallback::drop_cache();
		}
		self::$flushed = $flushed;
		return array(
			'now'     => $result['now'],
			'stored'  => $result['stored'],
			'flushed' => $flushed,
		);
	}

	/**
	 * @param list<string>                                     $buckets
	 * @param list<array{minute: ?int, hour: ?int, day: ?int}> $limits
	 * @return ?array{now: int, stored: list<array{0: int, 1: int, 2: int, 3: int}>, generation: int}
	 */
	private static function attempt( array $buckets, array $limits, int $cost, bool $write ): ?array {
		$redis = self::connection();
		if ( null === $redis ) {
			return null;
		}
		$prefix = self::config()['prefix'];
		$args   = array();
		foreach ( $buckets as $bucket ) {
			$args[] = $prefix . $bucket;
		}
		array_push( $args, $cost, $write ? 1 : 0, self::TTL );
		foreach ( $limits as $windows ) {
			foreach ( array( 'minute', 'hour', 'day' ) as $window ) {
				$args[] = $windows[ $window ] ?? 0;
			}
		}
		$pending = self::take_pending();
		try {
			list( $script, $sha ) = self::script();
			$pipe                 = $redis->multi( \Redis::PIPELINE );
			$pipe->evalSha( $sha, $args, count( $buckets ) );
			if ( $pending ) {
				$pipe->incr( $prefix . 'generation' );
			}
			$pipe->get( $prefix . 'generation' );
			$replies = $pipe->exec();
			$out     = is_array( $replies ) ? $replies[0] : false;
			if ( ! is_array( $out ) && is_string( $redis->getLastError() ) && 0 === strpos( $redis->getLastError(), 'NOSCRIPT' ) ) {
				$redis->clearLastError();
				$out = $redis->eval( $script, $args, count( $buckets ) );
			}
			if ( ! is_array( $out ) || count( $out ) !== 2 + 4 * count( $buckets ) ) {
				$error = $redis->getLastError();
				throw new \RedisException( 'the rate-limit script failed' . ( is_string( $error ) ? ': ' . $error : '' ) );
			}
		} catch ( \RedisException $e ) {
			if ( $pending ) {
				self::remember_pending();
			}
			self::fail( $e->getMessage() );
			return null;
		}
		$stored = array();
		foreach ( array_chunk( array_slice( array_map( 'intval', $out ), 2 ), 4 ) as $counters ) {
			$stored[] = array( $counters[0], $counters[1], $counters[2], $counters[3] );
		}
		return array(
			'now'        => (int) $out[1],
			'stored'     => $stored,
			'generation' => (int) end( $replies ),
		);
	}

	/**
	 * Forgets a bucket's counters in Redis: false when Redis is not
	 * configured, or is down and the policy is "local".
	 *
	 * @throws RateStoreUnavailableException when Redis is down and the policy is "refuse".
	 */
	public static function reset( string $bucket ): bool {
		if ( ! self::configured() ) {
			return false;
		}
		$redis = self::connection();
		if ( null !== $redis ) {
			try {
				$redis->del( self::config()['prefix'] . $bucket );
				return true;
			} catch ( \RedisException $e ) {
				self::fail( $e->getMessage() );
			}
		}
		if ( 'refuse' === self::down_policy() ) {
			throw new RateStoreUnavailableException( 'the Redis rate store is down (' . self::$last_error . ') and LPAPI_REDIS_DOWN is "refuse"' );
		}
		return false;
	}

	/**
	 * Bumps the Redis generation after the local one was bumped; while Redis
	 * is down, leaves the bump to the next process that reaches it.
	 */
	public static function invalidate(): void {
		if ( ! self::configured() ) {
			return;
		}
		$redis = self::connection();
		if ( null !== $redis ) {
			try {
				$generation = $redis->incr( self::config()['prefix'] . 'generation' );
				if ( is_int( $generation ) ) {
					self::take_pending(); // This bump carries any earlier one.
					if ( self::$generation === $generation - 1 ) {
						self::$generation = $generation; // Its own bump: this process has already dropped its cache.
					}
					return;
				}
			} catch ( \RedisException $e ) {
				self::fail( $e->getMessage() );
			}
		}
		self::remember_pending();
	}

	/**
	 * Records which store decided, and whether that is a switch this process
	 * is the one to report.
	 */
	public static function observe( bool $cluster ): bool {
		if ( ! self::configured() ) {
			return false;
		}
		$want = $cluster ? self::CLUSTER : self::SERVER;
		if ( self::apcu() ) {
			apcu_add( self::SCOPE_KEY, self::CLUSTER );
			$current = apcu_fetch( self::SCOPE_KEY );
			return is_int( $current ) && $current !== $want && apcu_cas( self::SCOPE_KEY, $current, $want );
		}
		$changed     = self::$scope !== $want;
		self::$scope = $want;
		return $changed;
	}

	/**
	 * The state in this process, for lpapi_info(): null without Redis.
	 *
	 * @return ?array{url: string, state: string, down_policy: string, last_error: ?string, retry_in: int}
	 */
	public static function info(): ?array {
		if ( ! self::configured() ) {
			return null;
		}
		$config = self::config();
		if ( null !== $config['error'] && 'unknown' === self::$state ) {
			self::$state      = 'down';
			self::$last_error = $config['error'];
		}
		return array(
			'url'         => $config['display'],
			'state'       => self::$state,
			'down_policy' => self::down_policy(),
			'last_error'  => self::$last_error,
			'retry_in'    => 'down' === self::$state ? (int) ceil( max( 0.0, self::$retry_at - microtime( true ) ) ) : 0,
		);
	}

	/** This process's connection, opened when needed, or null while Redis is down. */
	private static function connection(): ?\Redis {
		$pid = getmypid();
		if ( null !== self::$redis && self::$pid === $pid ) {
			return self::$redis;
		}
		self::$redis = null; // A forked child's copy: the parent's socket stays the parent's.
		if ( 'down' === self::$state && microtime( true ) < self::$retry_at ) {
			return null;
		}
		$config = self::config();
		if ( null !== $config['error'] ) {
			self::fail( $config['error'] );
			return null;
		}
		if ( ! class_exists( \Redis::class ) ) {
			self::fail( 'the PHP redis extension (php-redis) is not loaded' );
			return null;
		}
		$timeout = $config['timeout_ms'] / 1000;
		$where   = 0 === $config['port'] ? $config['host'] : $config['host'] . ':' . $config['port'];
		try {
			$redis = new \Redis();
			if ( ! $redis->connect( $config['host'], $config['port'], $timeout ) ) {
				throw new \RedisException( 'connection refused' );
			}
			$redis->setOption( \Redis::OPT_READ_TIMEOUT, $timeout );
			if ( null !== $config['password'] ) {
				$auth = null === $config['user'] ? $config['password'] : array( $config['user'], $config['password'] );
				if ( ! $redis->auth( $auth ) ) {
					throw new \RedisException( 'authentication failed' . self::reply_error( $redis ) );
				}
			}
			if ( 0 !== $config['db'] && ! $redis->select( $config['db'] ) ) {
				throw new \RedisException( 'SELECT ' . $config['db'] . ' failed' . self::reply_error( $redis ) );
			}
		} catch ( \RedisException $e ) {
			self::fail( 'cannot use Redis at ' . $where . ': ' . $e->getMessage() );
			return null;
		}
		self::$redis   = $redis;
		self::$pid     = $pid;
		self::$state   = 'up';
		self::$backoff = 0.0;
		return $redis;
	}

	private static function reply_error( \Redis $redis ): string {
		$error = $redis->getLastError();
		return is_string( $error ) ? ': ' . $error : '';
	}

	/** Marks Redis down in this process, with the next backoff. */
	private static function fail( string $message ): void {
		$password = self::config()['password'];
		if ( null !== $password ) {
			$message = str_replace( array( $password, rawurlencode( $password ) ), '***', $message );
		}
		self::$redis      = null;
		self::$state      = 'down';
		self::$last_error = $message;
		self::$backoff    = self::$backoff > 0 ? min( self::BACKOFF_MAX, self::$backoff * 2 ) : self::BACKOFF_FIRST;
		self::$retry_at   = microtime( true ) + self::$backoff;
	}

	/** @return array{0: string, 1: string} The script and its SHA-1. */
	private static function script(): array {
		if ( null === self::$script ) {
			$script = file_get_contents( dirname( __DIR__ ) . '/redis/rate-limit.lua' );
			if ( ! is_string( $script ) ) {
				throw new \RedisException( 'cannot read includes/redis/rate-limit.lua' );
			}
			self::$script = array( $script, sha1( $script ) );
		}
		return self::$script;
	}

	private static function apcu(): bool {
		return function_exists( 'apcu_enabled' ) && apcu_enabled();
	}

	/** Whether an invalidation is pending, taking it (only one process gets it). */
	private static function take_pending(): bool {
		if ( self::apcu() ) {
			return apcu_delete( self::PENDING_KEY );
		}
		$pending       = self::$pending;
		self::$pending = false;
		return $pending;
	}

	private static function remember_pending(): void {
		if ( self::apcu() ) {
			apcu_store( self::PENDING_KEY, 1 );
		} else {
			self::$pending = true;
		}
	}
}
