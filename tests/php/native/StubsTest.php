<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Native;

use LatePointApi\Tests\Support\ApiDump;
use LatePointApi\Tests\Support\Impl;
use LatePointApi\Tests\Support\NativeTestCase;
use LatePointApi\Tests\Support\PhpProcess;

/**
 * php-stubs/lpapi.php and the loaded extension describe the same API:
 * functions (names, parameters with names, types, optionality, defaults and
 * by-reference passing, return types), classes (parents, finality, their
 * own methods) and constants. Fails when the extension gains a function
 * without a stub, or a parameter is renamed on either side.
 */
final class StubsTest extends NativeTestCase
{
    /** @var array<string, mixed>|null */
    private static ?array $stubs = null;

    /** @return array<string, mixed> what the stub file declares, read in a `php -n` process without the extension */
    private function stubs(): array
    {
        if (self::$stubs === null) {
            $code = 'require $argv[1]; echo json_encode(\LatePointApi\Tests\Support\ApiDump::ofStubFile($argv[2]), JSON_THROW_ON_ERROR);';
            $result = PhpProcess::run([
                '-n', '-d', 'display_errors=stderr', '-d', 'error_reporting=-1',
                '-r', $code, '--',
                dirname(__DIR__) . '/support/ApiDump.php',
                Impl::repoRoot() . '/php-stubs/lpapi.php',
            ]);
            $this->assertSame(0, $result['exit'], 'dumping the stubs failed: ' . $result['stderr']);
            $this->assertSame('', $result['stderr']);
            self::$stubs = json_decode($result['stdout'], true, 512, JSON_THROW_ON_ERROR);
        }

        return self::$stubs;
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
}
