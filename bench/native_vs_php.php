<?php
/**
 * Native `lpapi` vs the best pure-PHP alternative, side by side in one run
 * (SPEC §9): ns per call of key parse + checksum + hash, SHA-256 alone, a
 * rate-limit hit and peek (APCu limiters on the PHP side), key generation.
 *
 *   make bench
 *   php -d extension=target/release/liblpapi.so -d apc.enable_cli=1 bench/native_vs_php.php [--markdown] [--rounds=N] [--scale=F]
 *
 * Machines are shared and noisy, so contenders are interleaved: every round
 * runs each contender of an operation once, in an order rotated per round,
 * and the figure reported is each contender's median over the rounds. Before
 * timing, every PHP contender is checked to return exactly what the native
 * function returns; the run fails if one does not. Nothing here asserts a
 * speed: it reports ratios.
 */

declare(strict_types=1);

const BENCH_NAME = 'native_vs_php';
const BENCH_BUCKETS = 8;          // buckets hit in turn by the rate-limit cases
const BENCH_KEYS = 8;             // keys parsed/hashed in turn

require __DIR__ . '/harness.php';
require __DIR__ . '/php_alternatives.php';

const BENCH_RATE_LIMIT = LPAPI_PHP_CAS_MAX; // high enough that every timed hit is allowed

function preflight(): void
{
    require_extension_and_apcu(' (or `make bench`)');
    note_assertions();
}

// ---------------------------------------------------------------- equivalence

/**
 * Calls $fn, returning its result or the short class name of what it threw
 * (the PHP alternatives throw same-named classes of their own).
 */
function outcome(callable $fn): mixed
{
    try {
        return $fn();
    } catch (Throwable $e) {
        $class = get_class($e);
        return 'threw ' . substr($class, (int) strrpos('\\' . $class, '\\'));
    }
}

function same(string $what, mixed $native, mixed $php): void
{
    same_as_native('the PHP alternative', 'php', $what, $native, $php);
}

/** @param list<string> $keys */
function check_keys(array $keys): void
{
    foreach ($keys as $i => $key) {
        same("lpapi_key_parse(key #$i)", lpapi_key_parse($key), lpapi_php_key_parse($key));
        same("lpapi_key_hash(key #$i)", lpapi_key_hash($key), lpapi_php_key_hash($key));
    }
    foreach (['', 'a', "\0binary\xff", str_repeat('x', 10000)] as $i => $data) {
        same("lpapi_key_hash(string #$i)", lpapi_key_hash($data), lpapi_php_key_hash($data));
    }

    $good = $keys[0];
    $last = $good[45];
    $bad = [
        'empty' => '',
        'short' => substr($good, 0, 45),
        'long' => $good . 'A',
        'prefix' => 'lp_prod_' . substr($good, 8),
        'upper-case prefix' => 'LP_live_' . substr($good, 8),
        'alphabet' => substr($good, 0, 20) . '-' . substr($good, 21),
        'checksum' => substr($good, 0, 45) . ($last === 'A' ? 'B' : 'A'),
        'body changed' => substr($good, 0, 10) . ($good[10] === 'A' ? 'B' : 'A') . substr($good, 11),
        'trailing newline' => substr($good, 0, 45) . "\n",
    ];
    foreach ($bad as $what => $key) {
        $native = outcome(fn () => lpapi_key_parse($key));
        $php = outcome(fn () => lpapi_php_key_parse($key));
        same("lpapi_key_parse(bad key: $what)", $native, $php);
        if ($native !== 'threw InvalidKeyException') {
            fail("lpapi_key_parse accepted a bad key ($what)");
        }
    }

    foreach (['lpapi_php_key_generate', 'lpapi_php_key_generate_random_int'] as $generate) {
        foreach (['live', 'test', 'live', 'test'] as $env) {
            $generated = $generate($env);
            $key = $generated['key'];
            if (preg_match('/^lp_(live|test)_[0-9A-Za-z]{38}$/D', $key) !== 1 || strlen($key) !== 46) {
                fail("$generate made a malformed key");
            }
            $described = $generated;
            unset($described['key']);
            same("lpapi_key_parse(key from $generate)", lpapi_key_parse($key), $described);
            same("array keys of $generate", array_keys(lpapi_key_generate($env)), array_keys($generated));
        }
        same("$generate(bad environment)", outcome(fn () => lpapi_key_generate('prod')), outcome(fn () => $generate('prod')));
    }
}

/**
 * Runs the same script of hits and peeks on fresh buckets through the native
 * limiter and each APCu one and compares every answer. A run that straddles
 * a second is retried (the answers carry time).
 */
function check_rate_limiters(): void
{
    $script = [
        // [per_minute, per_hour, cost or 0 for a peek]
        [3, 5, 1], [3, 5, 0], [3, 5, 1], [3, 5, 1], [3, 5, 0], [3, 5, 1], // minute full: denied
        [10, 5, 1], [10, 5, 0], [10, 5, 2],                             // hour refuses cost 2
        [10, 5, 1], [10, 5, 1], [10, 5, 0],                             // hour full
        [2, 4, 1],                                                      // both full: hour blocks
        [100, 100, 7], [100, 100, 0],
        [4294967295, 4294967295, 1],
    ];
    $php_hits = ['apcu_inc/apcu_dec' => 'lpapi_php_rate_hit', 'packed apcu_cas' => 'lpapi_php_rate_hit_cas'];
    foreach ($php_hits as $label => $php_hit) {
        $answers = within_one_second(static function () use ($script, $label, $php_hit): array {
            $bucket = 'bench-check-' . bin2hex(random_bytes(8));
            $answers = [];
            foreach ($script as $i => [$per_minute, $per_hour, $cost]) {
                if ($cost === 0) {
                    $native = outcome(fn () => lpapi_rate_peek($bucket, $per_minute, $per_hour));
                    $php = outcome(fn () => lpapi_php_rate_peek($bucket, $per_minute, $per_hour));
                    if ($php_hit === 'lpapi_php_rate_hit_cas') {
                        $php = $native; // the packed layout has no peek of its own here
                    }
                } else {
                    $native = outcome(fn () => lpapi_rate_hit($bucket, $per_minute, $per_hour, $cost));
                    $php = $per_minute > LPAPI_PHP_CAS_MAX && $php_hit === 'lpapi_php_rate_hit_cas'
                        ? $native // beyond what the packed layout holds (it throws, by design)
                        : outcome(fn () => $php_hit($bucket, $per_minute, $per_hour, $cost));
                }
                $answers[] = ["step $i ($label): " . ($cost ? "hit($per_minute, $per_hour, $cost)" : "peek($per_minute, $per_hour)"), $native, $php];
            }
            return $answers;
        }, 'the rate-limit check');
        foreach ($answers as [$what, $native, $php]) {
            same($what, $native, $php);
        }
    }
    foreach (['', str_repeat('b', 4097)] as $bucket) {
        same('lpapi_rate_hit(bad bucket)', outcome(fn () => lpapi_rate_hit($bucket, 1, 1)), outcome(fn () => lpapi_php_rate_hit($bucket, 1, 1)));
    }
    same('lpapi_rate_hit(limit 0)', outcome(fn () => lpapi_rate_hit('b', 0, 1)), outcome(fn () => lpapi_php_rate_hit('b', 0, 1)));
    same('lpapi_rate_hit(limit 2^32)', outcome(fn () => lpapi_rate_hit('b', 1, 4294967296)), outcome(fn () => lpapi_php_rate_hit('b', 1, 4294967296)));
}

// ---------------------------------------------------------------- timing

/**
 * The operations, each with its contenders (the native one first). A
 * contender is a closure that runs its call $n times and returns the elapsed
 * nanoseconds; the loop is the same on both sides so its overhead cancels in
 * the comparison (it is reported separately).
 *
 * @param list<string> $keys
 * @param list<string> $buckets
 * @return list<array{name: string, n: int, contenders: array<string, Closure(int): int>}>
 */
function operations(array $keys, array $buckets): array
{
    $limit = BENCH_RATE_LIMIT;
    $mask = BENCH_KEYS - 1;
    $bmask = BENCH_BUCKETS - 1;
    return [
        [
            'name' => 'key parse + checksum + hash',
            'n' => 200_000,
            'contenders' => [
                'lpapi_key_parse' => static function (int $n) use ($keys, $mask): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_key_parse($keys[$i & $mask]);
                    }
                    return hrtime(true) - $t;
                },
                'PHP: preg_match + crc32 + base62 + hash_equals + hash' => static function (int $n) use ($keys, $mask): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_php_key_parse($keys[$i & $mask]);
                    }
                    return hrtime(true) - $t;
                },
            ],
        ],
        [
            'name' => 'key hash (SHA-256, hex)',
            'n' => 200_000,
            'contenders' => [
                'lpapi_key_hash' => static function (int $n) use ($keys, $mask): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_key_hash($keys[$i & $mask]);
                    }
                    return hrtime(true) - $t;
                },
                "PHP: hash('sha256')" => static function (int $n) use ($keys, $mask): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = hash('sha256', $keys[$i & $mask]);
                    }
                    return hrtime(true) - $t;
                },
            ],
        ],
        [
            'name' => 'rate-limit hit (minute + hour)',
            'n' => 200_000,
            'contenders' => [
                'lpapi_rate_hit' => static function (int $n) use ($buckets, $bmask, $limit): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_rate_hit($buckets[$i & $bmask], $limit, $limit);
                    }
                    return hrtime(true) - $t;
                },
                'PHP: APCu apcu_inc per window (+ apcu_dec undo)' => static function (int $n) use ($buckets, $bmask, $limit): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_php_rate_hit($buckets[$i & $bmask], $limit, $limit);
                    }
                    return hrtime(true) - $t;
                },
                'PHP: APCu packed apcu_fetch/apcu_cas loop' => static function (int $n) use ($buckets, $bmask, $limit): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_php_rate_hit_cas($buckets[$i & $bmask], $limit, $limit);
                    }
                    return hrtime(true) - $t;
                },
            ],
        ],
        [
            'name' => 'rate-limit peek',
            'n' => 200_000,
            'contenders' => [
                'lpapi_rate_peek' => static function (int $n) use ($buckets, $bmask, $limit): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_rate_peek($buckets[$i & $bmask], $limit, $limit);
                    }
                    return hrtime(true) - $t;
                },
                'PHP: APCu apcu_fetch of both windows' => static function (int $n) use ($buckets, $bmask, $limit): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_php_rate_peek($buckets[$i & $bmask], $limit, $limit);
                    }
                    return hrtime(true) - $t;
                },
            ],
        ],
        [
            'name' => 'key generate',
            'n' => 50_000,
            'contenders' => [
                'lpapi_key_generate' => static function (int $n): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_key_generate('live');
                    }
                    return hrtime(true) - $t;
                },
                'PHP: random_bytes + strtr + crc32 + hash' => static function (int $n): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_php_key_generate('live');
                    }
                    return hrtime(true) - $t;
                },
                'PHP: random_int per character + crc32 + hash' => static function (int $n): int {
                    $t = hrtime(true);
                    for ($i = 0; $i < $n; ++$i) {
                        $r = lpapi_php_key_generate_random_int('live');
                    }
                    return hrtime(true) - $t;
                },
            ],
        ],
    ];
}

/**
 * @return array{rows: list<array>, loop: float}
 */
function measure(array $operations, array $keys, int $rounds, float $scale): array
{
    $groups = [];
    foreach ($operations as $op) {
        $groups[] = [
            'n' => max(1, (int) ($op['n'] * $scale)),
            'warm' => max(1, (int) ($op['n'] * $scale / 10)),
            'runs' => $op['contenders'],
        ];
    }
    $timed = interleaved($groups, $rounds, max(1, (int) (200_000 * $scale)), $keys);
    $samples = $timed['samples'];   // [op][contender] => list of ns/op
    $rows = [];
    foreach ($operations as $o => $op) {
        $names = array_keys($op['contenders']);
        $native_name = $names[0];
        $native = median($samples[$o][$native_name]);
        foreach (array_slice($names, 1) as $name) {
            $php = median($samples[$o][$name]);
            $rows[] = [
                'operation' => $op['name'],
                'native' => $native_name,
                'php' => $name,
                'native_ns' => $native,
                'php_ns' => $php,
                'ratio' => $native / $php,
                'faster' => $php / $native,
                'spread' => max(spread($samples[$o][$native_name]), spread($samples[$o][$name])),
                'n' => (int) ($op['n'] * $scale),
            ];
        }
    }
    return ['rows' => $rows, 'loop' => $timed['loop']];
}

// ---------------------------------------------------------------- report

/** @return list<array{string, string}> */
function environment_lines(int $rounds): array
{
    return header_lines('', [], "$rounds interleaved rounds (contender order rotated each round), median ns/op per contender; "
        . 'limits ' . BENCH_RATE_LIMIT . '/min and /hour over ' . BENCH_BUCKETS . ' buckets (every hit allowed); '
        . BENCH_KEYS . ' keys in turn');
}

function print_text(array $result, int $rounds): void
{
    print_header(environment_lines($rounds), false);
    $w = 0;
    foreach ($result['rows'] as $row) {
        $w = max($w, strlen($row['operation']), strlen($row['php']) + 2);
    }
    $line = str_repeat('-', $w + 56) . "\n";
    printf("%-{$w}s %12s %12s %11s %10s %8s\n", 'operation / PHP alternative', 'native ns/op', 'PHP ns/op', 'native/PHP', 'x faster', 'spread');
    echo $line;
    $last = null;
    foreach ($result['rows'] as $row) {
        if ($row['operation'] !== $last) {
            echo $row['operation'], ' (', $row['native'], ")\n";
            $last = $row['operation'];
        }
        printf(
            "%-{$w}s %12.1f %12.1f %11.2f %9.2fx %7.0f%%\n",
            '  ' . $row['php'], $row['native_ns'], $row['php_ns'], $row['ratio'], $row['faster'], $row['spread'] * 100
        );
    }
    echo $line;
    printf("empty benchmark loop: %.1f ns/op (included in every figure above, on both sides)\n", $result['loop']);
    echo "x faster = PHP ns/op / native ns/op; spread = (max - min) / median over the rounds, the worse of the two contenders\n";
}

function print_markdown(array $result, int $rounds): void
{
    print_header(environment_lines($rounds), true);
    echo "\n| operation | native | PHP alternative | native ns/op | PHP ns/op | native/PHP | PHP/native (x faster) | spread |\n";
    echo "|---|---|---|---:|---:|---:|---:|---:|\n";
    foreach ($result['rows'] as $row) {
        printf(
            "| %s | `%s` | %s | %.1f | %.1f | %.2f | %.2fx | %.0f%% |\n",
            $row['operation'], $row['native'], str_replace('PHP: ', '', $row['php']),
            $row['native_ns'], $row['php_ns'], $row['ratio'], $row['faster'], $row['spread'] * 100
        );
    }
    printf("\nEmpty benchmark loop: %.1f ns/op, included in every figure on both sides. ", $result['loop']);
    echo "Spread = (max - min) / median over the rounds, the worse of the two contenders.\n";
}

// ---------------------------------------------------------------- main

$options = options($argv, 'usage: php -d extension=…/liblpapi.so -d apc.enable_cli=1 bench/native_vs_php.php'
    . " [--markdown] [--rounds=N (7)] [--scale=F (1.0, multiplies iterations)]\n");
preflight();

$keys = [];
for ($i = 0; $i < BENCH_KEYS; ++$i) {
    $keys[] = lpapi_key_generate($i % 2 ? 'test' : 'live')['key'];
}
check_keys($keys);
check_rate_limiters();

apcu_clear_cache();
$buckets = [];
for ($i = 0; $i < BENCH_BUCKETS; ++$i) {
    $buckets[] = "bench:key:$i";
    lpapi_rate_reset($buckets[$i]);
}

$result = timed($options['rounds'], static fn (): array => measure(operations($keys, $buckets), $keys, $options['rounds'], $options['scale']));

if ($options['markdown']) {
    print_markdown($result, $options['rounds']);
} else {
    print_text($result, $options['rounds']);
}
