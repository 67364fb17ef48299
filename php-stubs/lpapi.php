<?php
/**
 * Stubs of the `lpapi` extension (LatePoint API Keys' native core), for IDEs
 * and static analysis. Never loaded at run time: the extension, or the
 * plugin's pure-PHP fallback, defines these functions.
 *
 * tests/php/native/StubsTest.php fails when these stubs and the built extension
 * disagree on names, parameters, defaults or types.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Native {
    /** Base class of every exception the extension throws. */
    class LpapiException extends \Exception {}

    /** A presented key is malformed: wrong length, prefix, alphabet or checksum. The message never contains the key. */
    class InvalidKeyException extends LpapiException {}

    /** An argument is outside its documented range (environment, limits, cost, bucket, ttl, record). */
    class InvalidArgumentException extends LpapiException {}

    /** Every slot of the shared rate-limit table holds a live bucket; raise lpapi.rate_slots. */
    class RateTableFullException extends LpapiException {}

    /** The shared-memory segment could not be created or is not usable. */
    class SharedMemoryException extends LpapiException {}

    /** The OS random source failed, so no key could be generated. */
    class EntropyException extends LpapiException {}

    /** Redis (lpapi.redis_url) cannot be reached and lpapi.redis_down is "refuse". The message names no password. */
    class RateStoreUnavailableException extends LpapiException {}
}

namespace {
    /**
     * Generates an API key from the OS CSPRNG: `lp_live_`/`lp_test_`, 32 base62
     * characters, then a 6-character base62 CRC32 checksum (46 in all).
     *
     * @param string $environment "live" or "test".
     * @return array{key: string, hash: string, prefix: string, last4: string, environment: string}
     *         `key` is the plaintext (show it once, never store it); `hash` the
     *         lowercase hex SHA-256 of it; `prefix` e.g. "lp_live_Ab3x"; `last4`
     *         its last 4 characters.
     * @throws \LatePointApi\Native\InvalidArgumentException for any other environment.
     * @throws \LatePointApi\Native\EntropyException when the OS random source fails.
     */
    function lpapi_key_generate(string $environment): array {}

    /**
     * Validates a presented key (length, prefix, alphabet, checksum) without any
     * storage access, and describes it.
     *
     * @param string $key Any bytes.
     * @return array{hash: string, prefix: string, last4: string, environment: string}
     * @throws \LatePointApi\Native\InvalidKeyException when malformed or the checksum does not match.
     */
    function lpapi_key_parse(string $key): array {}

    /**
     * Lowercase hex SHA-256 of any string (the same as `hash('sha256', $key)`).
     */
    function lpapi_key_hash(string $key): string {}

    /**
     * Whether `$key` hashes to `$hash` (hex, either case), compared in constant time.
     */
    function lpapi_key_verify(string $key, string $hash): bool {}

    /**
     * Counts a hit of `$cost` units against both fixed windows of `$bucket`
     * (the UTC minute and the UTC hour) if both have room. A denied hit counts
     * nothing. Exact across every process forked from the one that loaded the
     * extension (all php-fpm workers of a pool).
     *
     * @param string $bucket 1 to 4096 bytes; distinct names never share a counter.
     * @param int $per_minute 1 to 4294967295.
     * @param int $per_hour 1 to 4294967295.
     * @param int $cost 1 to 4294967295.
     * @return array{allowed: bool, limit: int, remaining: int, reset: int, retry_after: int,
     *               minute: array{limit: int, remaining: int, reset: int},
     *               hour: array{limit: int, remaining: int, reset: int}}
     *         `limit`/`remaining`/`reset` describe the tighter window: when denied, the
     *         refusing window that resets last; when allowed, the one with the fewest
     *         remaining (the hour on a tie). `reset` is in epoch seconds; `retry_after`
     *         is seconds until a denied hit could succeed, 0 when allowed.
     * @throws \LatePointApi\Native\InvalidArgumentException for an empty or too long bucket, or a limit or cost out of range.
     * @throws \LatePointApi\Native\RateTableFullException when the bucket is new and every slot holds a live bucket.
     * @throws \LatePointApi\Native\SharedMemoryException when the shared table could not be created.
     */
    function lpapi_rate_hit(string $bucket, int $per_minute, int $per_hour, int $cost = 1): array {}

    /**
     * One decision over several buckets, each with up to three fixed windows
     * (the UTC minute, hour and day): the hit of `$cost` units is admitted only
     * if every limited window of every bucket has room, and then counted in
     * all of them; a refused hit counts in none. No window ever admits more
     * than its limit, under any concurrency; a process killed in the middle of
     * a decision leaves at most its own hit counted, and nothing locked.
     *
     * Each bucket is `['bucket' => string, 'per_minute' => ?int, 'per_hour' => ?int,
     * 'per_day' => ?int]`: a limit that is null or absent leaves that window
     * unlimited (still counted), and at least one must be set. Bucket names are
     * distinct. lpapi_rate_hit() and this function share the counters of a bucket.
     *
     * @param list<array{bucket: string, per_minute?: ?int, per_hour?: ?int, per_day?: ?int}> $buckets
     *        1 to 8 buckets; limits 1 to 4294967295.
     * @param int $cost 1 to 4294967295.
     * @return array{allowed: bool, limit: int, remaining: int, reset: int, retry_after: int,
     *               bucket: int, window: string,
     *               buckets: list<array{minute: ?array{limit: int, remaining: int, reset: int},
     *                                   hour: ?array{limit: int, remaining: int, reset: int},
     *                                   day: ?array{limit: int, remaining: int, reset: int}}>,
     *               scope: string, scope_changed: bool, cache_flushed: bool}
     *         `bucket` (an index into `$buckets`) and `window` ("minute", "hour" or "day")
     *         name the tightest limited window, which `limit`/`remaining`/`reset` describe:
     *         when refused, the refusing window that resets last; when admitted, the one
     *         with the fewest remaining (the longer window on a tie, then the first bucket).
     *         `buckets[i]` describes each window of bucket i, null where it has no limit.
     *         `retry_after` is seconds until a refused hit could succeed, 0 when admitted.
     *         Then, where the decision was made:
     *         `scope` is "cluster" when Redis (lpapi.redis_url) counted it, shared by every server,
     *         and "server" when this host's shared table did (no Redis configured, or Redis down
     *         and lpapi.redis_down = "local"); `scope_changed` is true for the one process that
     *         saw Redis go down or come back (so the switch is logged once); `cache_flushed` is
     *         true when the key-cache generation read back from Redis moved, so this process's
     *         key cache was dropped (re-read the key before answering).
     * @throws \LatePointApi\Native\InvalidArgumentException when `$buckets` is not a list of 1 to 8
     *         arrays, an entry has a field other than the four above, a bucket name is not a
     *         string of 1 to 4096 bytes or repeats an earlier one, a limit is not null or an
     *         integer in range, an entry sets no limit, or the cost is out of range. The message
     *         names the field, as in `buckets[1][per_hour]`.
     * @throws \LatePointApi\Native\RateTableFullException when a bucket is new and every slot holds a live bucket.
     * @throws \LatePointApi\Native\SharedMemoryException when the shared table could not be created.
     * @throws \LatePointApi\Native\RateStoreUnavailableException when Redis is down and lpapi.redis_down is "refuse".
     */
    function lpapi_rate_hit_many(array $buckets, int $cost = 1): array {}

    /**
     * What a hit of cost 1 would get, counting nothing and creating nothing.
     *
     * @return array{allowed: bool, limit: int, remaining: int, reset: int, retry_after: int,
     *               minute: array{limit: int, remaining: int, reset: int},
     *               hour: array{limit: int, remaining: int, reset: int}}
     * @throws \LatePointApi\Native\InvalidArgumentException for an empty or too long bucket, or a limit out of range.
     * @throws \LatePointApi\Native\SharedMemoryException when the shared table could not be created.
     */
    function lpapi_rate_peek(string $bucket, int $per_minute, int $per_hour): array {}

    /**
     * Forgets both windows' counts of `$bucket`.
     *
     * @throws \LatePointApi\Native\InvalidArgumentException for an empty or too long bucket.
     * @throws \LatePointApi\Native\SharedMemoryException when the shared table could not be created.
     */
    function lpapi_rate_reset(string $bucket): void {}

    /**
     * The record cached in this process under `$hash`, or null when absent,
     * expired, or dropped because some process called lpapi_cache_invalidate().
     */
    function lpapi_cache_get(string $hash): ?array {}

    /**
     * Caches `$record` in this process for `$ttl` seconds. The record may hold
     * null, bool, int, float, string and nested arrays (up to 16 deep).
     *
     * @param int $ttl 1 to 31622400 seconds.
     * @throws \LatePointApi\Native\InvalidArgumentException for a ttl out of range, an object or resource in the record, or nesting too deep.
     */
    function lpapi_cache_put(string $hash, array $record, int $ttl): void {}

    /**
     * Bumps the shared cache generation: every process drops its whole key
     * cache on its next cache access. Call it after any key changes.
     *
     * @return int The new generation.
     */
    function lpapi_cache_invalidate(): int {}

    /**
     * The extension's state. `started_by_pid` is the process that loaded the
     * extension and made the shared table: under php-fpm it must be the master,
     * not the worker asking (getmypid()), or each worker counts on its own.
     *
     * `rate_store` is "redis" when lpapi.redis_url is set, else "shared_memory"; `redis` is then
     * its state in this process (null without Redis): the URL with any password replaced by
     * `***`, "up", "down" or "unknown" (not used yet), the lpapi.redis_down policy, the last
     * error (never with a password) and the seconds until the next reconnection attempt.
     *
     * @return array{version: string, native: bool, shared_memory: bool, shared_memory_error?: string,
     *               slots_used: int, slots_assigned: int, slots_total: int, shm_bytes: int,
     *               generation: int, rate_table_full_events: int, rate_slot_reclaims: int,
     *               rate_lock_takeovers: int, shm_name: ?string, shm_origin: string, shm_created_at: int,
     *               started_by_pid: int,
     *               cache: array{entries: int, capacity: int, hits: int, misses: int, evictions: int, flushes: int},
     *               rate_store: string,
     *               redis: ?array{url: string, state: string, down_policy: string, last_error: ?string, retry_in: int}}
     */
    function lpapi_info(): array {}
}
