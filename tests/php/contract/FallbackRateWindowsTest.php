<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Contract;

use LatePointApi\Fallback\Rate_Windows;
use LatePointApi\Tests\Support\Impl;
use LatePointApi\Tests\Support\LpapiTestCase;

/**
 * The fallback's window arithmetic on an injected clock (Rate_Windows::decide
 * takes the time as an argument): the day window's UTC midnight reset and the
 * windows rolling over independently, without waiting for a real midnight.
 * The native arithmetic has the same tests on a fake clock (tests/rate_limiter.rs).
 */
final class FallbackRateWindowsTest extends LpapiTestCase
{
    /** 2026-11-25T00:00:00Z. */
    private const MIDNIGHT = 1796083200;

    public static function setUpBeforeClass(): void
    {
        if (!defined('LPAPI_FALLBACK_STANDALONE')) {
            define('LPAPI_FALLBACK_STANDALONE', true);
        }
        if (!class_exists(Rate_Windows::class, false)) {
            require_once Impl::repoRoot() . '/wp-plugin/latepoint-api-keys/includes/fallback/class-rate-windows.php';
        }
    }

    /**
     * Hits one bucket at $now, carrying its counters in $stored.
     *
     * @param array{0: int, 1: int, 2: int, 3: int} $stored
     * @param array{minute?: ?int, hour?: ?int, day?: ?int} $limits
     * @return array<string, mixed> the decision
     */
    private static function hit(array &$stored, int $now, array $limits): array
    {
        [$decision, $next] = Rate_Windows::decide([$stored], $now, [$limits], 1, true);
        if ($next !== null) {
            $stored = $next[0];
        }

        return $decision;
    }

    public function testTheDayWindowAdmitsItsLimitAcrossHoursAndResetsAtUtcMidnight(): void
    {
        $stored = Rate_Windows::NONE;
        $limits = ['day' => 3];
        foreach ([self::MIDNIGHT - 86399, self::MIDNIGHT - 40000, self::MIDNIGHT - 61] as $i => $now) {
            $d = self::hit($stored, $now, $limits);
            $this->assertTrue($d['allowed'], "hit {$i}");
            $this->assertSame(2 - $i, $d['remaining']);
            $this->assertSame(self::MIDNIGHT, $d['reset']);
            $this->assertSame('day', $d['window']);
        }
        $d = self::hit($stored, self::MIDNIGHT - 60, $limits);
        $this->assertFalse($d['allowed']);
        $this->assertSame(60, $d['retry_after'], 'seconds to UTC midnight');
        $d = self::hit($stored, self::MIDNIGHT - 1, $limits);
        $this->assertSame(1, $d['retry_after']);
        $d = self::hit($stored, self::MIDNIGHT, $limits);
        $this->assertTrue($d['allowed'], 'a new UTC day starts from zero');
        $this->assertSame(2, $d['remaining']);
        $this->assertSame(self::MIDNIGHT + 86400, $d['reset']);
    }

    public function testEachWindowRollsOverOnItsOwn(): void
    {
        $stored = Rate_Windows::NONE;
        $limits = ['minute' => 2, 'hour' => 3, 'day' => 4];
        $this->assertTrue(self::hit($stored, self::MIDNIGHT + 10, $limits)['allowed']);
        $this->assertTrue(self::hit($stored, self::MIDNIGHT + 20, $limits)['allowed']);
        $d = self::hit($stored, self::MIDNIGHT + 30, $limits);
        $this->assertFalse($d['allowed'], 'the minute is full');
        $this->assertSame(['minute', 30], [$d['window'], $d['retry_after']]);
        $this->assertTrue(self::hit($stored, self::MIDNIGHT + 60, $limits)['allowed'], 'a new minute');
        $d = self::hit($stored, self::MIDNIGHT + 120, $limits);
        $this->assertFalse($d['allowed'], 'the hour is full');
        $this->assertSame(['hour', 3600 - 120], [$d['window'], $d['retry_after']]);
        $d = self::hit($stored, self::MIDNIGHT + 3600, $limits);
        $this->assertTrue($d['allowed'], 'a new hour');
        $this->assertSame(['day', 0], [$d['window'], $d['remaining']], 'the day has 4 counted: the tightest now');
        $d = self::hit($stored, self::MIDNIGHT + 7200, $limits);
        $this->assertFalse($d['allowed'], 'the day is full though the hour is not');
        $this->assertSame(86400 - 7200, $d['retry_after']);
        $this->assertSame(['limit' => 3, 'remaining' => 3, 'reset' => self::MIDNIGHT + 3 * 3600], $d['buckets'][0]['hour']);
    }

    public function testARefusedHitIsNotCountedAndAStoredMinuteNeverMovesBack(): void
    {
        $stored = Rate_Windows::NONE;
        $limits = ['minute' => 1];
        self::hit($stored, self::MIDNIGHT + 70, $limits);
        $before = $stored;
        $this->assertFalse(self::hit($stored, self::MIDNIGHT + 80, $limits)['allowed']);
        $this->assertSame($before, $stored, 'nothing written for a refusal');
        // Another process's clock a minute behind still sees the stored minute's count.
        $this->assertFalse(self::hit($stored, self::MIDNIGHT + 5, $limits)['allowed']);
    }
}
