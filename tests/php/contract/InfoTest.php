<?php

namespace LatePointApi\Tests\Contract;

use LatePointApi\Tests\Support\LpapiTestCase;

/** docs/native-functions.md: lpapi_info(), for any implementation. */
final class InfoTest extends LpapiTestCase
{
    /** The documented keys, in order; `shared_memory_error` may follow `shared_memory`. */
    private const KEYS = [
        'version', 'native', 'shared_memory',
        'slots_used', 'slots_assigned', 'slots_total', 'shm_bytes',
        'generation', 'rate_table_full_events', 'rate_slot_reclaims', 'rate_lock_takeovers',
        'shm_name', 'shm_origin', 'shm_created_at', 'started_by_pid', 'cache',
        'rate_store', 'redis',
    ];
    private const CACHE_KEYS = ['entries', 'capacity', 'hits', 'misses', 'evictions', 'flushes'];
    private const COUNTERS = [
        'slots_used', 'slots_assigned', 'slots_total', 'shm_bytes',
        'generation', 'rate_table_full_events', 'rate_slot_reclaims', 'rate_lock_takeovers',
        'shm_created_at', 'started_by_pid',
    ];
    private const ORIGINS = ['created', 'attached', 'replaced', 'private', 'none'];

    public function testStartedByPidIsThisCliProcess(): void
    {
        // Under the CLI the process that loaded the extension is the one asking.
        $this->assertSame(getmypid(), lpapi_info()['started_by_pid']);
    }

    public function testKeysAreTheDocumentedOnesInOrder(): void
    {
        $info = lpapi_info();
        $keys = array_keys($info);
        if (array_key_exists('shared_memory_error', $info)) {
            $this->assertFalse($info['shared_memory'], 'shared_memory_error only when there is no shared memory');
            $this->assertSame(
                array_search('shared_memory', $keys, true) + 1,
                array_search('shared_memory_error', $keys, true),
                'shared_memory_error follows shared_memory'
            );
            $this->assertIsString($info['shared_memory_error']);
            $this->assertNotSame('', $info['shared_memory_error']);
            $keys = array_values(array_diff($keys, ['shared_memory_error']));
        }
        $this->assertSame(self::KEYS, $keys);
        $this->assertIsArray($info['cache']);
        $this->assertKeysInOrder(self::CACHE_KEYS, $info['cache']);
    }

    public function testValueTypesAndRanges(): void
    {
        $info = lpapi_info();
        $this->assertIsString($info['version']);
        $this->assertMatchesRegularExpression('/^\d+\.\d+\.\d+/', $info['version']);
        $this->assertIsBool($info['native']);
        $this->assertIsBool($info['shared_memory']);
        foreach (self::COUNTERS as $name) {
            $this->assertIsInt($info[$name], $name);
            $this->assertGreaterThanOrEqual(0, $info[$name], $name);
        }
        $this->assertLessThanOrEqual($info['slots_assigned'], $info['slots_used']);
        $this->assertLessThanOrEqual($info['slots_total'], $info['slots_assigned']);
        foreach (self::CACHE_KEYS as $name) {
            $this->assertIsInt($info['cache'][$name], "cache.{$name}");
            $this->assertGreaterThanOrEqual(0, $info['cache'][$name], "cache.{$name}");
        }
        $this->assertGreaterThanOrEqual(1, $info['cache']['capacity']);
        $this->assertLessThanOrEqual($info['cache']['capacity'], $info['cache']['entries']);
        $this->assertContains($info['shm_origin'], self::ORIGINS);
        if ($info['shared_memory']) {
            $this->assertNotSame('none', $info['shm_origin']);
            $this->assertGreaterThan(0, $info['shm_created_at']);
        } else {
            $this->assertSame('none', $info['shm_origin'], 'no table: it was opened in no way');
            $this->assertNull($info['shm_name']);
        }
        $this->assertSame($info['shm_origin'] === 'private' || $info['shm_origin'] === 'none', $info['shm_name'] === null, 'a name exactly for a named table');
        if ($info['shm_name'] !== null) {
            $this->assertMatchesRegularExpression('/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/', $info['shm_name']);
        }
    }

    public function testTheCliTableIsPrivateUnlessNamed(): void
    {
        $info = lpapi_info();
        if (!$info['shared_memory']) {
            $this->assertSame('none', $info['shm_origin']);
            return;
        }
        $named = (string) ini_get('lpapi.shm_name') !== '';
        $this->assertSame($named ? ini_get('lpapi.shm_name') : null, $info['shm_name']);
        $this->assertSame($named, $info['shm_origin'] !== 'private');
    }

    public function testWithoutRedisTheRateStoreIsLocal(): void
    {
        // Redis (lpapi.redis_url, LPAPI_REDIS_URL) is not configured in this process; RedisTest covers it.
        $info = lpapi_info();
        $this->assertSame('shared_memory', $info['rate_store']);
        $this->assertNull($info['redis']);
    }

    public function testNativeIsTrueExactlyWhenTheExtensionIsLoaded(): void
    {
        $this->assertSame(extension_loaded('lpapi'), lpapi_info()['native']);
    }

    public function testGenerationIsTheOneTheLastInvalidationReturned(): void
    {
        $generation = lpapi_cache_invalidate();
        $this->assertSame($generation, lpapi_info()['generation']);
        $this->assertSame($generation + 1, lpapi_cache_invalidate(), 'with nobody else invalidating, the generation moves by one');
        $this->assertSame($generation + 1, lpapi_info()['generation']);
    }

    public function testCacheStatisticsCountEntriesHitsMissesAndFlushes(): void
    {
        $hash = hash('sha256', random_bytes(16));
        // Any cache access first drops entries of an older generation, so
        // start from a cache in step with the current one.
        lpapi_cache_get($hash);
        $before = lpapi_info()['cache'];

        lpapi_cache_put($hash, ['a' => 1], 60);
        $afterPut = lpapi_info()['cache'];
        $this->assertSame($before['entries'] + 1, $afterPut['entries'], 'a new entry');

        lpapi_cache_get($hash);
        lpapi_cache_get($hash);
        $afterHits = lpapi_info()['cache'];
        $this->assertSame($afterPut['hits'] + 2, $afterHits['hits']);
        $this->assertSame($afterPut['misses'], $afterHits['misses']);

        lpapi_cache_get(hash('sha256', random_bytes(16)));
        $afterMiss = lpapi_info()['cache'];
        $this->assertSame($afterHits['misses'] + 1, $afterMiss['misses']);
        $this->assertSame($afterHits['hits'], $afterMiss['hits']);

        lpapi_cache_invalidate();
        $this->assertNull(lpapi_cache_get($hash));
        $afterFlush = lpapi_info()['cache'];
        $this->assertSame(0, $afterFlush['entries']);
        $this->assertSame($afterMiss['flushes'] + 1, $afterFlush['flushes']);
        $this->assertSame($before['capacity'], $afterFlush['capacity']);
    }
}
