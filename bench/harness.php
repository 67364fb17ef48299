<?php
/**
 * What bench/native_vs_php.php and bench/rate_decisions.php share: the
 * options, the preflight checks, the one-second retry of an equivalence
 * check, the interleaved timing rounds and their medians, and the header of
 * the report (machine, PHP build, date, command).
 *
 * A script defines BENCH_NAME (its file name without `.php`, the prefix of
 * everything it writes to stderr) and then requires this file.
 */

declare(strict_types=1);

/** Writes "BENCH_NAME: $message" to stderr. */
function note(string $message): void
{
    fwrite(STDERR, BENCH_NAME . ": $message\n");
}

function fail(string $message): never
{
    note($message);
    exit(1);
}

/**
 * Parses `--markdown`, `--rounds=N` and `--scale=F`; `--help` prints $usage
 * and exits, anything else fails.
 *
 * @return array{markdown: bool, rounds: int, scale: float}
 */
function options(array $argv, string $usage): array
{
    $options = ['markdown' => false, 'rounds' => 7, 'scale' => 1.0];
    foreach (array_slice($argv, 1) as $arg) {
        if ($arg === '--markdown') {
            $options['markdown'] = true;
        } elseif (preg_match('/^--rounds=(\d+)$/', $arg, $m) && (int) $m[1] >= 1) {
            $options['rounds'] = (int) $m[1];
        } elseif (preg_match('/^--scale=(\d+(?:\.\d+)?)$/', $arg, $m) && (float) $m[1] > 0) {
            $options['scale'] = (float) $m[1];
        } elseif ($arg === '--help' || $arg === '-h') {
            echo $usage;
            exit(0);
        } else {
            fail("unknown argument $arg (try --help)");
        }
    }
    return $options;
}

/**
 * Fails unless the extension is loaded with its shared memory and APCu is
 * enabled; $hint ends the first two messages.
 */
function require_extension_and_apcu(string $hint = ''): void
{
    if (!extension_loaded('lpapi')) {
        fail("the lpapi extension is not loaded: run with -d extension=/path/to/liblpapi.so$hint");
    }
    if (!function_exists('apcu_enabled') || !apcu_enabled()) {
        fail("APCu is missing or disabled: install php-apcu and run with -d apc.enable_cli=1$hint");
    }
    if (!lpapi_info()['shared_memory']) {
        fail('the extension has no shared memory: ' . (lpapi_info()['shared_memory_error'] ?? 'unknown error'));
    }
}

function note_assertions(): void
{
    if (ini_get('zend.assertions') === '1') {
        note('note: zend.assertions=1 slows the PHP side; production runs with -1');
    }
}

// ---------------------------------------------------------------- equivalence

/**
 * Fails unless $native === $other: "$subject differs from the native
 * function on $what", with both values, the other one labelled $label.
 */
function same_as_native(string $subject, string $label, string $what, mixed $native, mixed $other): void
{
    if ($native !== $other) {
        $width = max(strlen('native'), strlen($label)) + 2;
        fail("$subject differs from the native function on $what:\n  " . str_pad('native:', $width)
            . var_export($native, true) . "\n  " . str_pad("$label:", $width) . var_export($other, true));
    }
}

/**
 * Runs $collect until one run of it begins and ends within the same second
 * (the answers it collects carry time) and returns that run's result; fails
 * after three runs that straddle a second.
 */
function within_one_second(callable $collect, string $during): mixed
{
    for ($attempt = 1; ; ++$attempt) {
        $start = time();
        $result = $collect();
        if (time() === $start) {
            return $result;
        }
        if ($attempt === 3) {
            fail("the clock kept crossing a second during $during");
        }
    }
}

// ---------------------------------------------------------------- timing

/**
 * The benchmark loop with nothing in it, for reference: $n reads of $items
 * in turn (a power of two of them).
 *
 * @param list<string> $items
 */
function empty_loop(int $n, array $items): int
{
    $mask = count($items) - 1;
    $t = hrtime(true);
    for ($i = 0; $i < $n; ++$i) {
        $r = $items[$i & $mask];
    }
    return hrtime(true) - $t;
}

/** @param list<float> $xs */
function median(array $xs): float
{
    sort($xs);
    $c = count($xs);
    return $c % 2 ? $xs[intdiv($c, 2)] : ($xs[$c / 2 - 1] + $xs[$c / 2]) / 2;
}

/** @param list<float> $xs (max - min) / median */
function spread(array $xs): float
{
    return (max($xs) - min($xs)) / median($xs);
}

/**
 * Times groups of contenders in interleaved rounds. A contender is a closure
 * that runs its call $n times and returns the elapsed nanoseconds. First a
 * warm-up round, not recorded (fills caches, creates counters, lets the CPU
 * clock up): each contender once with its group's `warm`. Then every round
 * times the empty loop ($loop_n reads of $loop_items) and each group's
 * contenders once with the group's `n`, in an order rotated per round.
 *
 * @param list<array{n: int, warm: int, runs: array<string, Closure(int): int>}> $groups
 * @param list<string> $loop_items
 * @return array{samples: list<array<string, list<float>>>, loop: float} ns/op per
 *         group and contender, and the empty loop's median ns/op
 */
function interleaved(array $groups, int $rounds, int $loop_n, array $loop_items): array
{
    foreach ($groups as $group) {
        foreach ($group['runs'] as $run) {
            $run($group['warm']);
        }
    }
    $samples = [];
    $loop = [];
    for ($round = 0; $round < $rounds; ++$round) {
        $loop[] = empty_loop($loop_n, $loop_items) / $loop_n;
        foreach ($groups as $g => $group) {
            $names = array_keys($group['runs']);
            $shift = $round % count($names);
            foreach (array_merge(array_slice($names, $shift), array_slice($names, 0, $shift)) as $name) {
                $samples[$g][$name][] = ($group['runs'][$name])($group['n']) / $group['n'];
            }
        }
    }
    return ['samples' => $samples, 'loop' => median($loop)];
}

/** Notes the timing's start and its duration on stderr around $measure, and returns its result. */
function timed(int $rounds, callable $measure): mixed
{
    note("equivalence checked; timing $rounds rounds…");
    $started = hrtime(true);
    $result = $measure();
    note(sprintf('done in %.1f s', (hrtime(true) - $started) / 1e9));
    return $result;
}

// ---------------------------------------------------------------- report

function cpu_model(): string
{
    $info = @file_get_contents('/proc/cpuinfo');
    if ($info !== false && preg_match('/^model name\s*:\s*(.+)$/m', $info, $m)) {
        return trim($m[1]);
    }
    return php_uname('m');
}

function cpu_count(): int
{
    $info = @file_get_contents('/proc/cpuinfo');
    $count = $info === false ? 0 : preg_match_all('/^processor\s*:/m', $info);
    return $count > 0 ? $count : 1;
}

/** This process's exact command line (from /proc), or a reconstruction. */
function command_line(): string
{
    $raw = @file_get_contents('/proc/self/cmdline');
    $argv = $raw !== false && $raw !== '' ? explode("\0", rtrim($raw, "\0")) : $_SERVER['argv'];
    return implode(' ', array_map(
        static fn (string $a): string => preg_match('/^[\w.\/=:+,@%-]+$/', $a) ? $a : escapeshellarg($a),
        $argv
    ));
}

/**
 * The header of a report: date, command, PHP build, extensions (followed by
 * $extensions_note), the lines of $more, CPU and $method.
 *
 * @param list<array{string, string}> $more
 * @return list<array{string, string}>
 */
function header_lines(string $extensions_note, array $more, string $method): array
{
    $opcache = function_exists('opcache_get_status') && ini_get('opcache.enable_cli') ? 'on' : 'off';
    $jit = $opcache === 'on' && (int) ini_get('opcache.jit_buffer_size') > 0 ? (ini_get('opcache.jit') ?: 'tracing') : 'off';
    return [
        ['date', gmdate('Y-m-d H:i:s') . ' UTC'],
        ['command', command_line()],
        ['php', PHP_VERSION . ' ' . PHP_SAPI . (PHP_ZTS ? ' ZTS' : ' NTS') . ", opcache $opcache, JIT $jit"],
        ['extensions', 'lpapi ' . lpapi_info()['version'] . ', apcu ' . phpversion('apcu') . $extensions_note],
        ...$more,
        ['cpu', cpu_model() . ' (' . cpu_count() . ' logical CPUs), ' . php_uname('s') . ' ' . php_uname('r')],
        ['method', $method],
    ];
}

/** @param list<array{string, string}> $lines the header, as text (then an empty line) or as a Markdown list */
function print_header(array $lines, bool $markdown): void
{
    foreach ($lines as [$k, $v]) {
        if ($markdown) {
            echo $k === 'command' ? "- $k: `$v`\n" : "- $k: $v\n";
        } else {
            printf("%-11s %s\n", $k . ':', $v);
        }
    }
    if (!$markdown) {
        echo "\n";
    }
}
