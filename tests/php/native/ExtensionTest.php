<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Native;

use LatePointApi\Tests\Support\Impl;
use LatePointApi\Tests\Support\NativeTestCase;
use LatePointApi\Tests\Support\PhpProcess;

/**
 * docs/native-functions.md: the extension as a PHP module: phpinfo(), version and INI settings
 * (lpapi.rate_slots, lpapi.cache_entries), including invalid values.
 */
final class ExtensionTest extends NativeTestCase
{
    /** Prints a JSON report of the extension's state in a child process. */
    private const REPORT = <<<'PHP'
        $run = static function (callable $call) {
            try {
                return ['ok' => $call()];
            } catch (\Throwable $e) {
                return ['class' => get_class($e), 'message' => $e->getMessage()];
            }
        };
        $key = lpapi_key_generate('test');
        $hash = hash('sha256', 'child');
        echo json_encode([
            'ini' => [ini_get('lpapi.rate_slots'), ini_get('lpapi.cache_entries')],
            'info' => lpapi_info(),
            'hit' => $run(fn () => lpapi_rate_hit('child-bucket', 10, 10)),
            'peek' => $run(fn () => lpapi_rate_peek('child-bucket', 10, 10)),
            'reset' => $run(fn () => lpapi_rate_reset('child-bucket')),
            'key' => $run(fn () => lpapi_key_parse($key['key']) === array_slice($key, 1, null, true)),
            'bad_key' => $run(fn () => lpapi_key_parse('lp_test_bad')),
            'key_hash' => $run(fn () => lpapi_key_hash('x') === hash('sha256', 'x')),
            'cache' => $run(function () use ($hash) {
                lpapi_cache_put($hash, ['a' => 1], 60);
                $before = lpapi_cache_get($hash);
                $generation = lpapi_cache_invalidate();
                return [$before, lpapi_cache_get($hash), $generation];
            }),
            'phpinfo' => $run(function () {
                ob_start();
                phpinfo(INFO_MODULES);
                return ob_get_clean();
            }),
        ], JSON_INVALID_UTF8_SUBSTITUTE);
        PHP;

    /**
     * @param array<string, string> $ini
     * @return array<string, mixed>
     */
    private function report(array $ini): array
    {
        $result = PhpProcess::withExtension($ini, self::REPORT);
        $this->assertSame(0, $result['exit'], "the child PHP exited with {$result['exit']}: {$result['stderr']}");
        $this->assertSame('', $result['stderr'], 'the child PHP printed warnings or errors');
        $this->assertIsArray($result['json'], 'the child printed no report: ' . $result['stdout']);

        return $result['json'];
    }

    private static function phpinfo(): string
    {
        ob_start();
        phpinfo(INFO_MODULES);

        return (string) ob_get_clean();
    }

    public function testPhpinfoHasASectionWithTheVersionAndSettings(): void
    {
        $info = self::phpinfo();
        $version = phpversion('lpapi');
        $this->assertIsString($version);
        $this->assertMatchesRegularExpression('/^lpapi$/m', $info, 'no "lpapi" section');
        $section = substr($info, (int) strpos($info, "\nlpapi\n"));
        $this->assertMatchesRegularExpression('/^Version => ' . preg_quote($version, '/') . '$/m', $section);
        $this->assertMatchesRegularExpression('/^lpapi\.rate_slots => ' . preg_quote((string) ini_get('lpapi.rate_slots'), '/') . '$/m', $section);
        $this->assertMatchesRegularExpression('/^lpapi\.cache_entries => ' . preg_quote((string) ini_get('lpapi.cache_entries'), '/') . '$/m', $section);
    }

    public function testTheVersionIsTheSameEverywhere(): void
    {
        $version = lpapi_info()['version'];
        $this->assertSame(phpversion('lpapi'), $version);
        $this->assertSame((new \ReflectionExtension('lpapi'))->getVersion(), $version);
        $this->assertTrue(lpapi_info()['native']);
    }

    public function testChildProcessesLoadTheSameExtensionAsThisProcess(): void
    {
        $this->assertFileExists(Impl::extensionPath(), 'LPAPI_EXT');
        $maps = @file_get_contents('/proc/self/maps');
        if ($maps === false) {
            $this->markTestSkipped('no /proc/self/maps on this system');
        }
        $loaded = [];
        foreach (explode("\n", $maps) as $line) {
            if (preg_match('~\s(/\S*lpapi\S*\.so)$~', $line, $m)) {
                $loaded[(string) realpath($m[1])] = true;
            }
        }
        $this->assertSame(
            [(string) realpath(Impl::extensionPath())],
            array_keys($loaded),
            'child processes would test a different binary (set LPAPI_EXT to the loaded extension)'
        );
    }

    public function testIniDefaults(): void
    {
        $report = $this->report([]);
        $this->assertSame(['16384', '1024'], $report['ini']);
        $this->assertTrue($report['info']['shared_memory']);
        $this->assertSame(16384, $report['info']['slots_total']);
        $this->assertSame(1024, $report['info']['cache']['capacity']);
    }

    public function testTheSettingsInThisProcessAreTheOnesInUse(): void
    {
        $info = lpapi_info();
        $this->assertSame((string) $info['slots_total'], ini_get('lpapi.rate_slots'));
        $this->assertSame((string) $info['cache']['capacity'], ini_get('lpapi.cache_entries'));
        $this->assertGreaterThanOrEqual($info['slots_total'] * 64, $info['shm_bytes'], 'each slot takes 64 bytes');
    }

    public function testSettingsAreReadAtStartup(): void
    {
        $report = $this->report(['lpapi.rate_slots' => '64', 'lpapi.cache_entries' => '2']);
        $this->assertSame(['64', '2'], $report['ini']);
        $this->assertSame(64, $report['info']['slots_total']);
        $this->assertSame(2, $report['info']['cache']['capacity']);
        $this->assertGreaterThanOrEqual(64 * 64, $report['info']['shm_bytes']);
        $this->assertLessThan(16384 * 64, $report['info']['shm_bytes']);
        $this->assertStringContainsString('lpapi.rate_slots => 64', $report['phpinfo']['ok']);
    }

    public function testTheSmallestAndLargestTablesAreAccepted(): void
    {
        foreach (['16' => 16, '1048576' => 1048576] as $setting => $slots) {
            $report = $this->report(['lpapi.rate_slots' => (string) $setting]);
            $this->assertTrue($report['info']['shared_memory'], "lpapi.rate_slots={$setting}");
            $this->assertSame($slots, $report['info']['slots_total']);
            $this->assertTrue($report['hit']['ok']['allowed'] ?? null, "lpapi.rate_slots={$setting}: " . json_encode($report['hit']));
        }
    }

    public function testTheCacheCapacitySettingEvictsBeyondIt(): void
    {
        $code = <<<'PHP'
            foreach (['a', 'b', 'c'] as $i => $hash) {
                lpapi_cache_put($hash, [$hash], 60 + $i);
            }
            echo json_encode([lpapi_info()['cache'], lpapi_cache_get('a'), lpapi_cache_get('b'), lpapi_cache_get('c')]);
            PHP;
        $result = PhpProcess::withExtension(['lpapi.cache_entries' => '2'], $code);
        $this->assertSame('', $result['stderr']);
        [$stats, $a, $b, $c] = $result['json'];
        $this->assertSame(2, $stats['capacity']);
        $this->assertSame(2, $stats['entries']);
        $this->assertSame(1, $stats['evictions']);
        $this->assertNull($a, 'the entry closest to expiry goes first');
        $this->assertSame(['b'], $b);
        $this->assertSame(['c'], $c);
    }

    public function testSettingsCannotBeChangedAtRunTime(): void
    {
        $slots = ini_get('lpapi.rate_slots');
        $this->assertFalse(@ini_set('lpapi.rate_slots', '32'));
        $this->assertFalse(@ini_set('lpapi.cache_entries', '8'));
        $this->assertSame($slots, ini_get('lpapi.rate_slots'));
        $this->assertSame((string) lpapi_info()['slots_total'], $slots);
    }

    /** @return array<string, array{string}> */
    public function invalidRateSlots(): array
    {
        return [
            'one' => ['1'],
            'zero' => ['0'],
            'one below the minimum' => ['15'],
            'one above the maximum' => ['1048577'],
        ];
    }

    /**
     * An unusable lpapi.rate_slots does not stop PHP: the rate functions throw
     * an exception naming the setting, lpapi_info() says why there is no
     * shared memory, and the key and cache functions work as usual.
     *
     * @dataProvider invalidRateSlots
     */
    public function testAnInvalidRateSlotsValueDisablesOnlyTheRateFunctions(string $slots): void
    {
        $report = $this->report(['lpapi.rate_slots' => $slots]);

        $this->assertFalse($report['info']['shared_memory']);
        $this->assertStringContainsString('lpapi.rate_slots', $report['info']['shared_memory_error'] ?? '');
        $this->assertSame(0, $report['info']['slots_total']);
        foreach (['hit', 'peek', 'reset'] as $call) {
            $this->assertArrayNotHasKey('ok', $report[$call], "lpapi_rate_{$call} worked without a table");
            // The stubs name SharedMemoryException for "the shared table could
            // not be created"; the extension reports a bad setting as an
            // InvalidArgumentException. Either is accepted here.
            $this->assertContains(
                $report[$call]['class'],
                ['LatePointApi\\Native\\SharedMemoryException', 'LatePointApi\\Native\\InvalidArgumentException'],
                "lpapi_rate_{$call}"
            );
            $this->assertStringContainsString('lpapi.rate_slots', $report[$call]['message'], "lpapi_rate_{$call}");
        }
        $this->assertSame(['ok' => true], $report['key']);
        $this->assertSame('LatePointApi\\Native\\InvalidKeyException', $report['bad_key']['class'] ?? null);
        $this->assertSame(['ok' => true], $report['key_hash']);
        $this->assertSame([['a' => 1], null, 1], $report['cache']['ok'] ?? null, 'the cache works, generation and all');
        $this->assertStringContainsString('lpapi.rate_slots', $report['phpinfo']['ok'] ?? '');
    }
}
