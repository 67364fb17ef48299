<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Native;

use LatePointApi\Native\RateTableFullException;
use LatePointApi\Tests\Support\NativeTestCase;
use LatePointApi\Tests\Support\PhpProcess;

/**
 * The shared rate table's bookkeeping: slots, and what happens when every
 * slot holds a live bucket (RateTableFullException, never a shared counter).
 */
final class RateTableTest extends NativeTestCase
{
    public function testAFullTableRefusesANewBucketAndKeepsServingTheOthers(): void
    {
        $code = <<<'PHP'
            $startMinute = intdiv(time(), 60);
            $out = ['first' => [], 'full' => null];
            for ($i = 0; $i < 16; $i++) {
                $out['first'][] = lpapi_rate_hit("bucket-$i", 5, 50)['minute']['remaining'];
            }
            try {
                lpapi_rate_hit('bucket-16', 5, 50);
            } catch (\Throwable $e) {
                $out['full'] = [get_class($e), $e->getMessage()];
            }
            $out['info_when_full'] = lpapi_info();
            $out['again'] = [];
            for ($i = 0; $i < 16; $i++) {
                $out['again'][] = lpapi_rate_hit("bucket-$i", 5, 50)['minute']['remaining'];
            }
            $out['peek_new'] = lpapi_rate_peek('bucket-16', 5, 50);
            lpapi_rate_reset('bucket-16');
            try {
                lpapi_rate_hit('bucket-17', 5, 50, 2);
            } catch (\Throwable $e) {
                $out['full_again'] = get_class($e);
            }
            $out['info'] = lpapi_info();
            $out['minutes'] = [$startMinute, intdiv(time(), 60)];
            echo json_encode($out);
            PHP;

        // Every slot counts as live until its hour ends, so the run must not
        // straddle an hour (or, to be safe, a minute) boundary.
        for ($attempt = 1; ; $attempt++) {
            self::awayFromMinuteBoundary(5.0);
            $result = PhpProcess::withExtension(['lpapi.rate_slots' => '16'], $code);
            $this->assertSame('', $result['stderr']);
            $this->assertSame(0, $result['exit']);
            $report = $result['json'];
            $this->assertIsArray($report, $result['stdout']);
            if ($report['minutes'][0] === $report['minutes'][1] || $attempt === 2) {
                break;
            }
        }
        $this->assertSame($report['minutes'][0], $report['minutes'][1], 'two runs straddled a minute boundary');

        $this->assertSame(array_fill(0, 16, 4), $report['first']);
        $this->assertSame(16, $report['info_when_full']['slots_total']);
        $this->assertSame(16, $report['info_when_full']['slots_used']);
        $this->assertSame(16, $report['info_when_full']['slots_assigned']);
        $this->assertSame(RateTableFullException::class, $report['full'][0] ?? null, 'the 17th bucket: ' . json_encode($report['full']));
        $this->assertStringContainsString('lpapi.rate_slots', $report['full'][1]);
        $this->assertSame(1, $report['info_when_full']['rate_table_full_events']);
        $this->assertSame(array_fill(0, 16, 3), $report['again'], 'the 16 placed buckets keep counting');
        $this->assertTrue($report['peek_new']['allowed'], 'peeking at an unknown bucket needs no slot');
        $this->assertSame(5, $report['peek_new']['minute']['remaining']);
        $this->assertSame(RateTableFullException::class, $report['full_again'] ?? null);
        $this->assertSame(2, $report['info']['rate_table_full_events']);
        $this->assertSame(0, $report['info']['rate_slot_reclaims']);
    }

    public function testPeekAndResetCreateNoSlotAndAHitCreatesOne(): void
    {
        $this->inOneMinute(function (): void {
            $bucket = self::freshBucket('slots');
            $before = lpapi_info();
            lpapi_rate_peek($bucket, 10, 10);
            lpapi_rate_reset($bucket);
            $afterPeek = lpapi_info();
            $this->assertSame($before['slots_assigned'], $afterPeek['slots_assigned'], 'peek or reset took a slot');
            $this->assertSame($before['slots_used'], $afterPeek['slots_used']);

            lpapi_rate_hit($bucket, 10, 10);
            $afterHit = lpapi_info();
            $this->assertSame($before['slots_assigned'] + 1, $afterHit['slots_assigned']);
            $this->assertSame($before['slots_used'] + 1, $afterHit['slots_used']);

            lpapi_rate_hit($bucket, 10, 10);
            lpapi_rate_reset($bucket);
            $this->assertSame($afterHit['slots_assigned'], lpapi_info()['slots_assigned'], 'a known bucket keeps its slot');
        });
    }
}
