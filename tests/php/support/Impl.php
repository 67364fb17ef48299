<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Support;

use PHPUnit\Framework\TestCase;

/** Which implementation the bootstrap chose, and where the extension is. */
final class Impl
{
    public const NATIVE = 'native';
    public const FALLBACK = 'fallback';

    private static string $mode = self::NATIVE;
    private static string $extension = '';

    public static function init(string $mode, string $extension): void
    {
        self::$mode = $mode;
        self::$extension = $extension;
    }

    public static function isFallback(): bool
    {
        return self::$mode === self::FALLBACK;
    }

    /**
     * Skips the calling test when the pure-PHP fallback is under test, and
     * only then: in native mode the bootstrap has already made sure the
     * extension is loaded, so a native-only test always runs.
     */
    public static function skipUnlessNative(TestCase $test): void
    {
        if (self::isFallback()) {
            $test->markTestSkipped('native-only test; LPAPI_IMPL=fallback');
        }
    }

    /** Path of the extension, for PHP child processes (LPAPI_EXT). */
    public static function extensionPath(): string
    {
        return self::$extension;
    }

    public static function repoRoot(): string
    {
        return dirname(__DIR__, 3);
    }
}
