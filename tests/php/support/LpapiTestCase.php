<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Support;

use PHPUnit\Framework\TestCase;

/** Shared assertions and helpers of the lpapi tests. */
abstract class LpapiTestCase extends TestCase
{
    protected const NS = 'LatePointApi\\Native\\';

    /**
     * What calling `$call` throws, or null. Catches every Throwable: PHP
     * warnings and notices reach here as exceptions too (PHPUnit converts them).
     */
    protected static function thrownBy(callable $call): ?\Throwable
    {
        try {
            $call();
        } catch (\Throwable $e) {
            return $e;
        }

        return null;
    }

    /**
     * Why `$thrown` is not the expected exception, or null when it is: an
     * instance of `$expected`, of a class under LatePointApi\Native\ (for the
     * extension's own exceptions), whose message contains none of `$secrets`.
     *
     * @param list<string> $secrets
     */
    protected static function problemWith(?\Throwable $thrown, string $expected, array $secrets = []): ?string
    {
        if ($thrown === null) {
            return "nothing thrown, expected {$expected}";
        }
        $class = get_class($thrown);
        if (!$thrown instanceof $expected) {
            return "threw {$class} (" . $thrown->getMessage() . "), expected {$expected}";
        }
        if (str_starts_with($expected, self::NS) && !str_starts_with($class, self::NS)) {
            return "threw {$class}, which is not under " . self::NS;
        }
        foreach ($secrets as $secret) {
            if ($secret !== '' && str_contains($thrown->getMessage(), $secret)) {
                return "the message of {$class} reveals the key: " . $thrown->getMessage();
            }
        }

        return null;
    }

    /**
     * Asserts that `$call` throws `$expected` (see problemWith()) and returns it.
     *
     * @param list<string> $secrets strings the message must not contain
     */
    protected function assertThrowsLpapi(string $expected, callable $call, array $secrets = [], string $context = ''): \Throwable
    {
        $thrown = self::thrownBy($call);
        $problem = self::problemWith($thrown, $expected, $secrets);
        $this->assertNull($problem, ($context !== '' ? $context . ': ' : '') . (string) $problem);
        \assert($thrown !== null);

        return $thrown;
    }

    /** A bucket name no other test (or earlier run) has used. */
    protected static function freshBucket(string $tag = 'b'): string
    {
        return 'lpapi-phpunit:' . $tag . ':' . bin2hex(random_bytes(12));
    }

    /** The start of the UTC minute after the epoch second `$now`. */
    protected static function nextMinute(int $now): int
    {
        return (intdiv($now, 60) + 1) * 60;
    }

    /** The start of the UTC hour after the epoch second `$now`. */
    protected static function nextHour(int $now): int
    {
        return (intdiv($now, 3600) + 1) * 3600;
    }

    /** Sleeps into the next minute if fewer than `$margin` seconds are left of this one. */
    protected static function awayFromMinuteBoundary(float $margin = 5.0): void
    {
        $left = 60.0 - fmod(microtime(true), 60.0);
        if ($left < $margin) {
            usleep((int) (($left + 0.05) * 1e6));
        }
    }

    /**
     * Runs `$scenario` (which makes its own fresh buckets and asserts) within
     * one UTC minute: it starts at least `$margin` seconds before a minute
     * boundary, and if the minute changed while it ran anyway (a slow
     * machine), its outcome, pass or fail, is discarded and it runs once more.
     * Counting assertions never depend on timing this way.
     *
     * @template T
     * @param callable(): T $scenario
     * @return T
     */
    protected function inOneMinute(callable $scenario, float $margin = 5.0)
    {
        for ($attempt = 1; ; $attempt++) {
            self::awayFromMinuteBoundary($margin);
            $minute = intdiv(time(), 60);
            try {
                $result = $scenario();
            } catch (\Throwable $e) {
                if ($attempt === 1 && intdiv(time(), 60) !== $minute) {
                    continue;
                }
                throw $e;
            }
            if (intdiv(time(), 60) === $minute) {
                return $result;
            }
            if ($attempt > 1) {
                $this->fail('the scenario straddled a minute boundary twice in a row');
            }
        }
    }

    /** @param array<mixed> $array */
    protected function assertKeysInOrder(array $expected, array $array, string $message = ''): void
    {
        $this->assertSame($expected, array_keys($array), $message);
    }
}
