<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Contract;

use LatePointApi\Fallback\Fallback;
use LatePointApi\Fallback\Rate_Database;
use LatePointApi\Fallback\Rate_Store;
use LatePointApi\Fallback\Rate_Windows;
use LatePointApi\Tests\Support\Fork;
use LatePointApi\Tests\Support\Impl;
use LatePointApi\Tests\Support\LpapiTestCase;

/**
 * docs/native-functions.md "The pure-PHP fallback": on APCu its rate counters
 * are exact across the processes that share the APCu segment, through a
 * per-bucket lock that is never taken from a live owner and is taken from a
 * dead one. Forked children share the APCu segment of the test process, as
 * the workers of one php-fpm pool do. The fallback's classes are called
 * directly, so these tests run whichever implementation the lpapi_*
 * functions come from.
 */
final class FallbackRateLockTest extends LpapiTestCase
{
    public static function setUpBeforeClass(): void
    {
        if (!defined('LPAPI_FALLBACK_STANDALONE')) {
            define('LPAPI_FALLBACK_STANDALONE', true);
        }
        $dir = Impl::repoRoot() . '/wp-plugin/latepoint-api-keys/includes/fallback';
        if (!class_exists(Fallback::class, false)) {
            require_once $dir . '/class-fallback.php';
        }
        if (!class_exists(Rate_Windows::class, false)) {
            require_once $dir . '/class-rate-windows.php';
        }
        if (!class_exists(Rate_Store::class, false)) {
            require_once $dir . '/class-rate-store.php';
        }
        if (!class_exists(Rate_Database::class, false)) {
            require_once $dir . '/class-rate-database.php';
        }
    }

    protected function setUp(): void
    {
        parent::setUp();
        if (!function_exists('pcntl_fork') || !function_exists('posix_kill')) {
            $this->fail('these tests need the pcntl and posix extensions');
        }
        if (Rate_Store::kind() !== 'apcu') {
            $this->fail('these tests need APCu: run PHP with -d apc.enable_cli=1');
        }
    }

    private static function lockKey(string $bucket): string
    {
        return Fallback::APCU_PREFIX . 'rate:' . hash('sha256', $bucket) . ':lock';
    }

    /** Waits until APCu holds `$key`, for at most `$seconds`. */
    private static function awaitKey(string $key, float $seconds = 10.0): bool
    {
        $deadline = microtime(true) + $seconds;
        while (apcu_fetch($key) === false) {
            if (microtime(true) > $deadline) {
                return false;
            }
            usleep(1000);
        }

        return true;
    }

    public function testALockHeldByALiveProcessIsNeverTakenOver(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket('lock-live');
            $entered = 'lpapi-phpunit:entered:' . bin2hex(random_bytes(8));
            $hold = 3.0; // far longer than the 20,000 spins after which the lock used to be broken
            // Child 0 admits one hit and holds the lock for $hold seconds; children 1-3 hit
            // the same bucket (limit 1) meanwhile.
            $reports = Fork::run(4, static function (int $i) use ($bucket, $entered, $hold): array {
                if ($i === 0) {
                    $released = 0.0;
                    Rate_Store::update($bucket, static function (array $stored) use ($entered, $hold, &$released): ?array {
                        apcu_store($entered, 1);
                        usleep((int) ($hold * 1e6));
                        $next = Rate_Windows::decide_two($stored, time(), 1, 1000, 1, true)[1];
                        $released = microtime(true);

                        return $next;
                    });

                    return ['released' => $released];
                }
                if (!self::awaitKey($entered)) {
                    throw new \RuntimeException('the holder never took the lock');
                }
                $asked = microtime(true);
                $hit = Fallback::rate_hit($bucket, 1, 1000);

                return ['asked' => $asked, 'answered' => microtime(true), 'allowed' => $hit['allowed']];
            }, 30.0);

            $released = $reports[0]['released'];
            foreach ([1, 2, 3] as $i) {
                $this->assertGreaterThanOrEqual($released, $reports[$i]['answered'], "waiter {$i} decided while the live holder held the lock");
                $this->assertGreaterThan(1.0, $released - $reports[$i]['asked'], "waiter {$i} asked while the lock was held");
                $this->assertFalse($reports[$i]['allowed'], "waiter {$i} was admitted beyond the limit");
            }
            $peek = Fallback::rate_peek($bucket, 1, 1000);
            $this->assertSame(0, $peek['minute']['remaining']);
            $this->assertSame(999, $peek['hour']['remaining'], 'exactly the holder\'s hit counted');
            $this->assertFalse(apcu_exists(self::lockKey($bucket)), 'the lock was released');
        });
    }

    /**
     * Forks a child that takes the lock of `$buckets` (one bucket, through
     * Rate_Store::update) or the locks of every bucket of it (a list, through
     * Rate_Store::update_many) in one decision and then sleeps (`$then` null)
     * or runs `$then` (which never returns).
     *
     * @param string|list<string> $buckets
     * @return int the child's pid, once it holds the lock(s)
     */
    private function childHolding(string|array $buckets, ?callable $then = null): int
    {
        $entered = 'lpapi-phpunit:entered:' . bin2hex(random_bytes(8));
        $pid = pcntl_fork();
        $this->assertNotSame(-1, $pid, 'pcntl_fork failed');
        if ($pid === 0) {
            try {
                $decide = static function () use ($entered, $then): ?array {
                    apcu_store($entered, 1);
                    if ($then !== null) {
                        $then();
                    }
                    sleep(60); // killed long before

                    return null;
                };
                if (is_string($buckets)) {
                    Rate_Store::update($buckets, $decide);
                } else {
                    Rate_Store::update_many($buckets, $decide);
                }
            } finally {
                posix_kill(posix_getpid(), SIGKILL);
                exit(70); // not reached
            }
        }
        if (!self::awaitKey($entered)) {
            posix_kill($pid, SIGKILL);
            pcntl_waitpid($pid, $status);
            $this->fail(is_string($buckets) ? 'the child never took the lock' : 'the child never took the locks');
        }

        return $pid;
    }

    /** Asserts that the lock of `$bucket` is an integer that names `$pid` as its owner. */
    private function assertLockOwnedBy(int $pid, string $bucket, string $isInt, string $namesPid): void
    {
        $owner = apcu_fetch(self::lockKey($bucket));
        $this->assertIsInt($owner, $isInt);
        $this->assertSame($pid, $owner & ((1 << 22) - 1), $namesPid);
    }

    /**
     * SIGKILLs the child `$pid` and reaps it (`$reap`) or lets it die unreaped, a
     * zombie as a worker is until its master waits for it; then runs `$then`, and
     * reaps the child afterwards if it was not reaped before.
     */
    private static function afterKilling(int $pid, bool $reap, callable $then): void
    {
        posix_kill($pid, SIGKILL);
        if ($reap) {
            pcntl_waitpid($pid, $status);
        } else {
            usleep(100000); // let it die
        }
        try {
            $then();
        } finally {
            if (!$reap) {
                pcntl_waitpid($pid, $status);
            }
        }
    }

    /** @param list<string> $buckets */
    private function assertUnlocked(array $buckets, string $message): void
    {
        foreach ($buckets as $bucket) {
            $this->assertFalse(apcu_exists(self::lockKey($bucket)), $message);
        }
    }

    /**
     * @param bool $reap whether the killed child is reaped before the hit (else it is
     *                   a zombie, as a worker is until its master waits for it)
     */
    private function assertTakenOverFromAKilledHolder(bool $reap): void
    {
        $this->inOneMinute(function () use ($reap): void {
            $bucket = self::freshBucket('lock-dead');
            Fallback::rate_hit($bucket, 5, 1000);
            $pid = $this->childHolding($bucket);
            $this->assertLockOwnedBy($pid, $bucket, 'the lock is an integer', 'the lock names its owner\'s pid');

            self::afterKilling($pid, $reap, function () use ($bucket): void {
                $first = self::notStuck(static fn () => Fallback::rate_hit($bucket, 5, 1000));
                $this->assertTrue($first['allowed']);
                $this->assertSame(3, $first['minute']['remaining'], 'the counts from before the holder died are kept');
                $this->assertUnlocked([$bucket], 'the lock was released after the takeover');
                // The bucket works as usual afterwards, from this process and from others.
                $children = Fork::run(2, static fn (): bool => Fallback::rate_hit($bucket, 5, 1000)['allowed']);
                $this->assertSame([true, true], $children);
                $this->assertTrue(Fallback::rate_hit($bucket, 5, 1000)['allowed']);
                $this->assertFalse(Fallback::rate_hit($bucket, 5, 1000)['allowed'], 'the sixth hit of a limit of 5');
                Fallback::rate_reset($bucket);
                $this->assertSame(4, Fallback::rate_hit($bucket, 5, 1000)['minute']['remaining']);
            });
        });
    }

    public function testALockLeftByAKilledProcessIsTakenOver(): void
    {
        $this->assertTakenOverFromAKilledHolder(true);
    }

    public function testALockLeftByAKilledProcessNotYetReapedIsTakenOver(): void
    {
        $this->assertTakenOverFromAKilledHolder(false);
    }

    public function testALockNamingAnotherProcessUnderThisPidIsTakenOver(): void
    {
        // A lock left by a process that had this process's pid before: same pid, another start time.
        $bucket = self::freshBucket('lock-reused-pid');
        $mine = getmypid();
        $stat = (string) file_get_contents('/proc/self/stat');
        $start = (int) explode(' ', substr($stat, strrpos($stat, ')') + 2))[19];
        $stale = (1 << 62) | ((($start + 12345) & ((1 << 40) - 1)) << 22) | $mine;
        $this->assertTrue(apcu_add(self::lockKey($bucket), $stale));
        $this->assertTrue(self::notStuck(static fn () => Fallback::rate_hit($bucket, 5, 1000))['allowed']);
        $this->assertFalse(apcu_exists(self::lockKey($bucket)));
    }

    public function testEightProcessesHammeringOneBucketAdmitExactlyTheLimit(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket('lock-hammer');
            $startAt = microtime(true) + 0.25;
            $admitted = Fork::run(8, static function () use ($bucket, $startAt): int {
                while (microtime(true) < $startAt) {
                    usleep(200);
                }
                $admitted = 0;
                for ($i = 0; $i < 200; $i++) {
                    $admitted += Fallback::rate_hit($bucket, 137, 100000)['allowed'] ? 1 : 0;
                }

                return $admitted;
            });
            $this->assertSame(137, array_sum($admitted), 'admitted per child: ' . implode(', ', $admitted));
            $peek = Fallback::rate_peek($bucket, 137, 100000);
            $this->assertSame(0, $peek['minute']['remaining']);
            $this->assertSame(100000 - 137, $peek['hour']['remaining'], 'denied hits did not count');
        });
    }

    /** @param bool $reap whether the killed child is reaped before the next decision */
    private function assertManyTakenOverFromAKilledHolder(bool $reap): void
    {
        $this->inOneMinute(function () use ($reap): void {
            $names = [self::freshBucket('many-dead'), self::freshBucket('many-dead'), self::freshBucket('many-dead')];
            $buckets = [
                ['bucket' => $names[0], 'per_minute' => 5],
                ['bucket' => $names[1], 'per_hour' => 5],
                ['bucket' => $names[2], 'per_day' => 5],
            ];
            $this->assertTrue(Fallback::rate_hit_many($buckets)['allowed']);
            $pid = $this->childHolding($names);
            foreach ($names as $name) {
                $this->assertLockOwnedBy($pid, $name, 'every bucket\'s lock is held', 'each lock names the child');
            }

            self::afterKilling($pid, $reap, function () use ($buckets, $names): void {
                // Another order of the same buckets: the locks are taken in one order whatever the input's.
                $next = self::notStuck(static fn () => Fallback::rate_hit_many(array_reverse($buckets)));
                $this->assertTrue($next['allowed']);
                $this->assertSame(3, $next['buckets'][2]['minute']['remaining'], 'the counts from before the holder died are kept');
                $this->assertSame(3, $next['buckets'][1]['hour']['remaining']);
                $this->assertSame(3, $next['buckets'][0]['day']['remaining']);
                $this->assertUnlocked($names, 'every lock was released after the takeover');
                $children = Fork::run(2, static fn (): bool => Fallback::rate_hit_many($buckets)['allowed']);
                $this->assertSame([true, true], $children);
                $this->assertTrue(Fallback::rate_hit($names[1], 100, 5)['allowed'], 'the fifth hit of the hour limit of 5');
                $this->assertFalse(Fallback::rate_hit_many($buckets)['allowed']);
            });
        });
    }

    public function testTheLocksOfAKilledMultiBucketDecisionAreTakenOver(): void
    {
        $this->assertManyTakenOverFromAKilledHolder(true);
    }

    public function testTheLocksOfAKilledMultiBucketDecisionNotYetReapedAreTakenOver(): void
    {
        $this->assertManyTakenOverFromAKilledHolder(false);
    }

    public function testEveryLockLeftHeldByAnExitIsReleasedAtShutdown(): void
    {
        $this->inOneMinute(function (): void {
            $names = [self::freshBucket('many-exit'), self::freshBucket('many-exit'), self::freshBucket('many-exit')];
            Fallback::rate_hit($names[0], 5, 1000);
            // exit() inside the decision skips the finally that releases the locks; the shutdown
            // functions still run, the last one (registered here, after the lock's) SIGKILLs the
            // child so that nothing of the test runner runs in it.
            $pid = $this->childHolding($names, static function (): void {
                register_shutdown_function(static function (): void {
                    posix_kill(posix_getpid(), SIGKILL);
                });
                exit(0);
            });
            pcntl_waitpid($pid, $status);
            $this->assertTrue(pcntl_wifsignaled($status) && pcntl_wtermsig($status) === SIGKILL, 'the child ran its shutdown functions');
            $this->assertUnlocked($names, 'the shutdown function released every lock');
            $peek = Fallback::rate_peek($names[0], 5, 1000);
            $this->assertSame(4, $peek['minute']['remaining'], 'the unfinished decision counted nothing');
        });
    }

    public function testProcessesHittingOverlappingBucketsInAnyOrderAdmitExactlyTheLimit(): void
    {
        $this->inOneMinute(function (): void {
            $shared = self::freshBucket('many-hammer');
            $others = [self::freshBucket('many-hammer'), self::freshBucket('many-hammer')];
            $startAt = microtime(true) + 0.25;
            // Each child hits the shared bucket (limit 97) with one or both of the others, in its own order.
            $admitted = Fork::run(8, static function (int $i) use ($shared, $others, $startAt): int {
                $buckets = [
                    ['bucket' => $shared, 'per_minute' => 97],
                    ['bucket' => $others[$i % 2], 'per_hour' => 100000],
                ];
                if ($i % 4 < 2) {
                    $buckets[] = ['bucket' => $others[($i + 1) % 2], 'per_day' => 100000];
                }
                if ($i % 3 === 0) {
                    $buckets = array_reverse($buckets);
                }
                while (microtime(true) < $startAt) {
                    usleep(200);
                }
                $admitted = 0;
                for ($n = 0; $n < 150; $n++) {
                    $admitted += Fallback::rate_hit_many($buckets)['allowed'] ? 1 : 0;
                }

                return $admitted;
            });
            $this->assertSame(97, array_sum($admitted), 'admitted per child: ' . implode(', ', $admitted));
            $this->assertSame(0, Fallback::rate_peek($shared, 97, 100000)['minute']['remaining']);
            // Each other bucket counted exactly the admitted hits it took part in.
            $expected = [0, 0];
            foreach ($admitted as $i => $count) {
                $expected[$i % 2] += $count;
                if ($i % 4 < 2) {
                    $expected[($i + 1) % 2] += $count;
                }
            }
            foreach ($others as $j => $name) {
                $this->assertSame(100000 - $expected[$j], Fallback::rate_peek($name, 100000, 100000)['hour']['remaining'], "bucket {$j}");
            }
        });
    }

    /**
     * Runs $hit, failing if it is still waiting after 30 s: a lock that is never taken over would
     * leave it waiting forever (a guard against a hang, not a measure of speed).
     */
    private static function notStuck(callable $hit): array
    {
        pcntl_async_signals(true);
        pcntl_signal(SIGALRM, static function (): void {
            throw new \RuntimeException('still waiting for the lock after 30 s: it was not taken over');
        });
        pcntl_alarm(30);
        try {
            return $hit();
        } finally {
            pcntl_alarm(0);
            pcntl_signal(SIGALRM, SIG_DFL);
        }
    }
}
