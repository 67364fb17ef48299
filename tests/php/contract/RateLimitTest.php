<?php
// No strict_types on purpose: the plugin calls these functions in PHP's
// default coercive typing mode, so that is the mode under test.

namespace LatePointApi\Tests\Contract;

use LatePointApi\Native\InvalidArgumentException;
use LatePointApi\Tests\Support\LpapiTestCase;

/**
 * docs/api.md: lpapi_rate_hit/peek/reset, within one process, for any
 * implementation. Every counting scenario runs inside one UTC minute (see
 * inOneMinute()), on buckets no other test uses.
 */
final class RateLimitTest extends LpapiTestCase
{
    private const DECISION_KEYS = ['allowed', 'limit', 'remaining', 'reset', 'retry_after', 'minute', 'hour'];
    private const WINDOW_KEYS = ['limit', 'remaining', 'reset'];
    private const U32_MAX = 4294967295;

    /**
     * Asserts the shape of a hit/peek result and that its windows reset at
     * the next UTC minute and hour after `$now`.
     *
     * @param array<mixed> $decision
     */
    private function assertDecisionShape(array $decision, int $now): void
    {
        $this->assertKeysInOrder(self::DECISION_KEYS, $decision);
        $this->assertIsBool($decision['allowed']);
        foreach (['limit', 'remaining', 'reset', 'retry_after'] as $name) {
            $this->assertIsInt($decision[$name], $name);
        }
        foreach (['minute', 'hour'] as $window) {
            $this->assertIsArray($decision[$window], $window);
            $this->assertKeysInOrder(self::WINDOW_KEYS, $decision[$window], $window);
            foreach (self::WINDOW_KEYS as $name) {
                $this->assertIsInt($decision[$window][$name], "{$window}.{$name}");
            }
            $this->assertGreaterThanOrEqual(0, $decision[$window]['remaining']);
            $this->assertLessThanOrEqual($decision[$window]['limit'], $decision[$window]['remaining']);
        }
        $this->assertSame(self::nextMinute($now), $decision['minute']['reset'], 'minute.reset is the next UTC minute');
        $this->assertSame(self::nextHour($now), $decision['hour']['reset'], 'hour.reset is the next UTC hour');
    }

    /**
     * @param array<mixed> $decision
     * @param 'minute'|'hour' $window
     */
    private function assertTighterIs(string $window, array $decision): void
    {
        $this->assertSame(
            $decision[$window],
            ['limit' => $decision['limit'], 'remaining' => $decision['remaining'], 'reset' => $decision['reset']],
            "the top-level limit/remaining/reset describe the {$window} window"
        );
    }

    /**
     * A denied decision: retry_after is the wait until `$reset` (at least 1 s),
     * measured against the clock before and after the call.
     *
     * @param array<mixed> $decision
     */
    private function assertDeniedUntil(int $reset, array $decision, int $before, int $after): void
    {
        $this->assertFalse($decision['allowed']);
        $this->assertSame($reset, $decision['reset']);
        $this->assertGreaterThanOrEqual(max(1, $reset - $after), $decision['retry_after']);
        $this->assertLessThanOrEqual(max(1, $reset - $before), $decision['retry_after']);
    }

    public function testAFirstHitCountsOnceAgainstBothWindows(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            $now = time();
            $hit = lpapi_rate_hit($bucket, 5, 100);

            $this->assertDecisionShape($hit, $now);
            $this->assertTrue($hit['allowed']);
            $this->assertSame(0, $hit['retry_after']);
            $this->assertSame(['limit' => 5, 'remaining' => 4, 'reset' => self::nextMinute($now)], $hit['minute']);
            $this->assertSame(['limit' => 100, 'remaining' => 99, 'reset' => self::nextHour($now)], $hit['hour']);
            $this->assertTighterIs('minute', $hit);
        });
    }

    public function testTheTighterWindowIsTheOneWithFewestRemainingAndTheHourOnATie(): void
    {
        $this->inOneMinute(function (): void {
            $hourTighter = lpapi_rate_hit(self::freshBucket(), 100, 5);
            $this->assertSame(99, $hourTighter['minute']['remaining']);
            $this->assertSame(4, $hourTighter['hour']['remaining']);
            $this->assertTighterIs('hour', $hourTighter);

            $tie = lpapi_rate_hit(self::freshBucket(), 7, 7);
            $this->assertSame(6, $tie['minute']['remaining']);
            $this->assertSame(6, $tie['hour']['remaining']);
            $this->assertTighterIs('hour', $tie);

            // Fewest remaining, not the smaller limit: 10/min with 3 used
            // leaves 7, 8/hour with 3 used leaves 5.
            $bucket = self::freshBucket();
            lpapi_rate_hit($bucket, 10, 8, 2);
            $mixed = lpapi_rate_hit($bucket, 10, 8);
            $this->assertSame(7, $mixed['minute']['remaining']);
            $this->assertSame(5, $mixed['hour']['remaining']);
            $this->assertTighterIs('hour', $mixed);
            $minuteTighter = lpapi_rate_hit($bucket, 4, 8);
            $this->assertSame(0, $minuteTighter['minute']['remaining']);
            $this->assertTighterIs('minute', $minuteTighter);
        });
    }

    public function testTheMinuteLimitDeniesAndDeniedHitsDoNotCount(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            foreach ([2, 1, 0] as $remaining) {
                $hit = lpapi_rate_hit($bucket, 3, 10);
                $this->assertTrue($hit['allowed']);
                $this->assertSame($remaining, $hit['remaining']);
                $this->assertSame(0, $hit['retry_after']);
            }
            for ($i = 0; $i < 5; $i++) {
                $before = time();
                $denied = lpapi_rate_hit($bucket, 3, 10);
                $after = time();
                $this->assertDecisionShape($denied, $before);
                $this->assertDeniedUntil(self::nextMinute($before), $denied, $before, $after);
                $this->assertTighterIs('minute', $denied);
                $this->assertSame(0, $denied['minute']['remaining']);
                $this->assertSame(7, $denied['hour']['remaining'], 'a denied hit must not count against the hour');
            }
            // The counts are the limiter's, not the limits': with a higher
            // per-minute limit the same bucket has exactly 3 used.
            $this->assertSame(1, lpapi_rate_hit($bucket, 5, 10)['minute']['remaining']);
        });
    }

    public function testTheHourLimitDeniesUntilTheNextHour(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            for ($i = 0; $i < 3; $i++) {
                $this->assertTrue(lpapi_rate_hit($bucket, 10, 3)['allowed']);
            }
            $before = time();
            $denied = lpapi_rate_hit($bucket, 10, 3);
            $after = time();
            $this->assertDecisionShape($denied, $before);
            $this->assertDeniedUntil(self::nextHour($before), $denied, $before, $after);
            $this->assertTighterIs('hour', $denied);
            $this->assertSame(7, $denied['minute']['remaining'], 'a denied hit must not count against the minute');
            $this->assertSame(0, $denied['hour']['remaining']);
        });
    }

    public function testWhenBothWindowsRefuseTheOneThatResetsLastIsReported(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            lpapi_rate_hit($bucket, 2, 2);
            lpapi_rate_hit($bucket, 2, 2);
            $before = time();
            $denied = lpapi_rate_hit($bucket, 2, 2);
            $after = time();
            $this->assertDeniedUntil(self::nextHour($before), $denied, $before, $after);
            $this->assertTighterIs('hour', $denied);
            $this->assertSame(0, $denied['minute']['remaining']);
        });
    }

    public function testCostCountsSeveralUnitsAndADeniedCostCountsNothing(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            $hit = lpapi_rate_hit($bucket, 10, 100, 4);
            $this->assertTrue($hit['allowed']);
            $this->assertSame(6, $hit['minute']['remaining']);
            $this->assertSame(96, $hit['hour']['remaining']);

            $tooMuch = lpapi_rate_hit($bucket, 10, 100, 7);
            $this->assertFalse($tooMuch['allowed']);
            $this->assertSame(6, $tooMuch['minute']['remaining']);
            $this->assertSame(96, $tooMuch['hour']['remaining']);
            $this->assertGreaterThanOrEqual(1, $tooMuch['retry_after']);

            $exact = lpapi_rate_hit($bucket, 10, 100, 6);
            $this->assertTrue($exact['allowed']);
            $this->assertSame(0, $exact['minute']['remaining']);
            $this->assertSame(90, $exact['hour']['remaining']);

            $this->assertFalse(lpapi_rate_hit($bucket, 10, 100)['allowed']);
            // The default cost is 1.
            $this->assertSame(9, lpapi_rate_hit(self::freshBucket(), 10, 100)['minute']['remaining']);
        });
    }

    public function testACostAboveTheLimitIsDeniedAndCountsNothing(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            $denied = lpapi_rate_hit($bucket, 5, 100, 6);
            $this->assertFalse($denied['allowed']);
            $this->assertSame(5, $denied['minute']['remaining']);
            $this->assertSame(100, $denied['hour']['remaining']);
            $this->assertTrue(lpapi_rate_hit($bucket, 5, 100, 5)['allowed']);
        });
    }

    public function testTheLargestLimitsAndCostAreAccepted(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            $first = lpapi_rate_hit($bucket, self::U32_MAX, self::U32_MAX);
            $this->assertSame(self::U32_MAX - 1, $first['minute']['remaining']);
            $this->assertSame(self::U32_MAX, $first['hour']['limit']);

            $all = lpapi_rate_hit(self::freshBucket(), self::U32_MAX, self::U32_MAX, self::U32_MAX);
            $this->assertTrue($all['allowed']);
            $this->assertSame(0, $all['minute']['remaining']);
            $this->assertSame(0, $all['hour']['remaining']);

            $more = lpapi_rate_hit($bucket, self::U32_MAX, self::U32_MAX, self::U32_MAX);
            $this->assertFalse($more['allowed'], 'one unit used plus the largest cost must not wrap around');
            $this->assertSame(self::U32_MAX - 1, $more['minute']['remaining']);
        });
    }

    public function testPeekCountsNothing(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            $now = time();
            $fresh = lpapi_rate_peek($bucket, 3, 50);
            $this->assertDecisionShape($fresh, $now);
            $this->assertTrue($fresh['allowed']);
            $this->assertSame(0, $fresh['retry_after']);
            $this->assertSame(3, $fresh['minute']['remaining']);
            $this->assertSame(50, $fresh['hour']['remaining']);
            $this->assertTighterIs('minute', $fresh);

            lpapi_rate_hit($bucket, 3, 50);
            lpapi_rate_hit($bucket, 3, 50);
            for ($i = 0; $i < 5; $i++) {
                $peek = lpapi_rate_peek($bucket, 3, 50);
                $this->assertTrue($peek['allowed']);
                $this->assertSame(1, $peek['minute']['remaining']);
                $this->assertSame(48, $peek['hour']['remaining']);
            }
            // Peek reports the stored counts against whatever limits it is given.
            $this->assertSame(8, lpapi_rate_peek($bucket, 10, 50)['minute']['remaining']);

            $last = lpapi_rate_hit($bucket, 3, 50);
            $this->assertTrue($last['allowed'], 'peeks must not have used up the last unit');
            $this->assertSame(0, $last['remaining']);

            $before = time();
            $full = lpapi_rate_peek($bucket, 3, 50);
            $after = time();
            $this->assertDecisionShape($full, $before);
            $this->assertDeniedUntil(self::nextMinute($before), $full, $before, $after);
            $this->assertSame(47, $full['hour']['remaining']);
        });
    }

    public function testResetForgetsBothWindowsOfThatBucketOnly(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            $other = self::freshBucket();
            lpapi_rate_hit($bucket, 2, 2);
            lpapi_rate_hit($bucket, 2, 2);
            lpapi_rate_hit($other, 2, 2);
            $this->assertFalse(lpapi_rate_hit($bucket, 2, 2)['allowed']);

            $this->assertNull(lpapi_rate_reset($bucket));

            $peek = lpapi_rate_peek($bucket, 2, 2);
            $this->assertTrue($peek['allowed']);
            $this->assertSame(2, $peek['minute']['remaining']);
            $this->assertSame(2, $peek['hour']['remaining']);
            $this->assertSame(1, lpapi_rate_hit($bucket, 2, 2)['hour']['remaining']);
            $this->assertSame(1, lpapi_rate_peek($other, 2, 2)['hour']['remaining'], 'reset must not touch other buckets');

            lpapi_rate_reset(self::freshBucket()); // an unknown bucket: nothing to forget, no error
            lpapi_rate_reset($bucket);
            lpapi_rate_reset($bucket);
            $this->assertSame(2, lpapi_rate_peek($bucket, 2, 2)['remaining']);
        });
    }

    public function testDistinctBucketNamesNeverShareACounter(): void
    {
        $this->inOneMinute(function (): void {
            $base = self::freshBucket();
            $long = str_repeat('x', 4095 - strlen($base)) . $base;
            $names = [
                $base,
                strtoupper($base),
                $base . ' ',
                ' ' . $base,
                $base . "\0",
                $base . "\0a",
                $base . "\0b",
                $base . 'a',
                substr($base, 0, -1),
                "\xff\xfe" . $base,
                $base . "\xc3",
                $long . 'a',
                $long . 'b',
                'a' . $long,
                "\0",
                "\0\0",
            ];
            $this->assertSame(count($names), count(array_unique($names)));
            $this->assertSame(4096, strlen($long . 'a'));
            foreach ($names as $i => $name) {
                if (strlen($name) < 3) {
                    lpapi_rate_reset($name); // short names may exist from an earlier run
                }
                $this->assertTrue(lpapi_rate_hit($name, 1, 1000)['allowed'], "bucket #{$i} was already used");
            }
            foreach ($names as $i => $name) {
                $again = lpapi_rate_hit($name, 1, 1000);
                $this->assertFalse($again['allowed'], "bucket #{$i} lost its count");
                $this->assertSame(999, $again['hour']['remaining'], "bucket #{$i} shares a counter");
            }
            foreach ($names as $name) {
                if (strlen($name) < 3) {
                    lpapi_rate_reset($name);
                }
            }
        });
    }

    /** @return array<string, array{int|string, callable(int): mixed}> */
    public function outOfRangeNumbers(): array
    {
        $cases = [];
        foreach ([0, -1, -4294967295, PHP_INT_MIN, self::U32_MAX + 1, PHP_INT_MAX] as $bad) {
            $cases["hit per_minute {$bad}"] = [$bad, fn (string $b) => lpapi_rate_hit($b, $bad, 10)];
            $cases["hit per_hour {$bad}"] = [$bad, fn (string $b) => lpapi_rate_hit($b, 10, $bad)];
            $cases["hit cost {$bad}"] = [$bad, fn (string $b) => lpapi_rate_hit($b, 10, 10, $bad)];
            $cases["peek per_minute {$bad}"] = [$bad, fn (string $b) => lpapi_rate_peek($b, $bad, 10)];
            $cases["peek per_hour {$bad}"] = [$bad, fn (string $b) => lpapi_rate_peek($b, 10, $bad)];
        }

        return $cases;
    }

    /**
     * @dataProvider outOfRangeNumbers
     * @param callable(string): mixed $call
     */
    public function testLimitsAndCostOutOfRangeThrowAndCountNothing(int $bad, callable $call): void
    {
        $this->inOneMinute(function () use ($call): void {
            $bucket = self::freshBucket();
            lpapi_rate_hit($bucket, 10, 10);
            $this->assertThrowsLpapi(InvalidArgumentException::class, fn () => $call($bucket));
            $this->assertSame(9, lpapi_rate_peek($bucket, 10, 10)['hour']['remaining'], 'a rejected call must count nothing');
        });
    }

    /** @return array<string, array{callable(): mixed}> */
    public function badBuckets(): array
    {
        $long = str_repeat('b', 4097);

        return [
            'hit, empty' => [fn () => lpapi_rate_hit('', 10, 10)],
            'hit, 4097 bytes' => [fn () => lpapi_rate_hit($long, 10, 10)],
            'hit, 1 MiB' => [fn () => lpapi_rate_hit(str_repeat('b', 1 << 20), 10, 10)],
            'peek, empty' => [fn () => lpapi_rate_peek('', 10, 10)],
            'peek, 4097 bytes' => [fn () => lpapi_rate_peek($long, 10, 10)],
            'reset, empty' => [fn () => lpapi_rate_reset('')],
            'reset, 4097 bytes' => [fn () => lpapi_rate_reset($long)],
        ];
    }

    /** @dataProvider badBuckets */
    public function testEmptyOrOverlongBucketsThrow(callable $call): void
    {
        $this->assertThrowsLpapi(InvalidArgumentException::class, $call);
    }

    public function testBucketsOfOneAndOf4096BytesAreAccepted(): void
    {
        $this->inOneMinute(function (): void {
            $long = substr(self::freshBucket() . str_repeat('L', 4096), 0, 4096);
            $this->assertSame(4095, lpapi_rate_hit($long, 10, 4096)['hour']['remaining']);
            $this->assertSame(4095, lpapi_rate_peek($long, 10, 4096)['hour']['remaining']);
            $this->assertNull(lpapi_rate_reset($long));
            $this->assertSame(4096, lpapi_rate_peek($long, 10, 4096)['hour']['remaining']);

            $short = chr(random_int(1, 255));
            lpapi_rate_reset($short);
            $this->assertSame(9, lpapi_rate_hit($short, 10, 10)['minute']['remaining']);
            lpapi_rate_reset($short);
        });
    }

    /** @return array<string, array{callable(): mixed}> */
    public function wrongTypes(): array
    {
        return [
            'hit, array bucket' => [fn () => lpapi_rate_hit([], 10, 10)],
            'hit, null bucket' => [fn () => lpapi_rate_hit(null, 10, 10)],
            'hit, object bucket' => [fn () => lpapi_rate_hit(new \stdClass(), 10, 10)],
            'hit, array per_minute' => [fn () => lpapi_rate_hit('b', [10], 10)],
            'hit, null per_minute' => [fn () => lpapi_rate_hit('b', null, 10)],
            'hit, non-numeric per_hour' => [fn () => lpapi_rate_hit('b', 10, 'ten')],
            'hit, object per_hour' => [fn () => lpapi_rate_hit('b', 10, new \stdClass())],
            'hit, array cost' => [fn () => lpapi_rate_hit('b', 10, 10, [])],
            'hit, non-numeric cost' => [fn () => lpapi_rate_hit('b', 10, 10, 'one')],
            'hit, too few arguments' => [fn () => lpapi_rate_hit('b', 10)],
            'peek, array bucket' => [fn () => lpapi_rate_peek([], 10, 10)],
            'peek, non-numeric per_minute' => [fn () => lpapi_rate_peek('b', 'x', 10)],
            'peek, too few arguments' => [fn () => lpapi_rate_peek('b', 10)],
            'reset, array bucket' => [fn () => lpapi_rate_reset([])],
            'reset, null bucket' => [fn () => lpapi_rate_reset(null)],
            'reset, no argument' => [fn () => lpapi_rate_reset()],
        ];
    }

    /** @dataProvider wrongTypes */
    public function testWrongArgumentTypesAreTypeErrors(callable $call): void
    {
        $this->assertThrowsLpapi(\TypeError::class, $call);
    }

    /**
     * In PHP's default (coercive) typing mode an `int` parameter accepts a
     * numeric string and an integral float, as every PHP function does. The
     * plugin reads limits from WordPress options, which are strings.
     */
    public function testNumericStringsAreAcceptedAsLimitsInCoerciveMode(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            $hit = lpapi_rate_hit($bucket, '5', '100', '2');
            $this->assertSame(['limit' => 5, 'remaining' => 3], array_slice($hit['minute'], 0, 2));
            $this->assertSame(['limit' => 100, 'remaining' => 98], array_slice($hit['hour'], 0, 2));
            $this->assertSame(3, lpapi_rate_peek($bucket, 5.0, 100.0)['minute']['remaining']);
            $number = random_int(1000000000, PHP_INT_MAX);
            lpapi_rate_hit($number, 5, 5); // an int bucket name is coerced to its decimal string
            $this->assertSame(4, lpapi_rate_peek((string) $number, 5, 5)['minute']['remaining']);
            lpapi_rate_reset($number);
        });
    }
}
