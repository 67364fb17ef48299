<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Contract;

use LatePointApi\Tests\Support\LpapiTestCase;
use LatePointApi\Tests\Support\PhpWorker;
use LatePointApi\Tests\Support\RedisServer;

require_once dirname(__DIR__) . '/support/PhpWorker.php';
require_once dirname(__DIR__) . '/support/RedisServer.php';

/**
 * php-stubs/lpapi.php: rate limits counted in Redis (lpapi.redis_url for the
 * extension, LPAPI_REDIS_URL for the fallback), for any implementation. Each
 * PHP worker process stands for one web server: workers share no local
 * table, only the test's own redis-server.
 */
final class RedisTest extends LpapiTestCase
{
    private static ?RedisServer $redis = null;
    /** @var list<PhpWorker> */
    private array $workers = [];
    private string $prefix = '';

    public static function setUpBeforeClass(): void
    {
        if (RedisServer::binary() === null) {
            self::markTestSkipped('redis-server is not installed (apt-get install redis-server): the Redis rate store cannot be tested');
        }
        self::$redis = new RedisServer('pw@/' . bin2hex(random_bytes(8)));
        self::$redis->start();
    }

    public static function tearDownAfterClass(): void
    {
        self::$redis?->remove();
        self::$redis = null;
    }

    protected function setUp(): void
    {
        if (!self::server()->isRunning()) {
            self::server()->start();
        }
        $this->prefix = 't' . bin2hex(random_bytes(4)) . ':';
    }

    protected function tearDown(): void
    {
        foreach ($this->workers as $worker) {
            $worker->close();
        }
        $this->workers = [];
    }

    private static function server(): RedisServer
    {
        \assert(self::$redis !== null);

        return self::$redis;
    }

    /** The TCP URL of the test's Redis, with its password, this test's prefix and `$query`. */
    private function url(string $query = '', int $db = 0): string
    {
        return 'redis://default:' . rawurlencode(self::server()->password) . '@127.0.0.1:' . self::server()->port
            . ($db !== 0 ? '/' . $db : '') . '?prefix=' . $this->prefix . $query;
    }

    private function worker(?string $url = null, string $down = 'local'): PhpWorker
    {
        $worker = new PhpWorker($url ?? $this->url(), $down);
        $this->workers[] = $worker;

        return $worker;
    }

    /** @param list<array<string, mixed>> $buckets */
    private static function hit(PhpWorker $worker, array $buckets, int $cost = 1): array
    {
        return $worker->value('return lpapi_rate_hit_many(' . var_export($buckets, true) . ', ' . $cost . ');');
    }

    private function redisTime(): int
    {
        return (int) self::server()->command(['TIME'])[0];
    }

    /** @return array<string, string> A bucket's hash in Redis. */
    private function stored(string $bucket, int $db = 0): array
    {
        $flat = self::server()->command(['HGETALL', $this->prefix . $bucket], $db);
        $hash = [];
        foreach (array_chunk($flat, 2) as [$field, $value]) {
            $hash[$field] = $value;
        }

        return $hash;
    }

    private function assertNoPassword(string $text, string $what): void
    {
        $password = self::server()->password;
        $this->assertStringNotContainsString($password, $text, $what);
        $this->assertStringNotContainsString(rawurlencode($password), $text, $what);
    }

    public function testTwoServersCountAgainstOneLimitExactly(): void
    {
        $this->inOneMinute(function (): void {
            [$a, $b] = [$this->worker(), $this->worker()];
            $bucket = self::freshBucket('two');
            $seen = [];
            for ($i = 0; $i < 8; $i++) {
                $seen[] = self::hit($i % 2 === 0 ? $a : $b, [['bucket' => $bucket, 'per_minute' => 5, 'per_hour' => 50]]);
            }
            $this->assertSame([true, true, true, true, true, false, false, false], array_column($seen, 'allowed'), 'five a minute across both servers');
            $this->assertSame([4, 3, 2, 1, 0, 0, 0, 0], array_column($seen, 'remaining'));
            $this->assertSame(array_fill(0, 8, 'cluster'), array_column($seen, 'scope'));
            $this->assertSame(array_fill(0, 8, false), array_column($seen, 'scope_changed'));
            $this->assertSame(array_fill(0, 8, false), array_column($seen, 'cache_flushed'));
            $this->assertSame(['allowed', 'limit', 'remaining', 'reset', 'retry_after', 'bucket', 'window', 'buckets', 'scope', 'scope_changed', 'cache_flushed'], array_keys($seen[0]));
            $stored = $this->stored($bucket);
            $this->assertSame(['5', '5', '5'], [$stored['mc'], $stored['hc'], $stored['dc']], 'the hash under <prefix><bucket> holds the admitted hits only');
            $ttl = self::server()->command(['TTL', $this->prefix . $bucket]);
            $this->assertGreaterThan(172000, $ttl);
            $this->assertLessThanOrEqual(172800, $ttl);
        });
    }

    public function testARefusedHitCountsInNoBucket(): void
    {
        $this->inOneMinute(function (): void {
            [$a, $b] = [$this->worker(), $this->worker()];
            $wide = self::freshBucket('wide');
            $narrow = '{' . self::freshBucket('narrow') . '}';
            $both = [['bucket' => $wide, 'per_minute' => 10], ['bucket' => $narrow, 'per_day' => 2]];
            $this->assertTrue(self::hit($a, $both)['allowed']);
            $this->assertTrue(self::hit($b, $both)['allowed']);
            $refused = self::hit($a, $both);
            $this->assertFalse($refused['allowed']);
            $this->assertSame([1, 'day', 2, 0], [$refused['bucket'], $refused['window'], $refused['limit'], $refused['remaining']]);
            $this->assertSame('2', $this->stored($wide)['mc'], 'the refused hit is not counted in the bucket with room');
            $this->assertSame('2', $this->stored($narrow)['dc'], 'a name with {…} is the key verbatim (a Cluster hash tag)');
            $this->assertSame(7, self::hit($b, [['bucket' => $wide, 'per_minute' => 10]])['remaining']);
        });
    }

    public function testDecisionsFollowTheWindowArithmeticOnRedisTime(): void
    {
        $this->inOneMinute(function (): void {
            $a = $this->worker();
            $limits = ['per_minute' => 10, 'per_hour' => 20, 'per_day' => 30];
            $minute = intdiv($this->redisTime(), 60);
            $seeds = [
                'same minute' => [$minute, 9, 15, 25],
                'previous day' => [intdiv($minute, 1440) * 1440 - 1, 9, 19, 29],
                'future minute' => [$minute + 2, 10, 12, 14],
            ];
            if ($minute % 60 !== 0) {
                $seeds['earlier minute, same hour'] = [$minute - 1, 9, 19, 20];
            }
            foreach ($seeds as $case => [$m, $mc, $hc, $dc]) {
                $bucket = self::freshBucket('seed');
                self::server()->command(['HSET', $this->prefix . $bucket, 'm', (string) $m, 'mc', (string) $mc, 'hc', (string) $hc, 'dc', (string) $dc]);
                $before = $this->redisTime();
                $d = self::hit($a, [['bucket' => $bucket] + $limits]);
                $after = $this->redisTime();
                $at = max($minute, $m);
                $used = [
                    'minute' => $m === $at ? $mc : 0,
                    'hour' => intdiv($m, 60) === intdiv($at, 60) ? $hc : 0,
                    'day' => intdiv($m, 1440) === intdiv($at, 1440) ? $dc : 0,
                ];
                $resets = ['minute' => ($at + 1) * 60, 'hour' => (intdiv($at, 60) + 1) * 3600, 'day' => (intdiv($at, 1440) + 1) * 86400];
                $allowed = $used['minute'] < 10 && $used['hour'] < 20 && $used['day'] < 30;
                $this->assertSame($allowed, $d['allowed'], $case);
                foreach (['minute' => 10, 'hour' => 20, 'day' => 30] as $window => $limit) {
                    $this->assertSame(
                        ['limit' => $limit, 'remaining' => max(0, $limit - $used[$window] - ($allowed ? 1 : 0)), 'reset' => $resets[$window]],
                        $d['buckets'][0][$window],
                        "{$case}: {$window}"
                    );
                }
                if ($allowed) {
                    $this->assertSame(0, $d['retry_after'], $case);
                    $fewest = min(array_column($d['buckets'][0], 'remaining'));
                    $this->assertSame($fewest, $d['remaining'], "{$case}: the tightest window has the fewest remaining");
                    $this->assertSame('cluster', $d['scope']);
                } else {
                    $this->assertSame('minute', $d['window'], $case);
                    $this->assertGreaterThanOrEqual($resets['minute'] - $after, $d['retry_after'], $case);
                    $this->assertLessThanOrEqual(max(1, $resets['minute'] - $before), $d['retry_after'], $case);
                    $this->assertSame([(string) $m, (string) $mc], [$this->stored($bucket)['m'], $this->stored($bucket)['mc']], "{$case}: refused, nothing written");
                }
            }
        });
    }

    public function testHitPeekAndResetUseRedis(): void
    {
        $this->inOneMinute(function (): void {
            [$a, $b] = [$this->worker(), $this->worker()];
            $bucket = self::freshBucket('reset');
            $name = var_export($bucket, true);
            for ($i = 0; $i < 3; $i++) {
                $hit = $a->value("return lpapi_rate_hit({$name}, 5, 10);");
            }
            $this->assertSame(['allowed', 'limit', 'remaining', 'reset', 'retry_after', 'minute', 'hour'], array_keys($hit));
            $this->assertSame([2, 7], [$hit['minute']['remaining'], $hit['hour']['remaining']]);
            $peek = $b->value("return lpapi_rate_peek({$name}, 5, 10);");
            $this->assertSame([2, 7], [$peek['minute']['remaining'], $peek['hour']['remaining']], 'the other server sees the counts');
            $this->assertSame('3', $this->stored($bucket)['mc'], 'the peek counted nothing');
            $b->value("lpapi_rate_reset({$name}); return null;");
            $this->assertSame(0, self::server()->command(['EXISTS', $this->prefix . $bucket]), 'reset deletes the hash');
            $this->assertSame(4, $a->value("return lpapi_rate_hit({$name}, 5, 10);")['minute']['remaining']);
        });
    }

    public function testAnInvalidationOnOneServerFlushesTheKeyCacheOfTheOthers(): void
    {
        [$a, $b] = [$this->worker(), $this->worker()];
        $buckets = [['bucket' => self::freshBucket('gen'), 'per_day' => 1000]];
        $this->assertFalse(self::hit($b, $buckets)['cache_flushed']);
        $b->value("lpapi_cache_put('h1', ['status' => 'active'], 600); return null;");
        $this->assertFalse(self::hit($b, $buckets)['cache_flushed'], 'no invalidation, no flush');
        $this->assertSame(['status' => 'active'], $b->value("return lpapi_cache_get('h1');"));

        $a->value('return lpapi_cache_invalidate();');
        $this->assertSame('1', self::server()->command(['GET', $this->prefix . 'generation']), 'the invalidation bumped <prefix>generation');
        $this->assertSame(['status' => 'active'], $b->value("return lpapi_cache_get('h1');"), 'other servers only learn it at their next decision');
        $this->assertTrue(self::hit($b, $buckets)['cache_flushed']);
        $this->assertNull($b->value("return lpapi_cache_get('h1');"), 'the cached record is gone');
        $this->assertFalse(self::hit($b, $buckets)['cache_flushed'], 'once');
    }

    public function testRedisDownThenBack(): void
    {
        $local = $this->worker();
        $refuse = $this->worker(null, 'refuse');
        $buckets = [['bucket' => self::freshBucket('down'), 'per_minute' => 1000]];
        $this->assertSame('cluster', self::hit($local, $buckets)['scope']);
        $this->assertSame('cluster', self::hit($refuse, $buckets)['scope']);
        $local->value("lpapi_cache_put('h2', ['a' => 1], 600); return null;");

        self::server()->stop();
        $down = [self::hit($local, $buckets), self::hit($local, $buckets)];
        $this->assertSame(['server', 'server'], array_column($down, 'scope'), 'decided locally');
        $this->assertSame([true, true], array_column($down, 'allowed'));
        $this->assertSame([true, false], array_column($down, 'scope_changed'), 'the switch is reported once');
        $this->assertSame([true, false], array_column($down, 'cache_flushed'), 'the first decision after the switch drops the cache (a record read from it may be stale)');
        $thrown = $refuse->call('return lpapi_rate_hit_many(' . var_export($buckets, true) . ');');
        $this->assertSame('LatePointApi\\Native\\RateStoreUnavailableException', $thrown['threw'] ?? null, json_encode($thrown));
        $this->assertNotSame('', $thrown['message']);
        $this->assertNoPassword($thrown['message'], 'the exception');
        foreach ([$local, $refuse] as $worker) {
            $info = $worker->value('return lpapi_info();');
            $this->assertSame('redis', $info['rate_store']);
            $this->assertSame(['url', 'state', 'down_policy', 'last_error', 'retry_in'], array_keys($info['redis']));
            $this->assertSame('down', $info['redis']['state']);
            $this->assertIsString($info['redis']['last_error']);
            $this->assertNoPassword(json_encode($info), 'lpapi_info()');
        }
        $this->assertSame(['local', 'refuse'], [$local->value('return lpapi_info()["redis"]["down_policy"];'), $refuse->value('return lpapi_info()["redis"]["down_policy"];')]);
        $this->assertNoPassword($local->stderr() . $refuse->stderr(), 'the logs');

        usleep(700000); // Past the first backoff.
        self::server()->start();
        $seen = [];
        $deadline = microtime(true) + 10;
        do {
            $seen[] = $last = self::hit($local, $buckets);
            usleep(100000);
        } while ($last['scope'] !== 'cluster' && microtime(true) < $deadline);
        $this->assertSame('cluster', $last['scope'], 'Redis is used again once it is back');
        $this->assertTrue($last['scope_changed'], 'the switch back is reported');
        $this->assertTrue($last['cache_flushed'], 'what was cached while Redis was down is dropped');
        $this->assertNull($local->value("return lpapi_cache_get('h2');"));
        $this->assertSame(999, $last['remaining'], 'a restarted Redis starts empty (and learns the script again)');
        $again = self::hit($local, $buckets);
        $this->assertSame(['cluster', false, false], [$again['scope'], $again['scope_changed'], $again['cache_flushed']]);
        $this->assertSame('up', $local->value('return lpapi_info()["redis"]["state"];'));
    }

    public function testWhileDownDecisionsDoNotWaitForRedisEachTime(): void
    {
        // A server that accepts connections (in its backlog) but never answers: each attempt waits timeout_ms.
        $stall = stream_socket_server('tcp://127.0.0.1:0', $errno, $error);
        $this->assertNotFalse($stall, (string) $error);
        $port = (int) substr((string) stream_socket_get_name($stall, false), strrpos((string) stream_socket_get_name($stall, false), ':') + 1);
        $worker = $this->worker('redis://:secret-pw@127.0.0.1:' . $port . '?timeout_ms=250');
        $took = $worker->value(
            '$s = []; for ($i = 0; $i < 20; $i++) { $s[] = lpapi_rate_hit_many([["bucket" => "stall", "per_minute" => 100]])["scope"]; }'
            . ' return [array_unique($s), lpapi_info()["redis"]];'
        );
        // Every connection attempt waits in the server's backlog: count them.
        $attempts = 0;
        while (true) {
            $ready = [$stall];
            $none = null;
            if (stream_select($ready, $none, $none, 0) < 1 || stream_socket_accept($stall, 0) === false) {
                break;
            }
            ++$attempts;
        }
        fclose($stall);
        [$scopes, $redis] = $took;
        $this->assertSame(['server'], array_values($scopes));
        $this->assertGreaterThanOrEqual(1, $attempts, 'Redis was tried');
        $this->assertLessThanOrEqual(2, $attempts, "20 decisions while Redis does not answer tried it {$attempts} times: the backoff must hold the others back");
        $this->assertSame('down', $redis['state']);
        $this->assertGreaterThanOrEqual(1, $redis['retry_in'], 'the next attempt waits for the backoff');
        $this->assertLessThanOrEqual(30, $redis['retry_in']);
        $this->assertStringNotContainsString('secret-pw', json_encode($redis));
    }

    /** @return array<string, array{0: string, 1: string}> */
    public static function badUrls(): array
    {
        return [
            'TLS' => ['rediss://:secret-pw@127.0.0.1:6379', 'rediss:// (TLS) is not supported: reach Redis over a private network or a local TLS tunnel with redis:// or unix://'],
            'scheme' => ['http://127.0.0.1:6379', 'http'],
            'port' => ['redis://:secret-pw@127.0.0.1:99999', 'port'],
            'parameter' => ['redis://:secret-pw@127.0.0.1:6379?colour=blue', 'colour'],
        ];
    }

    /** @dataProvider badUrls */
    public function testAnInvalidUrlActsLikeRedisDownAndSaysWhy(string $url, string $problem): void
    {
        $local = $this->worker($url);
        $d = self::hit($local, [['bucket' => 'bad-url', 'per_minute' => 10]]);
        $this->assertSame(['server', true], [$d['scope'], $d['allowed']]);
        $redis = $local->value('return lpapi_info()["redis"];');
        $this->assertSame('down', $redis['state']);
        $this->assertStringContainsString($problem, (string) $redis['last_error']);
        $this->assertStringNotContainsString('secret-pw', json_encode($redis));
        $refused = $this->worker($url, 'refuse')->call('return lpapi_rate_hit_many([["bucket" => "bad-url", "per_minute" => 10]]);');
        $this->assertSame('LatePointApi\\Native\\RateStoreUnavailableException', $refused['threw'] ?? null);
        $this->assertStringContainsString($problem, $refused['message']);
        $this->assertStringNotContainsString('secret-pw', $refused['message']);
    }

    public function testInfoShowsTheUrlWithoutItsPasswordAndUsesTheDatabase(): void
    {
        $url = $this->url('&timeout_ms=300', 3);
        $worker = $this->worker($url);
        $info = $worker->value('return lpapi_info();');
        $this->assertSame(['rate_store', 'redis'], array_slice(array_keys($info), -2));
        $this->assertSame('redis', $info['rate_store']);
        $expected = 'redis://default:***@127.0.0.1:' . self::server()->port . '/3?prefix=' . $this->prefix . '&timeout_ms=300';
        $this->assertSame(['url' => $expected, 'state' => 'unknown', 'down_policy' => 'local', 'last_error' => null, 'retry_in' => 0], $info['redis'], 'no connection before the first use');
        $bucket = self::freshBucket('db');
        $this->assertSame('cluster', self::hit($worker, [['bucket' => $bucket, 'per_hour' => 10]])['scope']);
        $this->assertSame('1', $this->stored($bucket, 3)['hc'] ?? null, 'counted in database 3');
        $this->assertSame([], $this->stored($bucket), 'not in database 0');
        $this->assertSame('up', $worker->value('return lpapi_info()["redis"]["state"];'));
    }

    public function testUnixSocket(): void
    {
        $password = self::server()->password;
        $url = 'unix://' . self::server()->socket . '?db=2&password=' . rawurlencode($password) . '&prefix=' . $this->prefix;
        $worker = $this->worker($url);
        $bucket = self::freshBucket('unix');
        $d = self::hit($worker, [['bucket' => $bucket, 'per_minute' => 3]]);
        $this->assertSame(['cluster', true, 2], [$d['scope'], $d['allowed'], $d['remaining']]);
        $this->assertSame('1', $this->stored($bucket, 2)['mc'] ?? null);
        $this->assertSame(
            'unix://' . self::server()->socket . '?db=2&password=***&prefix=' . $this->prefix,
            $worker->value('return lpapi_info()["redis"]["url"];')
        );
    }

    public function testWithoutRedisNothingChanges(): void
    {
        $info = lpapi_info();
        $this->assertSame(['shared_memory', null], [$info['rate_store'], $info['redis']]);
        $d = lpapi_rate_hit_many([['bucket' => self::freshBucket('none'), 'per_minute' => 3]]);
        $this->assertSame(['server', false, false], [$d['scope'], $d['scope_changed'], $d['cache_flushed']]);
    }
}
