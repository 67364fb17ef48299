<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Native;

use LatePointApi\Tests\Support\ApiDump;
use LatePointApi\Tests\Support\Impl;
use LatePointApi\Tests\Support\NativeTestCase;
use LatePointApi\Tests\Support\PhpProcess;

/**
 * php-stubs/lpapi.php, the loaded extension and the plugin's pure-PHP
 * fallback describe the same API: functions (names, parameters with names,
 * types, optionality, defaults and by-reference passing, return types),
 * classes (parents, finality, interfaces, their own methods) and constants.
 * Fails when the extension or the fallback gains an lpapi_* function without
 * a stub, lacks one, or a parameter is renamed or retyped on any side.
 *
 * The fallback is read in a `php -n` process without the extension (both
 * define the same functions), so these tests run in the native run; its
 * file is located by searching wp-plugin/ for the file that defines
 * lpapi_key_generate(), so it may move between folders of the plugin.
 */
final class StubsTest extends NativeTestCase
{
    /** The fallback's own functions are the ones named like the extension's. */
    private const FUNCTION_PREFIX = 'lpapi_';
    /** The namespace of the exception classes the stubs declare, and the fallback must declare alike. */
    private const CLASS_NAMESPACE = 'LatePointApi\\Native\\';

    /** @var array<string, mixed>|null */
    private static ?array $stubs = null;
    /** @var array<string, mixed>|null */
    private static ?array $fallback = null;

    /** @return array<string, mixed> what the stub file declares, read in a `php -n` process without the extension */
    private function stubs(): array
    {
        if (self::$stubs === null) {
            self::$stubs = $this->dumpInChildProcess(Impl::repoRoot() . '/php-stubs/lpapi.php', 'the stubs');
        }

        return self::$stubs;
    }

    /**
     * What the pure-PHP fallback declares, read in a `php -n` process without
     * the extension, loaded as tests/php/bootstrap.php loads it for the
     * contract suite (standalone, outside WordPress).
     *
     * @return array<string, mixed>
     */
    private function fallback(): array
    {
        if (self::$fallback === null) {
            self::$fallback = $this->dumpInChildProcess(self::fallbackFile(), 'the pure-PHP fallback', true);
        }

        return self::$fallback;
    }

    /** @return array<string, mixed> ApiDump::ofFile($file) in a `php -n` process that loads nothing else */
    private function dumpInChildProcess(string $file, string $what, bool $standalone = false): array
    {
        $code = 'require $argv[1];'
            // Nothing may define the API before the file does (no extension in `php -n`).
            . ' if (function_exists("lpapi_key_generate")) { fwrite(STDERR, "lpapi_key_generate() exists before loading the file"); exit(3); }'
            . ($standalone ? ' define("LPAPI_FALLBACK_STANDALONE", true);' : '')
            . ' $dump = \LatePointApi\Tests\Support\ApiDump::ofFile($argv[2]);'
            . ' echo json_encode($dump, JSON_THROW_ON_ERROR);';
        $result = PhpProcess::run([
            '-n', '-d', 'display_errors=stderr', '-d', 'error_reporting=-1',
            '-r', $code, '--',
            dirname(__DIR__) . '/support/ApiDump.php',
            $file,
        ]);
        $this->assertSame(0, $result['exit'], "dumping {$what} ({$file}) failed: " . $result['stderr']);
        $this->assertSame('', $result['stderr'], "dumping {$what} ({$file}) wrote to stderr");
        // An empty stdout with exit 0: the file's `defined(...) || exit` guard stopped it.
        $this->assertNotSame('', $result['stdout'], "dumping {$what} ({$file}) printed nothing: did the file exit on load?");

        return json_decode($result['stdout'], true, 512, JSON_THROW_ON_ERROR);
    }

    /** The one PHP file under wp-plugin/ that defines lpapi_key_generate(): the fallback's functions.php, wherever it lives. */
    private static function fallbackFile(): string
    {
        $root = Impl::repoRoot() . '/wp-plugin';
        $found = [];
        $files = new \RecursiveIteratorIterator(
            new \RecursiveDirectoryIterator($root, \FilesystemIterator::SKIP_DOTS)
        );
        foreach ($files as $file) {
            /** @var \SplFileInfo $file */
            if ($file->isFile() && strtolower($file->getExtension()) === 'php'
                && preg_match('/\bfunction\s+lpapi_key_generate\s*\(/i', (string) file_get_contents($file->getPathname())) === 1
            ) {
                $found[] = $file->getPathname();
            }
        }
        sort($found);
        if (count($found) !== 1) {
            throw new \RuntimeException(sprintf(
                'expected exactly one PHP file under %s defining lpapi_key_generate(), found %d: %s',
                $root,
                count($found),
                implode(', ', $found)
            ));
        }

        return $found[0];
    }

    /**
     * @param array<string, mixed> $entries
     * @return array<string, mixed> the entries whose names start with `$prefix` (case-insensitively)
     */
    private static function named(array $entries, string $prefix): array
    {
        return array_filter(
            $entries,
            static fn (string $name) => stripos($name, $prefix) === 0,
            ARRAY_FILTER_USE_KEY
        );
    }

    /** @return array<string, mixed> the same description of the loaded extension, JSON round-tripped like the stubs' */
    private static function extension(): array
    {
        return json_decode(json_encode(ApiDump::ofExtension('lpapi'), JSON_THROW_ON_ERROR), true, 512, JSON_THROW_ON_ERROR);
    }

    public function testTheDumpSeesTheWholeApi(): void
    {
        // Guards the comparisons below against comparing two empty dumps.
        $stubs = $this->stubs();
        $this->assertContains('lpapi_rate_hit', array_keys($stubs['functions']));
        $this->assertSame(
            ['bucket', 'per_minute', 'per_hour', 'cost'],
            array_column($stubs['functions']['lpapi_rate_hit']['parameters'], 'name')
        );
        $this->assertSame('1', $stubs['functions']['lpapi_rate_hit']['parameters'][3]['default']);
        $this->assertContains('LatePointApi\\Native\\InvalidKeyException', array_keys($stubs['classes']));
        $this->assertGreaterThanOrEqual(11, count(self::extension()['functions']));
    }

    public function testFunctionsAreTheSame(): void
    {
        $stubs = $this->stubs()['functions'];
        $extension = self::extension()['functions'];
        $this->assertSame([], array_keys(array_diff_key($extension, $stubs)), 'functions of the extension without a stub');
        $this->assertSame([], array_keys(array_diff_key($stubs, $extension)), 'stubs of functions the extension lacks');
        $this->assertSame($stubs, $extension);
    }

    public function testClassesAreTheSame(): void
    {
        $stubs = $this->stubs()['classes'];
        $extension = self::extension()['classes'];
        $this->assertSame([], array_keys(array_diff_key($extension, $stubs)), 'classes of the extension without a stub');
        $this->assertSame([], array_keys(array_diff_key($stubs, $extension)), 'stubs of classes the extension lacks');
        $this->assertSame($stubs, $extension);
    }

    public function testConstantsAreTheSame(): void
    {
        $this->assertSame($this->stubs()['constants'], self::extension()['constants']);
    }

    public function testTheFallbackDumpSeesTheWholeApi(): void
    {
        // Guards the fallback comparisons below against comparing two empty dumps.
        $this->assertStringEndsWith('.php', self::fallbackFile());
        $fallback = $this->fallback();
        $this->assertContains('lpapi_rate_hit', array_keys($fallback['functions']));
        $this->assertSame(
            ['bucket', 'per_minute', 'per_hour', 'cost'],
            array_column($fallback['functions']['lpapi_rate_hit']['parameters'], 'name')
        );
        $this->assertSame('1', $fallback['functions']['lpapi_rate_hit']['parameters'][3]['default']);
        $this->assertContains('LatePointApi\\Native\\InvalidKeyException', array_keys($fallback['classes']));
        $this->assertSame(
            count($this->stubs()['functions']),
            count(self::named($fallback['functions'], self::FUNCTION_PREFIX)),
            'the fallback defines as many lpapi_* functions as the stubs declare'
        );
    }

    public function testFallbackFunctionsAreTheStubs(): void
    {
        $stubs = $this->stubs()['functions'];
        $this->assertSame(
            array_keys($stubs),
            array_keys(self::named($stubs, self::FUNCTION_PREFIX)),
            'every stubbed function is an lpapi_* function'
        );
        $fallback = self::named($this->fallback()['functions'], self::FUNCTION_PREFIX);
        $this->assertSame([], array_keys(array_diff_key($stubs, $fallback)), 'stubs of functions the fallback lacks');
        $this->assertSame([], array_keys(array_diff_key($fallback, $stubs)), 'lpapi_* functions of the fallback without a stub');
        foreach ($stubs as $name => $stub) {
            $this->assertSame($stub, $fallback[$name], "{$name}(): the fallback's signature differs from the stub's");
        }
        $this->assertSame($stubs, $fallback);
    }

    public function testFallbackClassesAreTheStubs(): void
    {
        $stubs = $this->stubs()['classes'];
        $this->assertSame(
            array_keys($stubs),
            array_keys(self::named($stubs, self::CLASS_NAMESPACE)),
            'every stubbed class is in ' . self::CLASS_NAMESPACE
        );
        $fallbackAll = $this->fallback()['classes'];
        $fallback = self::named($fallbackAll, self::CLASS_NAMESPACE);
        $this->assertSame([], array_keys(array_diff_key($stubs, $fallback)), 'stubs of classes the fallback lacks');
        $this->assertSame([], array_keys(array_diff_key($fallback, $stubs)), 'classes of the fallback in ' . self::CLASS_NAMESPACE . ' without a stub');
        foreach ($stubs as $name => $stub) {
            $this->assertSame($stub, $fallback[$name], "{$name}: the fallback's class differs from the stub's");
            // The whole chain of parents, not only the first: each one the
            // fallback declares must be the stubs' too (the chain ends in a
            // built-in class such as \Exception, which neither declares).
            $this->assertSame(self::ancestors($stubs, $name), self::ancestors($fallbackAll, $name), "{$name}: class hierarchy");
        }
        $this->assertSame($stubs, $fallback);
    }

    public function testFallbackDefinesTheStubsConstants(): void
    {
        $stubs = $this->stubs()['constants'];
        $fallback = $this->fallback()['constants'];
        $this->assertSame([], array_keys(array_diff_key($stubs, $fallback)), 'constants of the stubs the fallback lacks');
        $this->assertSame($stubs, array_intersect_key($fallback, $stubs));
    }

    /**
     * @param array<string, array{parent: ?string}> $classes
     * @return list<string> `$name`'s parents, nearest first, as far as `$classes` describes them, then the first one it does not
     */
    private static function ancestors(array $classes, string $name): array
    {
        $chain = [];
        while (isset($classes[$name]['parent'])) {
            $name = $classes[$name]['parent'];
            $chain[] = $name;
        }

        return $chain;
    }
}
