<?php
/**
 * What a rate decision costs by its shape, native and on the plugin's
 * pure-PHP fallback (APCu), side by side in one run (SPEC §9): one bucket
 * with two windows (`lpapi_rate_hit`, the baseline), one bucket with three
 * windows and two buckets (a key's operation limit and its overall limits,
 * as the plugin decides a create/update/delete) through
 * `lpapi_rate_hit_many`, and the same three through
 * `LatePointApi\Fallback\Fallback`.
 *
 *   php -d extension=target/release/liblpapi.so -d apc.enable_cli=1 bench/rate_decisions.php [--markdown] [--rounds=N] [--scale=F]
 *
 * As in native_vs_php.php, the contenders are interleaved: every round runs
 * each of the six once, in an order rotated per round, and the figure
 * reported is each contender's median over the rounds. Before timing, each
 * fallback contender is checked to return exactly what its native
 * counterpart returns on fresh buckets at the same moment; the run fails if
 * one does not. Nothing here asserts a speed: it reports ratios.
 */

declare(strict_types=1);

use LatePointApi\Fallback\Fallback;
use LatePointApi\Fallback\Rate_Store;

const BENCH_NAME = 'rate_decisions';
const BENCH_BUCKETS = 8;             // buckets hit in turn by every contender
const BENCH_LIMIT = 4_000_000_000;   // per window: high enough that every timed hit is admitted
const BENCH_N = 50_000;              // calls per contender per round (times --scale)

require __DIR__ . '/harness.php';

/** Loads the fallback's classes next to the extension, and checks both are what is measured. */
function preflight(): void
{
    // Before the fallback is loaded: without the extension its functions.php would define the
    // lpapi_* functions in PHP, and the "native" contenders would be the fallback.
    require_extension_and_apcu();
    define('LPAPI_FALLBACK_STANDALONE', true);
    require dirname(__DIR__) . '/wp-plugin/latepoint-api-keys/includes/fallback/functions.php';
    foreach (['lpapi_rate_hit', 'lpapi_rate_hit_many', 'lpapi_rate_reset'] as $function) {
        if (!(new ReflectionFunction($function))->isInternal()) {
            fail("$function is not the extension's (the fallback's functions.php defined it)");
        }
    }
    if (!class_exists(Fallback::class, false) || !class_exists(Rate_Store::class, false)) {
        fail('the fallback classes did not load');
    }
    $kind = Rate_Store::kind();
    if ($kind !== 'apcu') {
        fail("the fallback keeps its counters in '$kind', not APCu (run with -d apc.enable_cli=1)");
    }
    note_assertions();
}

// ---------------------------------------------------------------- the shapes

/**
 * The three shapes of decision, each as a call on a native and on a fallback
 * implementation. $b is the key's overall bucket, $op its operation's; a
 * `many` shape's argument is built by $spec (outside the timed loop).
 *
 * @return list<array{name: string, spec: ?Closure(string, string, int, int, int): array}>
 */
function shapes(): array
{
    return [
        ['name' => '1 bucket: minute + hour', 'spec' => null],
        [
            'name' => '1 bucket: minute + hour + day',
            'spec' => static fn (string $op, string $b, int $m, int $h, int $d): array => [
                ['bucket' => $b, 'per_minute' => $m, 'per_hour' => $h, 'per_day' => $d],
            ],
        ],
        [
            'name' => '2 buckets: operation (minute + day), key (minute + hour + day)',
            'spec' => static fn (string $op, string $b, int $m, int $h, int $d): array => [
                ['bucket' => $op, 'per_minute' => $m, 'per_day' => $d],
                ['bucket' => $b, 'per_minute' => $m, 'per_hour' => $h, 'per_day' => $d],
            ],
        ],
    ];
}

/** One decision of shape $shape on the native (or the fallback) implementation. */
function decide(bool $native, int $shape, string $op, string $b, int $m, int $h, int $d): array
{
    if ($shape === 0) {
        return $native ? lpapi_rate_hit($b, $m, $h) : Fallback::rate_hit($b, $m, $h);
    }
    $spec = (shapes()[$shape]['spec'])($op, $b, $m, $h, $d);
    return $native ? lpapi_rate_hit_many($spec) : Fallback::rate_hit_many($spec);
}

// ---------------------------------------------------------------- equivalence

function same(string $what, mixed $native, mixed $fallback): void
{
    same_as_native('the fallback', 'fallback', $what, $native, $fallback);
}

/**
 * Runs the same hits on fresh buckets through both implementations, shape by
 * shape, and compares every answer (===): three hits at the timed limits, and
 * three at small limits, the third refused (by the minute; by the day; by
 * the minute of both buckets). The counters are separate (shared memory and APCu), so
 * each implementation gets its own bucket names. The answers carry time
 * (reset, retry_after), so a run that straddles a second is retried.
 */
function check_equivalence(): void
{
    $limit = BENCH_LIMIT;
    $scripts = [
        // [per_minute, per_hour, per_day] per shape; the operation bucket takes per_minute and per_day.
        [[$limit, $limit, $limit], [2, 5, 0]],
        [[$limit, $limit, $limit], [5, 5, 2]],
        [[$limit, $limit, $limit], [2, 5, 10]],
    ];
    foreach (shapes() as $s => $shape) {
        $answers = within_one_second(static function () use ($scripts, $s, $shape, $limit): array {
            $id = bin2hex(random_bytes(8));
            $answers = [];
            foreach ($scripts[$s] as $set => [$m, $h, $d]) {
                $d = $d ?: $limit;
                for ($hit = 1; $hit <= 3; ++$hit) {
                    $answers[] = [
                        "{$shape['name']}, limits $m/$h/$d, hit $hit",
                        decide(true, $s, "check:n:op:$id:$set", "check:n:key:$id:$set", $m, $h, $d),
                        decide(false, $s, "check:f:op:$id:$set", "check:f:key:$id:$set", $m, $h, $d),
                    ];
                }
            }
            return $answers;
        }, 'the equivalence check');
        foreach ($answers as $i => [$what, $native, $fallback]) {
            same($what, $native, $fallback);
            $expected = $i !== 5;   // the third hit at the small limits is refused
            if ($native['allowed'] !== $expected) {
                fail("$what: allowed is " . var_export($native['allowed'], true) . ', expected ' . var_export($expected, true));
            }
        }
    }
}

// ---------------------------------------------------------------- timing

/**
 * The six contenders, native first. A contender is a closure that makes $n
 * decisions over BENCH_BUCKETS buckets in turn and returns the elapsed
 * nanoseconds; the arguments of `many` are built before the loop, and the
 * loop is the same everywhere so its overhead cancels (it is reported
 * separately).
 *
 * @return array<string, array{shape: int, native: bool, run: Closure(int): int}>
 */
function contenders(): array
{
    $limit = BENCH_LIMIT;
    $mask = BENCH_BUCKETS - 1;
    $contenders = [];
    foreach ([true, false] as $native) {
        $impl = $native ? 'n' : 'f';
        $keys = $specs = [];
        foreach (shapes() as $s => $shape) {
            for ($i = 0; $i < BENCH_BUCKETS; ++$i) {
                $keys[$i] = "bench:rate:$impl:key:$i";
                if ($shape['spec'] !== null) {
                    $specs[$s][$i] = ($shape['spec'])("bench:rate:$impl:op:$i", $keys[$i], $limit, $limit, $limit);
                }
            }
        }
        $one = $specs[1];
        $two = $specs[2];
        if ($native) {
            $runs = [
                'lpapi_rate_hit' => static function (int $n) use ($keys, $mask, $limit): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_rate_hit($keys[$i & $mask], $limit, $limit);
                    }
                    return hrtime(true) - $t;
                },
                'lpapi_rate_hit_many (1 bucket)' => static function (int $n) use ($one, $mask): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_rate_hit_many($one[$i & $mask]);
                    }
                    return hrtime(true) - $t;
                },
                'lpapi_rate_hit_many (2 buckets)' => static function (int $n) use ($two, $mask): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_rate_hit_many($two[$i & $mask]);
                    }
                    return hrtime(true) - $t;
                },
            ];
        } else {
            $runs = [
                'Fallback::rate_hit' => static function (int $n) use ($keys, $mask, $limit): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = Fallback::rate_hit($keys[$i & $mask], $limit, $limit);
                    }
                    return hrtime(true) - $t;
                },
                'Fallback::rate_hit_many (1 bucket)' => static function (int $n) use ($one, $mask): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = Fallback::rate_hit_many($one[$i & $mask]);
                    }
                    return hrtime(true) - $t;
                },
                'Fallback::rate_hit_many (2 buckets)' => static function (int $n) use ($two, $mask): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = Fallback::rate_hit_many($two[$i & $mask]);
                    }
                    return hrtime(true) - $t;
                },
            ];
        }
        $s = 0;
        foreach ($runs as $name => $run) {
            $contenders[$name] = ['shape' => $s++, 'native' => $native, 'run' => $run];
        }
    }
    return $contenders;
}

/** Forgets the timed buckets' counts on both sides. */
function reset_buckets(): void
{
    for ($i = 0; $i < BENCH_BUCKETS; ++$i) {
        foreach (['key', 'op'] as $role) {
            lpapi_rate_reset("bench:rate:n:$role:$i");
            Fallback::rate_reset("bench:rate:f:$role:$i");
        }
    }
}

/** After timing: one more decision of each contender on each bucket is still admitted. */
function check_still_admitted(): void
{
    $limit = BENCH_LIMIT;
    foreach (shapes() as $s => $shape) {
        foreach (['n' => true, 'f' => false] as $impl => $native) {
            for ($i = 0; $i < BENCH_BUCKETS; ++$i) {
                $r = decide($native, $s, "bench:rate:$impl:op:$i", "bench:rate:$impl:key:$i", $limit, $limit, $limit);
                if ($r['allowed'] !== true) {
                    fail(($native ? 'native' : 'fallback') . " {$shape['name']}: a hit after timing was refused");
                }
            }
        }
    }
}

/**
 * @param array<string, array{shape: int, native: bool, run: Closure(int): int}> $contenders
 * @return array{rows: list<array>, shapes: list<array>, loop: float, n: int}
 */
function measure(array $contenders, int $rounds, float $scale): array
{
    $n = max(1, (int) (BENCH_N * $scale));
    $names = array_keys($contenders);
    $loop_keys = [];
    for ($i = 0; $i < BENCH_BUCKETS; ++$i) {
        $loop_keys[] = "bench:rate:n:key:$i";
    }
    $group = ['n' => $n, 'warm' => max(1, intdiv($n, 10)), 'runs' => array_map(static fn (array $c): Closure => $c['run'], $contenders)];
    $timed = interleaved([$group], $rounds, $n, $loop_keys);
    $samples = $timed['samples'][0];
    $rows = [];
    $by_shape = [];
    $baseline = median($samples[$names[0]]);
    foreach ($contenders as $name => $contender) {
        $ns = median($samples[$name]);
        $rows[] = [
            'contender' => $name,
            'shape' => shapes()[$contender['shape']]['name'],
            'native' => $contender['native'],
            'ns' => $ns,
            'vs_baseline' => $ns / $baseline,
            'spread' => spread($samples[$name]),
        ];
        $by_shape[$contender['shape']][$contender['native'] ? 'native' : 'apcu'] = $ns;
    }
    $shapes = [];
    foreach (shapes() as $s => $shape) {
        $shapes[] = [
            'shape' => $shape['name'],
            'native' => $by_shape[$s]['native'],
            'apcu' => $by_shape[$s]['apcu'],
            'faster' => $by_shape[$s]['apcu'] / $by_shape[$s]['native'],
        ];
    }
    return ['rows' => $rows, 'shapes' => $shapes, 'loop' => $timed['loop'], 'n' => $n];
}

// ---------------------------------------------------------------- report

/** @return list<array{string, string}> */
function environment_lines(int $rounds, int $n): array
{
    $info = lpapi_info();
    $table = $info['shm_name'] === null
        ? "private (lpapi_info()['shm_origin'] = '{$info['shm_origin']}': no lpapi.shm_name)"
        : "named '{$info['shm_name']}' (lpapi_info()['shm_origin'] = '{$info['shm_origin']}')";
    return header_lines(
        ' (fallback counters: ' . Rate_Store::kind() . ')',
        [['table', $table]],
        "$rounds interleaved rounds of " . number_format($n) . ' calls per contender after a warm-up round '
            . '(order of the six rotated each round), median ns/op per contender; limits ' . BENCH_LIMIT
            . ' per window over ' . BENCH_BUCKETS . ' buckets in turn (every hit admitted, checked after timing); '
            . 'the lpapi_rate_hit_many arguments built before the loop'
    );
}

function print_text(array $result, int $rounds): void
{
    print_header(environment_lines($rounds, $result['n']), false);
    $w = 0;
    foreach ($result['rows'] as $row) {
        $w = max($w, strlen($row['contender']) + 4);
    }
    $sw = 0;
    foreach ($result['shapes'] as $shape) {
        $sw = max($sw, strlen($shape['shape']) + 8);
    }
    $line = str_repeat('-', max($w + 42, $sw + 34)) . "\n";
    printf("%-{$w}s %10s %8s %11s %8s\n", 'contender', 'impl', 'ns/op', 'vs #1', 'spread');
    echo $line;
    foreach ($result['rows'] as $i => $row) {
        printf(
            "%-{$w}s %10s %8.1f %10.2fx %7.0f%%\n",
            ($i + 1) . '. ' . $row['contender'], $row['native'] ? 'native' : 'APCu', $row['ns'], $row['vs_baseline'], $row['spread'] * 100
        );
    }
    echo $line;
    printf("%-{$sw}s %12s %10s %9s\n", 'shape (native # / APCu #)', 'native ns/op', 'APCu ns/op', 'x faster');
    foreach ($result['shapes'] as $s => $shape) {
        printf(
            "%-{$sw}s %12.1f %10.1f %8.2fx\n",
            sprintf('%d / %d  %s', $s + 1, $s + 4, $shape['shape']), $shape['native'], $shape['apcu'], $shape['faster']
        );
    }
    echo $line;
    printf("empty benchmark loop: %.1f ns/op (included in every figure above)\n", $result['loop']);
    echo "vs #1 = ns/op / ns/op of lpapi_rate_hit (native, 1 bucket, minute + hour); x faster = APCu ns/op / native ns/op;\n",
        "spread = (max - min) / median over the rounds\n";
}

function print_markdown(array $result, int $rounds): void
{
    print_header(environment_lines($rounds, $result['n']), true);
    echo "\n| # | contender | implementation | shape | ns/op | vs #1 | spread |\n";
    echo "|---:|---|---|---|---:|---:|---:|\n";
    foreach ($result['rows'] as $i => $row) {
        printf(
            "| %d | `%s` | %s | %s | %.1f | %.2fx | %.0f%% |\n",
            $i + 1, $row['contender'], $row['native'] ? 'native' : 'fallback, APCu', $row['shape'],
            $row['ns'], $row['vs_baseline'], $row['spread'] * 100
        );
    }
    echo "\n| shape | native ns/op | APCu ns/op | APCu/native (x faster) |\n";
    echo "|---|---:|---:|---:|\n";
    foreach ($result['shapes'] as $shape) {
        printf("| %s | %.1f | %.1f | %.2fx |\n", $shape['shape'], $shape['native'], $shape['apcu'], $shape['faster']);
    }
    printf("\nEmpty benchmark loop: %.1f ns/op, included in every figure. ", $result['loop']);
    echo "vs #1 = ns/op / ns/op of contender 1; spread = (max - min) / median over the rounds.\n";
}

// ---------------------------------------------------------------- main

$options = options($argv, 'usage: php -d extension=…/liblpapi.so -d apc.enable_cli=1 [-d lpapi.shm_name=NAME] bench/rate_decisions.php'
    . ' [--markdown] [--rounds=N (7)] [--scale=F (1.0, multiplies the ' . number_format(BENCH_N) . " calls per round)]\n");
preflight();

check_equivalence();
reset_buckets();

$result = timed($options['rounds'], static fn (): array => measure(contenders(), $options['rounds'], $options['scale']));
check_still_admitted();

if ($options['markdown']) {
    print_markdown($result, $options['rounds']);
} else {
    print_text($result, $options['rounds']);
}
