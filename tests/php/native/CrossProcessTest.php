<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Native;

use LatePointApi\Tests\Support\Fork;
use LatePointApi\Tests\Support\NativeTestCase;

/**
 * docs/api.md "Exact … across every PHP worker process": children forked from the
 * process that loaded the extension (as php-fpm forks its workers from the
 * master) share one rate table and one cache generation.
 */
final class CrossProcessTest extends NativeTestCase
{
    private const CHILDREN = 8;
    private const HITS_PER_CHILD = 100;

    protected function setUp(): void
    {
        parent::setUp();
        if (!function_exists('pcntl_fork') || !function_exists('posix_kill')) {
            $this->fail('these tests need the pcntl and posix extensions');
        }
    }

    /**
     * 8 children hit one bucket 100 times each, all starting at the same
     * instant, and report how many hits were admitted.
     *
     * @return array{admitted: list<int>, pids: list<int>, start_minute: int, end_minute: int}
     */
    private function hammer(string $bucket, int $perMinute, int $perHour): array
    {
        $startAt = microtime(true) + 0.25; // every child is forked well before this
        $startMinute = intdiv(time(), 60);
        $reports = Fork::run(self::CHILDREN, static function () use ($bucket, $perMinute, $perHour, $startAt): array {
            while (microtime(true) < $startAt - 0.005) {
                usleep(1000);
            }
            // Spin: release every child within microseconds of the others.
            do {
                $now = microtime(true);
            } while ($now < $startAt);
            $admitted = 0;
            $denied = 0;
            for ($i = 0; $i < self::HITS_PER_CHILD; $i++) {
                $hit = lpapi_rate_hit($bucket, $perMinute, $perHour);
                $hit['allowed'] ? $admitted++ : $denied++;
            }

            return ['admitted' => $admitted, 'denied' => $denied, 'pid' => getmypid()];
        });
        $endMinute = intdiv(time(), 60);

        foreach ($reports as $i => $report) {
            $this->assertSame(self::HITS_PER_CHILD, $report['admitted'] + $report['denied'], "child {$i} did not make all its hits");
        }

        return [
            'admitted' => array_column($reports, 'admitted'),
            'pids' => array_column($reports, 'pid'),
            'start_minute' => $startMinute,
            'end_minute' => $endMinute,
        ];
    }

    /**
     * Runs `$run` once, or twice if the first run straddled a minute
     * boundary; the run that stayed within one minute is returned.
     *
     * @param callable(): array{start_minute: int, end_minute: int} $run
     * @return array<string, mixed>
     */
    private function withinOneMinute(callable $run): array
    {
        for ($attempt = 1; $attempt <= 2; $attempt++) {
            self::awayFromMinuteBoundary(5.0);
            $result = $run();
            if ($result['start_minute'] === $result['end_minute']) {
                return $result;
            }
        }
        $this->fail('two runs in a row straddled a minute boundary');
    }

    public function testEightProcessesAdmitExactlyTheMinuteLimitBetweenThem(): void
    {
        $result = $this->withinOneMinute(function (): array {
            $bucket = self::freshBucket('fork-minute');
            $result = $this->hammer($bucket, 50, 100000);
            $result['peek'] = lpapi_rate_peek($bucket, 50, 100000);

            return $result;
        });

        $this->assertCount(self::CHILDREN, array_unique($result['pids']), 'the hits came from 8 distinct processes');
        $this->assertNotContains(getmypid(), $result['pids']);
        $this->assertSame(50, array_sum($result['admitted']), 'admitted per child: ' . implode(', ', $result['admitted']));
        $this->assertFalse($result['peek']['allowed']);
        $this->assertSame(0, $result['peek']['minute']['remaining'], 'the parent sees the children\'s counts');
        $this->assertSame(100000 - 50, $result['peek']['hour']['remaining'], 'denied hits must not count against the hour');
    }

    public function testEightProcessesAdmitExactlyTheHourLimitBetweenThem(): void
    {
        $result = $this->withinOneMinute(function (): array {
            $bucket = self::freshBucket('fork-hour');
            $result = $this->hammer($bucket, 100000, 37);
            $result['peek'] = lpapi_rate_peek($bucket, 100000, 37);

            return $result;
        });

        $this->assertSame(37, array_sum($result['admitted']), 'admitted per child: ' . implode(', ', $result['admitted']));
        $this->assertFalse($result['peek']['allowed']);
        $this->assertSame(0, $result['peek']['hour']['remaining']);
        $this->assertSame(100000 - 37, $result['peek']['minute']['remaining']);
    }

    public function testTwoBucketsHitFromDifferentProcessesKeepSeparateCounts(): void
    {
        $result = $this->withinOneMinute(function (): array {
            $buckets = [self::freshBucket('fork-a'), self::freshBucket('fork-b')];
            $startMinute = intdiv(time(), 60);
            $startAt = microtime(true) + 0.2;
            // Children 0-3 hit bucket A 5 times each, children 4-7 hit bucket B 3 times each.
            $reports = Fork::run(8, static function (int $i) use ($buckets, $startAt): int {
                while (microtime(true) < $startAt) {
                    usleep(500);
                }
                $bucket = $buckets[intdiv($i, 4)];
                $admitted = 0;
                for ($n = 0; $n < ($i < 4 ? 5 : 3); $n++) {
                    $admitted += lpapi_rate_hit($bucket, 1000, 1000)['allowed'] ? 1 : 0;
                }

                return $admitted;
            });

            return [
                'reports' => $reports,
                'a' => lpapi_rate_peek($buckets[0], 1000, 1000),
                'b' => lpapi_rate_peek($buckets[1], 1000, 1000),
                'start_minute' => $startMinute,
                'end_minute' => intdiv(time(), 60),
            ];
        });

        $this->assertSame([5, 5, 5, 5, 3, 3, 3, 3], $result['reports']);
        $this->assertSame(1000 - 20, $result['a']['minute']['remaining']);
        $this->assertSame(1000 - 20, $result['a']['hour']['remaining']);
        $this->assertSame(1000 - 12, $result['b']['minute']['remaining']);
        $this->assertSame(1000 - 12, $result['b']['hour']['remaining']);
    }

    public function testTheParentsCountsAreSeenByChildren(): void
    {
        $result = $this->withinOneMinute(function (): array {
            $bucket = self::freshBucket('fork-parent');
            $startMinute = intdiv(time(), 60);
            lpapi_rate_hit($bucket, 10, 100, 4);
            $seen = Fork::run(2, static fn () => lpapi_rate_peek($bucket, 10, 100)['minute']['remaining']);
            lpapi_rate_reset($bucket);
            $afterReset = Fork::run(1, static fn () => lpapi_rate_hit($bucket, 10, 100)['minute']['remaining']);

            return ['seen' => $seen, 'after_reset' => $afterReset, 'start_minute' => $startMinute, 'end_minute' => intdiv(time(), 60)];
        });

        $this->assertSame([6, 6], $result['seen']);
        $this->assertSame([9], $result['after_reset'], 'a reset in the parent is seen by a child');
    }

    public function testACacheInvalidationInAChildIsSeenByTheParent(): void
    {
        $hash = hash('sha256', random_bytes(16));
        $other = hash('sha256', random_bytes(16));
        lpapi_cache_put($hash, ['status' => 'active'], 600);
        lpapi_cache_put($other, ['status' => 'active'], 600);
        $this->assertSame(['status' => 'active'], lpapi_cache_get($hash));
        $before = lpapi_info()['generation'];

        [$child] = Fork::run(1, static function () use ($hash): array {
            $inherited = lpapi_cache_get($hash); // the child starts with a copy of the parent's cache

            return ['inherited' => $inherited, 'generation' => lpapi_cache_invalidate()];
        });

        $this->assertSame(['status' => 'active'], $child['inherited']);
        $this->assertGreaterThan($before, $child['generation']);
        $this->assertSame($child['generation'], lpapi_info()['generation'], 'the parent sees the child\'s generation');
        $this->assertNull(lpapi_cache_get($hash), 'the parent must drop its cache after a child invalidated');
        $this->assertNull(lpapi_cache_get($other));
    }

    public function testAnInvalidationInTheParentIsSeenByAChildThatCachedEarlier(): void
    {
        $hash = hash('sha256', random_bytes(16));
        $socketPair = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        $this->assertIsArray($socketPair);
        [$parentEnd, $childEnd] = $socketPair;
        // The child caches a record, tells the parent, waits for the parent to
        // invalidate, then looks the record up again.
        $pid = pcntl_fork();
        if ($pid === 0) {
            $code = 1;
            try {
                fclose($parentEnd);
                lpapi_cache_put($hash, ['mine' => true], 600);
                $before = lpapi_cache_get($hash) === ['mine' => true];
                fwrite($childEnd, "cached\n");
                $go = fgets($childEnd);
                $after = lpapi_cache_get($hash);
                fwrite($childEnd, json_encode(['before' => $before, 'go' => $go, 'after' => $after]) . "\n");
                $code = 0;
            } finally {
                posix_kill(posix_getpid(), SIGKILL);
                exit($code);
            }
        }
        fclose($childEnd);
        stream_set_timeout($parentEnd, 10);
        $this->assertSame("cached\n", fgets($parentEnd));
        lpapi_cache_invalidate();
        fwrite($parentEnd, "invalidated\n");
        $report = json_decode((string) fgets($parentEnd), true);
        pcntl_waitpid($pid, $status);
        fclose($parentEnd);

        $this->assertSame(['before' => true, 'go' => "invalidated\n", 'after' => null], $report);
    }
}
