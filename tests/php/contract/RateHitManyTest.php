<?php
// No strict_types on purpose: the plugin calls these functions in PHP's
// default coercive typing mode, so that is the mode under test.

namespace LatePointApi\Tests\Contract;

use LatePointApi\Native\InvalidArgumentException;
use LatePointApi\Tests\Support\LpapiTestCase;

/**
 * php-stubs/lpapi.php: lpapi_rate_hit_many, within one process, for any
 * implementation: one decision over several buckets, each with a UTC minute,
 * hour and day window, sharing each bucket's counters with lpapi_rate_hit and
 * lpapi_rate_peek. Every counting scenario runs inside one UTC minute (see
 * inOneMinute()), on buckets no other test uses.
 */
final class RateHitManyTest extends LpapiTestCase
{
    private const DECISION_KEYS = ['allowed', 'limit', 'remaining', 'reset', 'retry_after', 'bucket', 'window', 'buckets', 'scope', 'scope_changed', 'cache_flushed'];
    private const WINDOWS = ['minute', 'hour', 'day'];
    private const STATUS_KEYS = ['limit', 'remaining', 'reset'];
    private const U32_MAX = 4294967295;

    /** The start of the UTC day after the epoch second `$now`. */
    private static function nextDay(int $now): int
    {
        return (intdiv($now, 86400) + 1) * 86400;
    }

    /**
     * Asserts the shape of a decision over `$buckets` (as given to the
     * function): the keys in order and their types, one entry per bucket, a
     * status exactly where a limit was set (with that limit), and resets at
     * the next UTC minute, hour and day after `$now`.
     *
     * @param array<mixed> $decision
     * @param list<array<string, mixed>> $buckets
     */
    private function assertShape(array $decision, array $buckets, int $now): void
    {
        $this->assertKeysInOrder(self::DECISION_KEYS, $decision);
        $this->assertIsBool($decision['allowed']);
        // No Redis is configured in this process: this host decides, and nothing switches or flushes.
        $this->assertSame(['server', false, false], [$decision['scope'], $decision['scope_changed'], $decision['cache_flushed']]);
        foreach (['limit', 'remaining', 'reset', 'retry_after', 'bucket'] as $name) {
            $this->assertIsInt($decision[$name], $name);
        }
        $this->assertContains($decision['window'], self::WINDOWS);
        $this->assertIsArray($decision['buckets']);
        $this->assertSame(range(0, count($buckets) - 1), array_keys($decision['buckets']), 'one status entry per bucket, as a list');
        $resets = ['minute' => self::nextMinute($now), 'hour' => self::nextHour($now), 'day' => self::nextDay($now)];
        foreach ($buckets as $i => $bucket) {
            $entry = $decision['buckets'][$i];
            $this->assertKeysInOrder(self::WINDOWS, $entry, "buckets[{$i}]");
            foreach (self::WINDOWS as $window) {
                $limit = $bucket['per_' . $window] ?? null;
                if ($limit === null) {
                    $this->assertNull($entry[$window], "buckets[{$i}][{$window}] has no limit");
                    continue;
                }
                $status = $entry[$window];
                $this->assertIsArray($status, "buckets[{$i}][{$window}]");
                $this->assertKeysInOrder(self::STATUS_KEYS, $status, "buckets[{$i}][{$window}]");
                foreach (self::STATUS_KEYS as $name) {
                    $this->assertIsInt($status[$name], "buckets[{$i}][{$window}][{$name}]");
                }
                $this->assertSame($limit, $status['limit'], "buckets[{$i}][{$window}][limit]");
                $this->assertGreaterThanOrEqual(0, $status['remaining']);
                $this->assertLessThanOrEqual($limit, $status['remaining']);
                $this->assertSame($resets[$window], $status['reset'], "buckets[{$i}][{$window}][reset]");
            }
        }
    }

    /**
     * Asserts that `bucket` and `window` name `$index`/`$window` and that the
     * top-level limit/remaining/reset describe that window.
     *
     * @param array<mixed> $decision
     */
    private function assertTightestIs(int $index, string $window, array $decision): void
    {
        $this->assertSame([$index, $window], [$decision['bucket'], $decision['window']], 'the tightest window');
        $this->assertIsArray($decision['buckets'][$index][$window]);
        $this->assertSame(
            $decision['buckets'][$index][$window],
            ['limit' => $decision['limit'], 'remaining' => $decision['remaining'], 'reset' => $decision['reset']],
            "the top-level limit/remaining/reset describe buckets[{$index}][{$window}]"
        );
    }

    /**
     * A refused decision: retry_after is the wait until `$reset` (at least
     * 1 s), measured against the clock before and after the call.
     *
     * @param array<mixed> $decision
     */
    private function assertRefusedUntil(int $reset, array $decision, int $before, int $after): void
    {
        $this->assertFalse($decision['allowed']);
        $this->assertSame($reset, $decision['reset']);
        $this->assertGreaterThanOrEqual(max(1, $reset - $after), $decision['retry_after']);
        $this->assertLessThanOrEqual(max(1, $reset - $before), $decision['retry_after']);
    }

    /**
     * The remaining units of each window of one bucket's status entry, null where unlimited.
     *
     * @param array<mixed> $decision
     * @return array{0: ?int, 1: ?int, 2: ?int}
     */
    private static function remaining(array $decision, int $index): array
    {
        $entry = $decision['buckets'][$index];

        return [$entry['minute']['remaining'] ?? null, $entry['hour']['remaining'] ?? null, $entry['day']['remaining'] ?? null];
    }

    public function testOneBucketWithAllThreeWindows(): void
    {
        $this->inOneMinute(function (): void {
            $buckets = [['bucket' => self::freshBucket(), 'per_minute' => 5, 'per_hour' => 100, 'per_day' => 1000]];
            $now = time();
            $hit = lpapi_rate_hit_many($buckets);

            $this->assertShape($hit, $buckets, $now);
            $this->assertTrue($hit['allowed']);
            $this->assertSame(0, $hit['retry_after']);
            $this->assertSame([
                'minute' => ['limit' => 5, 'remaining' => 4, 'reset' => self::nextMinute($now)],
                'hour' => ['limit' => 100, 'remaining' => 99, 'reset' => self::nextHour($now)],
                'day' => ['limit' => 1000, 'remaining' => 999, 'reset' => self::nextDay($now)],
            ], $hit['buckets'][0]);
            $this->assertTightestIs(0, 'minute', $hit);

            $again = lpapi_rate_hit_many($buckets);
            $this->assertTrue($again['allowed']);
            $this->assertSame([3, 98, 998], self::remaining($again, 0));
        });
    }

    public function testTheDayWindowResetsAtTheNextUtcMidnight(): void
    {
        $this->inOneMinute(function (): void {
            $before = time();
            $hit = lpapi_rate_hit_many([['bucket' => self::freshBucket(), 'per_day' => 10]]);
            $after = time();
            $reset = $hit['buckets'][0]['day']['reset'];
            $this->assertSame(0, $reset % 86400, 'the day window ends at a UTC midnight');
            $this->assertGreaterThan($after, $reset);
            $this->assertLessThanOrEqual($before + 86400, $reset, 'the next midnight, not a later one');
            $this->assertSame(gmdate('Y-m-d', $before + 86400) . ' 00:00:00', gmdate('Y-m-d H:i:s', $reset));
            $this->assertTightestIs(0, 'day', $hit);
            $this->assertSame($reset, $hit['reset']);
        });
    }

    public function testTheDayLimitRefusesUntilTheNextUtcMidnight(): void
    {
        $this->inOneMinute(function (): void {
            $buckets = [['bucket' => self::freshBucket(), 'per_minute' => 100, 'per_day' => 2]];
            $this->assertTrue(lpapi_rate_hit_many($buckets)['allowed']);
            $this->assertTrue(lpapi_rate_hit_many($buckets)['allowed']);
            for ($i = 0; $i < 3; $i++) {
                $before = time();
                $refused = lpapi_rate_hit_many($buckets);
                $after = time();
                $this->assertShape($refused, $buckets, $before);
                $this->assertRefusedUntil(self::nextDay($before), $refused, $before, $after);
                $this->assertTightestIs(0, 'day', $refused);
                $this->assertSame([98, null, 0], self::remaining($refused, 0), 'a refused hit counts nothing');
            }
            $this->assertSame(98, lpapi_rate_peek($buckets[0]['bucket'], 100, 100)['minute']['remaining']);
        });
    }

    public function testASecondBucketRefusingCountsNothingInTheFirst(): void
    {
        $this->inOneMinute(function (): void {
            $key = self::freshBucket('key');
            $agent = self::freshBucket('agent');
            $buckets = [['bucket' => $key, 'per_minute' => 10], ['bucket' => $agent, 'per_minute' => 1, 'per_day' => 50]];
            $first = lpapi_rate_hit_many($buckets);
            $this->assertTrue($first['allowed']);
            $this->assertSame([9, null, null], self::remaining($first, 0));
            $this->assertSame([0, null, 49], self::remaining($first, 1));

            for ($i = 0; $i < 3; $i++) {
                $before = time();
                $refused = lpapi_rate_hit_many($buckets);
                $after = time();
                $this->assertShape($refused, $buckets, $before);
                $this->assertRefusedUntil(self::nextMinute($before), $refused, $before, $after);
                $this->assertTightestIs(1, 'minute', $refused);
                $this->assertSame([9, null, null], self::remaining($refused, 0), 'the statuses show the current counts');
                $this->assertSame([0, null, 49], self::remaining($refused, 1));
            }
            // The first bucket counted only the admitted hit, in each window (the hour and day unlimited there).
            $peek = lpapi_rate_peek($key, 10, 100);
            $this->assertSame(9, $peek['minute']['remaining']);
            $this->assertSame(99, $peek['hour']['remaining']);
            $this->assertSame([8, null, 98], self::remaining(lpapi_rate_hit_many([['bucket' => $key, 'per_minute' => 10, 'per_day' => 100]]), 0));

            // The same with the refusing bucket first: its index is reported.
            $swapped = lpapi_rate_hit_many([$buckets[1], ['bucket' => $key, 'per_minute' => 10]]);
            $this->assertFalse($swapped['allowed']);
            $this->assertTightestIs(0, 'minute', $swapped);
            $this->assertSame(7, lpapi_rate_hit_many([['bucket' => $key, 'per_minute' => 10]])['buckets'][0]['minute']['remaining']);
        });
    }

    public function testWhenAdmittedTheTightestIsTheFewestRemainingThenTheLongerWindowThenTheFirstBucket(): void
    {
        $this->inOneMinute(function (): void {
            // Fewest remaining across buckets and windows, not the smallest limit.
            $a = self::freshBucket();
            lpapi_rate_hit_many([['bucket' => $a, 'per_minute' => 10]], 6);
            $fewest = lpapi_rate_hit_many([['bucket' => $a, 'per_minute' => 10, 'per_day' => 6000], ['bucket' => self::freshBucket(), 'per_hour' => 5]]);
            $this->assertSame([3, null, 5993], self::remaining($fewest, 0));
            $this->assertSame([null, 4, null], self::remaining($fewest, 1));
            $this->assertTightestIs(0, 'minute', $fewest);
            $hour = lpapi_rate_hit_many([['bucket' => self::freshBucket(), 'per_minute' => 10], ['bucket' => self::freshBucket(), 'per_hour' => 5]]);
            $this->assertTightestIs(1, 'hour', $hour);

            // A tie within a bucket: the longest window.
            $all = lpapi_rate_hit_many([['bucket' => self::freshBucket(), 'per_minute' => 7, 'per_hour' => 7, 'per_day' => 7]]);
            $this->assertSame([6, 6, 6], self::remaining($all, 0));
            $this->assertTightestIs(0, 'day', $all);
            $minuteHour = lpapi_rate_hit_many([['bucket' => self::freshBucket(), 'per_minute' => 7, 'per_hour' => 7, 'per_day' => 8]]);
            $this->assertTightestIs(0, 'hour', $minuteHour);

            // A tie of the same window across buckets: the first bucket.
            $same = lpapi_rate_hit_many([
                ['bucket' => self::freshBucket(), 'per_minute' => 9, 'per_hour' => 5],
                ['bucket' => self::freshBucket(), 'per_hour' => 5],
            ]);
            $this->assertTightestIs(0, 'hour', $same);

            // A tie across buckets of different windows: the longer window before the first bucket.
            $later = lpapi_rate_hit_many([['bucket' => self::freshBucket(), 'per_hour' => 5], ['bucket' => self::freshBucket(), 'per_day' => 5]]);
            $this->assertTightestIs(1, 'day', $later);
            $earlier = lpapi_rate_hit_many([['bucket' => self::freshBucket(), 'per_day' => 5], ['bucket' => self::freshBucket(), 'per_minute' => 5]]);
            $this->assertTightestIs(0, 'day', $earlier);
        });
    }

    public function testWhenRefusedTheRefusingWindowThatResetsLastIsReported(): void
    {
        $this->inOneMinute(function (): void {
            // Every window of one bucket refuses: the day resets last.
            $one = [['bucket' => self::freshBucket(), 'per_minute' => 1, 'per_hour' => 1, 'per_day' => 1]];
            lpapi_rate_hit_many($one);
            $before = time();
            $refused = lpapi_rate_hit_many($one);
            $after = time();
            $this->assertRefusedUntil(self::nextDay($before), $refused, $before, $after);
            $this->assertTightestIs(0, 'day', $refused);
            $this->assertSame([0, 0, 0], self::remaining($refused, 0));

            // Refusing windows in two buckets: the later reset, whichever bucket holds it.
            $minuteFull = ['bucket' => self::freshBucket(), 'per_minute' => 1];
            $hourFull = ['bucket' => self::freshBucket(), 'per_hour' => 1];
            lpapi_rate_hit_many([$minuteFull]);
            lpapi_rate_hit_many([$hourFull]);
            $before = time();
            $both = lpapi_rate_hit_many([$hourFull, $minuteFull]);
            $after = time();
            $this->assertRefusedUntil(self::nextHour($before), $both, $before, $after);
            $this->assertTightestIs(0, 'hour', $both);
            $this->assertTightestIs(1, 'hour', lpapi_rate_hit_many([$minuteFull, $hourFull]));

            // A window that has room is never the reported one, even when it resets later
            // or has fewer remaining.
            $roomy = ['bucket' => self::freshBucket(), 'per_minute' => 1000, 'per_hour' => 1000, 'per_day' => 1000];
            $before = time();
            $onlyMinute = lpapi_rate_hit_many([$roomy, $minuteFull]);
            $after = time();
            $this->assertRefusedUntil(self::nextMinute($before), $onlyMinute, $before, $after);
            $this->assertTightestIs(1, 'minute', $onlyMinute);
            $this->assertSame([1000, 1000, 1000], self::remaining($onlyMinute, 0), 'nothing counted in the bucket with room');
            $tight = ['bucket' => self::freshBucket(), 'per_minute' => 3, 'per_day' => 2];
            lpapi_rate_hit_many([$tight]);
            $refusedByCost = lpapi_rate_hit_many([$tight], 2);
            $this->assertSame([2, null, 1], self::remaining($refusedByCost, 0));
            $this->assertTightestIs(0, 'day', $refusedByCost);
            $minuteRefuses = lpapi_rate_hit_many([['bucket' => $tight['bucket'], 'per_minute' => 2, 'per_day' => 1000]], 2);
            $this->assertTightestIs(0, 'minute', $minuteRefuses);
            $this->assertSame([1, null, 999], self::remaining($minuteRefuses, 0));

            // The same refusing window in two buckets: the first.
            $otherMinuteFull = ['bucket' => self::freshBucket(), 'per_minute' => 1];
            lpapi_rate_hit_many([$otherMinuteFull]);
            $this->assertTightestIs(0, 'minute', lpapi_rate_hit_many([$otherMinuteFull, $minuteFull]));
            $this->assertTightestIs(0, 'minute', lpapi_rate_hit_many([$minuteFull, $otherMinuteFull]));
        });
    }

    public function testUnlimitedWindowsAreReportedAsNullAndStillCounted(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            $now = time();
            $absent = [['bucket' => $bucket, 'per_day' => 100]];
            $hit = lpapi_rate_hit_many($absent, 3);
            $this->assertShape($hit, $absent, $now);
            $this->assertSame(['minute' => null, 'hour' => null, 'day' => ['limit' => 100, 'remaining' => 97, 'reset' => self::nextDay($now)]], $hit['buckets'][0]);

            $nulls = [['bucket' => $bucket, 'per_minute' => null, 'per_hour' => null, 'per_day' => 100]];
            $again = lpapi_rate_hit_many($nulls, 2);
            $this->assertShape($again, $nulls, $now);
            $this->assertSame([null, null, 95], self::remaining($again, 0));

            // The minute and hour counted both hits though neither had a limit.
            $peek = lpapi_rate_peek($bucket, 50, 60);
            $this->assertSame(45, $peek['minute']['remaining']);
            $this->assertSame(55, $peek['hour']['remaining']);
            $this->assertSame([44, 54, 94], self::remaining(lpapi_rate_hit_many([['bucket' => $bucket, 'per_minute' => 50, 'per_hour' => 60, 'per_day' => 100]]), 0));

            // An unlimited window never refuses: only the limited one decides.
            $minuteOnly = ['bucket' => self::freshBucket(), 'per_minute' => 2];
            $this->assertTrue(lpapi_rate_hit_many([$minuteOnly], 2)['allowed']);
            $this->assertFalse(lpapi_rate_hit_many([$minuteOnly])['allowed']);
            $dayOnly = lpapi_rate_hit_many([['bucket' => $minuteOnly['bucket'], 'per_day' => self::U32_MAX]], self::U32_MAX - 2);
            $this->assertTrue($dayOnly['allowed'], 'a full minute does not refuse a hit that sets no minute limit');
            $this->assertSame(0, $dayOnly['buckets'][0]['day']['remaining']);
        });
    }

    public function testCostCountsSeveralUnitsAndARefusedCostCountsNothing(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            $limits = [['bucket' => $bucket, 'per_minute' => 10, 'per_hour' => 30, 'per_day' => 20]];
            $hit = lpapi_rate_hit_many($limits, 4);
            $this->assertTrue($hit['allowed']);
            $this->assertSame([6, 26, 16], self::remaining($hit, 0));

            $tooMuch = lpapi_rate_hit_many($limits, 7);
            $this->assertFalse($tooMuch['allowed']);
            $this->assertSame([6, 26, 16], self::remaining($tooMuch, 0));
            $this->assertTightestIs(0, 'minute', $tooMuch);
            $this->assertGreaterThanOrEqual(1, $tooMuch['retry_after']);

            $exact = lpapi_rate_hit_many($limits, 6);
            $this->assertTrue($exact['allowed']);
            $this->assertSame([0, 20, 10], self::remaining($exact, 0));
            $this->assertFalse(lpapi_rate_hit_many($limits)['allowed']);

            // A cost above a limit is refused, counts nothing, and the limit itself fits.
            $fresh = [['bucket' => self::freshBucket(), 'per_hour' => 100, 'per_day' => 5]];
            $above = lpapi_rate_hit_many($fresh, 6);
            $this->assertFalse($above['allowed']);
            $this->assertSame([null, 100, 5], self::remaining($above, 0));
            $this->assertSame([null, 95, 0], self::remaining(lpapi_rate_hit_many($fresh, 5), 0));

            // The default cost is 1.
            $this->assertSame([null, 99, 4], self::remaining(lpapi_rate_hit_many([['bucket' => self::freshBucket(), 'per_hour' => 100, 'per_day' => 5]]), 0));
        });
    }

    public function testTheLargestLimitsAndCostAreAccepted(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            $max = [['bucket' => $bucket, 'per_minute' => self::U32_MAX, 'per_hour' => self::U32_MAX, 'per_day' => self::U32_MAX]];
            $this->assertSame([self::U32_MAX - 1, self::U32_MAX - 1, self::U32_MAX - 1], self::remaining(lpapi_rate_hit_many($max), 0));
            $more = lpapi_rate_hit_many($max, self::U32_MAX);
            $this->assertFalse($more['allowed'], 'one unit used plus the largest cost must not wrap around');
            $this->assertSame([self::U32_MAX - 1, self::U32_MAX - 1, self::U32_MAX - 1], self::remaining($more, 0));
            $all = lpapi_rate_hit_many([['bucket' => self::freshBucket(), 'per_day' => self::U32_MAX]], self::U32_MAX);
            $this->assertTrue($all['allowed']);
            $this->assertSame(0, $all['remaining']);
        });
    }

    public function testCountersAreSharedWithRateHitAndPeek(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket();
            lpapi_rate_hit($bucket, 10, 100);
            lpapi_rate_hit($bucket, 10, 100, 2);
            $day = [['bucket' => $bucket, 'per_minute' => 10, 'per_hour' => 100, 'per_day' => 5]];
            $many = lpapi_rate_hit_many($day);
            $this->assertSame([6, 96, 1], self::remaining($many, 0), 'lpapi_rate_hit counted in the day window too');

            $peek = lpapi_rate_peek($bucket, 10, 100);
            $this->assertSame(6, $peek['minute']['remaining']);
            $this->assertSame(96, $peek['hour']['remaining']);
            $this->assertSame(5, lpapi_rate_hit($bucket, 10, 100)['minute']['remaining']);

            // The day is full for lpapi_rate_hit_many; lpapi_rate_hit has no day limit.
            $this->assertFalse(lpapi_rate_hit_many($day)['allowed']);
            $this->assertSame([5, 95, 0], self::remaining(lpapi_rate_hit_many($day), 0));
            $plain = lpapi_rate_hit($bucket, 10, 100);
            $this->assertTrue($plain['allowed']);
            $this->assertSame(['allowed', 'limit', 'remaining', 'reset', 'retry_after', 'minute', 'hour'], array_keys($plain));
            $this->assertSame([3, 93, 0], self::remaining(lpapi_rate_hit_many([['bucket' => $bucket, 'per_minute' => 10, 'per_hour' => 100, 'per_day' => 7]]), 0));

            // A refusal by lpapi_rate_hit counts nothing in the day either: 7 used, so a day limit of 8 has room.
            $this->assertFalse(lpapi_rate_hit($bucket, 4, 100)['allowed']);
            $this->assertSame([2, 92, 0], self::remaining(lpapi_rate_hit_many([['bucket' => $bucket, 'per_minute' => 10, 'per_hour' => 100, 'per_day' => 8]]), 0));

            // lpapi_rate_reset forgets all three windows.
            lpapi_rate_reset($bucket);
            $this->assertSame([9, 99, 4], self::remaining(lpapi_rate_hit_many($day), 0));
        });
    }

    public function testEightBucketsAndBucketNamesOfOneAnd4096BytesAreAccepted(): void
    {
        $this->inOneMinute(function (): void {
            $buckets = [];
            for ($i = 0; $i < 8; $i++) {
                $buckets[] = ['bucket' => self::freshBucket("b{$i}"), 'per_minute' => 10 + $i];
            }
            $now = time();
            $hit = lpapi_rate_hit_many($buckets);
            $this->assertShape($hit, $buckets, $now);
            $this->assertTrue($hit['allowed']);
            foreach ($buckets as $i => $bucket) {
                $this->assertSame(9 + $i, $hit['buckets'][$i]['minute']['remaining']);
            }
            $this->assertTightestIs(0, 'minute', $hit);

            $long = substr(self::freshBucket() . str_repeat('L', 4096), 0, 4096);
            $short = chr(random_int(1, 255));
            lpapi_rate_reset($short);
            $edge = lpapi_rate_hit_many([['bucket' => $long, 'per_hour' => 5], ['bucket' => $short, 'per_hour' => 5]]);
            $this->assertSame([null, 4, null], self::remaining($edge, 0));
            $this->assertSame([null, 4, null], self::remaining($edge, 1));
            $this->assertSame(4, lpapi_rate_peek($long, 5, 5)['hour']['remaining']);
            lpapi_rate_reset($short);
        });
    }

    /**
     * Each case builds the buckets from two fresh names `$a` and `$b`; the
     * first entry (bucket `$a`, per_minute 10) is valid unless the case is
     * about it.
     *
     * @return array<string, array{callable(string, string): array, int, string}>
     */
    public function invalidArguments(): array
    {
        $ok = static fn (string $a): array => ['bucket' => $a, 'per_minute' => 10];
        $list = 'buckets must be a list of 1 to 8 buckets';
        $limit = ' must be null or an integer between 1 and 4294967295';
        $name = ' must be a string of 1 to 4096 bytes';
        $cases = [
            'no bucket' => [static fn (): array => [], 1, $list],
            'nine buckets' => [static function (string $a, string $b): array {
                $buckets = [];
                for ($i = 0; $i < 9; $i++) {
                    $buckets[] = ['bucket' => $a . $i, 'per_minute' => 10];
                }

                return $buckets;
            }, 1, $list],
            'string keys' => [static fn (string $a) => ['first' => ['bucket' => $a, 'per_minute' => 10]], 1, $list],
            'keys not from 0' => [static fn (string $a) => [1 => ['bucket' => $a, 'per_minute' => 10]], 1, $list],
            'keys out of order' => [static fn (string $a, string $b) => [1 => ['bucket' => $b, 'per_minute' => 10], 0 => ['bucket' => $a, 'per_minute' => 10]], 1, $list],
            'a string entry' => [static fn (): array => ['bucket'], 1, 'buckets[0] must be an array'],
            'a null second entry' => [static fn (string $a) => [$ok($a), null], 1, 'buckets[1] must be an array'],
            'an int second entry' => [static fn (string $a) => [$ok($a), 5], 1, 'buckets[1] must be an array'],
            'unknown field' => [static fn (string $a) => [['bucket' => $a, 'per_minute' => 10, 'foo' => 1]], 1, 'buckets[0] has an unknown field "foo"'],
            'unknown field per_week' => [static fn (string $a, string $b) => [$ok($a), ['bucket' => $b, 'per_week' => 1]], 1, 'buckets[1] has an unknown field "per_week"'],
            'field names are case-sensitive' => [static fn (string $a) => [['Bucket' => $a, 'per_minute' => 10]], 1, 'buckets[0] has an unknown field "Bucket"'],
            'an int key' => [static fn (string $a) => [['bucket' => $a, 'per_minute' => 10, 0 => 'x']], 1, 'buckets[0] has an unknown field "0"'],
            'no bucket name' => [static fn (): array => [['per_minute' => 10]], 1, 'buckets[0][bucket]' . $name],
            'empty bucket name' => [static fn (): array => [['bucket' => '', 'per_minute' => 10]], 1, 'buckets[0][bucket]' . $name],
            'null bucket name' => [static fn (): array => [['bucket' => null, 'per_minute' => 10]], 1, 'buckets[0][bucket]' . $name],
            'int bucket name' => [static fn (string $a) => [$ok($a), ['bucket' => 12345, 'per_minute' => 10]], 1, 'buckets[1][bucket]' . $name],
            'array bucket name' => [static fn (): array => [['bucket' => ['a'], 'per_minute' => 10]], 1, 'buckets[0][bucket]' . $name],
            '4097-byte bucket name' => [static fn (string $a) => [$ok($a), ['bucket' => str_repeat('n', 4097), 'per_minute' => 10]], 1, 'buckets[1][bucket]' . $name],
            'a repeated name' => [static fn (string $a, string $b) => [$ok($a), $ok($b), ['bucket' => $a, 'per_day' => 1]], 1, 'buckets[2][bucket] repeats buckets[0][bucket]'],
            'a repeated name, later' => [static fn (string $a, string $b) => [$ok($a), $ok($b), ['bucket' => $b, 'per_day' => 1]], 1, 'buckets[2][bucket] repeats buckets[1][bucket]'],
            'no limit' => [static fn (string $a) => [['bucket' => $a]], 1, 'buckets[0] sets no limit (per_minute, per_hour or per_day)'],
            'null limits' => [static fn (string $a, string $b) => [$ok($a), ['bucket' => $b, 'per_minute' => null, 'per_hour' => null, 'per_day' => null]], 1, 'buckets[1] sets no limit (per_minute, per_hour or per_day)'],
            'cost 0' => [static fn (string $a) => [$ok($a)], 0, 'cost must be between 1 and 4294967295'],
            'cost -1' => [static fn (string $a) => [$ok($a)], -1, 'cost must be between 1 and 4294967295'],
            'cost 2^32' => [static fn (string $a) => [$ok($a)], self::U32_MAX + 1, 'cost must be between 1 and 4294967295'],
        ];
        $bad = ['0' => 0, '-1' => -1, '2^32' => self::U32_MAX + 1, 'PHP_INT_MAX' => PHP_INT_MAX, 'true' => true, 'false' => false,
            'float 5.0' => 5.0, 'string "5"' => '5', 'array' => [5]];
        foreach ($bad as $label => $value) {
            $cases["per_minute {$label}"] = [static fn (string $a) => [['bucket' => $a, 'per_minute' => $value, 'per_hour' => 10]], 1, 'buckets[0][per_minute]' . $limit];
            $cases["per_hour {$label}"] = [static fn (string $a, string $b) => [$ok($a), ['bucket' => $b, 'per_day' => 10, 'per_hour' => $value]], 1, 'buckets[1][per_hour]' . $limit];
            $cases["per_day {$label}"] = [static fn (string $a) => [['bucket' => $a, 'per_minute' => 10, 'per_day' => $value]], 1, 'buckets[0][per_day]' . $limit];
        }

        return $cases;
    }

    /**
     * @dataProvider invalidArguments
     * @param callable(string, string): array $build
     */
    public function testInvalidArgumentsThrowNamingTheFieldAndCountNothing(callable $build, int $cost, string $message): void
    {
        $this->inOneMinute(function () use ($build, $cost, $message): void {
            $a = self::freshBucket();
            $b = self::freshBucket();
            lpapi_rate_hit($a, 10, 10);
            $thrown = $this->assertThrowsLpapi(InvalidArgumentException::class, fn () => lpapi_rate_hit_many($build($a, $b), $cost));
            $this->assertSame($message, $thrown->getMessage());
            $this->assertSame(9, lpapi_rate_peek($a, 10, 10)['hour']['remaining'], 'a rejected call must count nothing');
            $this->assertSame(10, lpapi_rate_peek($b, 10, 10)['hour']['remaining'], 'a rejected call must count nothing');
        });
    }

    /** @return array<string, array{callable(): mixed}> */
    public function wrongTypes(): array
    {
        $ok = [['bucket' => 'lpapi-phpunit:types', 'per_minute' => 10]];

        return [
            'string buckets' => [fn () => lpapi_rate_hit_many('lpapi-phpunit:types')],
            'null buckets' => [fn () => lpapi_rate_hit_many(null)],
            'object buckets' => [fn () => lpapi_rate_hit_many(new \ArrayObject($ok))],
            'non-numeric cost' => [fn () => lpapi_rate_hit_many($ok, 'one')],
            'array cost' => [fn () => lpapi_rate_hit_many($ok, [1])],
            'no argument' => [fn () => lpapi_rate_hit_many()],
        ];
    }

    /** @dataProvider wrongTypes */
    public function testWrongArgumentTypesAreTypeErrors(callable $call): void
    {
        $this->assertThrowsLpapi(\TypeError::class, $call);
    }
}
