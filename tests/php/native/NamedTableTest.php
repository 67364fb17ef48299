<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Native;

use LatePointApi\Tests\Support\NativeTestCase;
use LatePointApi\Tests\Support\PhpProcess;

/**
 * docs/native-functions.md, "The shared table": with lpapi.shm_name set, the
 * table is the named object /dev/shm/<name>, which keeps its counts after
 * every process that used it has exited (what a php-fpm reload or restart
 * does to its master) and is shared by unrelated processes of one user; a bad
 * name or an object open to others leaves no table, and says why.
 */
final class NamedTableTest extends NativeTestCase
{
    private const HIT = <<<'PHP'
        $d = lpapi_rate_hit_many([['bucket' => 'named-table-test', 'per_day' => 5]]);
        $info = lpapi_info();
        echo json_encode(['allowed' => $d['allowed'], 'remaining' => $d['remaining'],
            'origin' => $info['shm_origin'], 'name' => $info['shm_name'], 'error' => $info['shared_memory_error'] ?? null]);
        PHP;

    private string $name = '';

    protected function setUp(): void
    {
        $this->name = 'lpapi-phptest-' . getmypid() . '-' . bin2hex(random_bytes(3));
    }

    protected function tearDown(): void
    {
        if (file_exists('/dev/shm/' . $this->name)) {
            unlink('/dev/shm/' . $this->name);
        }
    }

    /** @return array<string, mixed> */
    private function hit(?string $name = null): array
    {
        $result = PhpProcess::withExtension(['lpapi.shm_name' => $name ?? $this->name], self::HIT);
        $this->assertSame(0, $result['exit'], $result['stderr']);
        $this->assertSame('', $result['stderr']);
        $this->assertIsArray($result['json'], $result['stdout']);

        return $result['json'];
    }

    public function testCountsOutliveEveryProcessAndAreSharedByTheNextOnes(): void
    {
        $seen = [];
        foreach (range(1, 7) as $run) {
            $seen[] = $this->hit();
        }
        $this->assertSame('created', $seen[0]['origin']);
        $this->assertSame($this->name, $seen[0]['name']);
        $this->assertSame(array_fill(0, 6, 'attached'), array_column(array_slice($seen, 1), 'origin'));
        $this->assertSame([true, true, true, true, true, false, false], array_column($seen, 'allowed'), 'five a day across seven processes');
        $this->assertSame([4, 3, 2, 1, 0, 0, 0], array_column($seen, 'remaining'));
        $this->assertFileExists('/dev/shm/' . $this->name);
        $this->assertSame('0600', substr(sprintf('%o', fileperms('/dev/shm/' . $this->name)), -4), 'private to its user');
    }

    public function testWithoutTheSettingTheCliTableIsPrivate(): void
    {
        $result = PhpProcess::withExtension([], self::HIT);
        $this->assertSame(0, $result['exit'], $result['stderr']);
        $this->assertSame(['allowed' => true, 'remaining' => 4, 'origin' => 'private', 'name' => null, 'error' => null], $result['json']);
        $again = PhpProcess::withExtension([], self::HIT);
        $this->assertSame(4, $again['json']['remaining'], 'a second process starts afresh');
    }

    public function testAnObjectOpenToOthersIsRefusedAndSaysWhy(): void
    {
        $this->hit();
        chmod('/dev/shm/' . $this->name, 0644);
        $result = PhpProcess::withExtension(['lpapi.shm_name' => $this->name], 'echo json_encode(lpapi_info());');
        $info = $result['json'];
        $this->assertFalse($info['shared_memory']);
        $this->assertStringContainsString('mode 644', $info['shared_memory_error']);
        $this->assertStringContainsString($this->name, $info['shared_memory_error']);
    }

    public function testABadNameLeavesNoTableAndSaysWhy(): void
    {
        $result = PhpProcess::withExtension(['lpapi.shm_name' => '../escape'], 'echo json_encode(lpapi_info());');
        $this->assertFalse($result['json']['shared_memory']);
        $this->assertStringContainsString('lpapi.shm_name', $result['json']['shared_memory_error']);
        $this->assertFileDoesNotExist('/dev/escape');
    }
}
