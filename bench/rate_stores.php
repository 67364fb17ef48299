<?php
/**
 * What one rate decision costs by where it is counted, side by side in one
 * run: the extension on its shared-memory table, the extension on Redis
 * (lpapi.redis_url), the plugin's pure-PHP fallback on APCu, and the
 * fallback on Redis (LPAPI_REDIS_URL). Every contender makes the plugin's
 * decision for a create/update/delete: `lpapi_rate_hit_many` over two
 * buckets, the operation's (minute + day) and the key's (minute + hour + day).
 *
 *   php -d extension=target/release/liblpapi.so bench/rate_stores.php [--markdown] [--rounds=N] [--scale=F]
 *
 * The extension's store is fixed per process by its INI settings, and the
 * fallback's by a constant, so each contender is a long-lived child PHP
 * process (the same PHP, the parent's -d options, APCu on in the CLI) that
 * sets itself up once and then, when told, makes N decisions and answers
 * the nanoseconds they took. The parent runs the rounds: each round runs
 * every contender once, in an order rotated per round; the figure is each
 * contender's median. The Redis contenders run with redis_down "refuse", so
 * a Redis that stopped answering fails the run instead of being replaced,
 * silently, by the local store.
 *
 * The script starts its own redis-server (127.0.0.1, a free port, a
 * generated password, no persistence, a temporary folder) and stops it at
 * the end. Before timing, each fallback contender is checked to return
 * exactly (===) what its native counterpart on the same store returns, on
 * fresh buckets at small limits. Nothing here asserts a speed.
 */

declare(strict_types=1);

use LatePointApi\Tests\Support\PhpWorker;

const BENCH_NAME = 'rate_stores';
const BENCH_BUCKETS = 8;             // decisions go to these bucket pairs in turn
const BENCH_LIMIT = 4_000_000_000;   // per window: every timed hit is admitted
const BENCH_N_LOCAL = 20_000;        // decisions per round on shared memory / APCu (times --scale)
const BENCH_N_REDIS = 4_000;         // decisions per round on Redis (times --scale)
const BENCH_PINGS = 2_000;           // PINGs per round for the round trip

require __DIR__ . '/harness.php';
require dirname(__DIR__) . '/tests/php/support/PhpWorker.php';

// ---------------------------------------------------------------- redis-server

/**
 * Starts redis-server on a free loopback port in a temporary folder.
 *
 * @return array{process: resource, dir: string, port: int, password: string, url: string}
 */
function start_redis(): array
{
    $binary = trim((string) shell_exec('command -v redis-server'));
    if ($binary === '') {
        fail('redis-server is not installed (apt-get install redis-server, or scripts/install-deps.sh bench)');
    }
    if (!class_exists('Redis')) {
        fail('php-redis is not installed (apt-get install php-redis, or scripts/install-deps.sh bench)');
    }
    $probe = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
    if ($probe === false) {
        fail("no free loopback port: $errstr");
    }
    $port = (int) substr((string) strrchr((string) stream_socket_get_name($probe, false), ':'), 1);
    fclose($probe);
    $dir = sys_get_temp_dir() . '/lpapi-rate-stores-' . bin2hex(random_bytes(4));
    mkdir($dir, 0700);
    $password = bin2hex(random_bytes(16));
    file_put_contents("$dir/redis.conf", implode("\n", [
        'bind 127.0.0.1',
        "port $port",
        "requirepass $password",
        'save ""',
        'appendonly no',
        "dir $dir",
        'daemonize no',
        'logfile ""',
        'loglevel warning',
    ]) . "\n");
    $process = proc_open([$binary, "$dir/redis.conf"], [0 => ['file', '/dev/null', 'r'], 1 => ['file', "$dir/redis.log", 'w'], 2 => ['file', "$dir/redis.log", 'w']], $pipes);
    if (!is_resource($process)) {
        fail('could not start redis-server');
    }
    $redis = ['process' => $process, 'dir' => $dir, 'port' => $port, 'password' => $password,
        'url' => "redis://:$password@127.0.0.1:$port/0?prefix=lpapi-bench:"];
    register_shutdown_function('stop_redis', $redis);
    for ($i = 0; $i < 100; ++$i) {
        try {
            $client = redis_client($redis);
            if ($client->ping() !== false) {
                return $redis;
            }
        } catch (RedisException $e) {
            usleep(50_000);
        }
    }
    fail('redis-server did not answer: ' . file_get_contents("$dir/redis.log"));
}

function redis_client(array $redis): Redis
{
    $client = new Redis();
    $client->connect('127.0.0.1', $redis['port'], 1.0);
    $client->auth($redis['password']);
    return $client;
}

function stop_redis(array $redis): void
{
    if (is_resource($redis['process'])) {
        proc_terminate($redis['process']);
        proc_close($redis['process']);
    }
    foreach ((array) glob($redis['dir'] . '/*') as $file) {
        @unlink((string) $file);
    }
    @rmdir($redis['dir']);
}

// ---------------------------------------------------------------- the workers

/**
 * A child PHP process that runs the code it is sent (a function body), one
 * line of JSON at a time, and answers what it returned: the tests' PhpWorker,
 * started on the given PHP options, its stderr the parent's, no time limit.
 */
final class Worker extends PhpWorker
{
    /** @param list<string> $php_args */
    public function __construct(public readonly string $name, array $php_args)
    {
        try {
            $this->start($php_args, '', STDERR);
        } catch (RuntimeException $e) {
            fail("$name: " . $e->getMessage());
        }
    }

    /** What $code returned; fails the run when it threw. */
    public function value(string $code): mixed
    {
        try {
            $reply = $this->call($code, null);
        } catch (RuntimeException $e) {
            fail("{$this->name}: " . $e->getMessage());
        }
        if (!array_key_exists('ok', $reply)) {
            fail("{$this->name}: {$reply['threw']}: {$reply['message']}");
        }
        return $reply['ok'];
    }
}

/**
 * The parent's own -d options, for the workers (opcache, the JIT…), except
 * the extension and lpapi.* settings; and the extension's path.
 *
 * @return array{0: list<string>, 1: string}
 */
function forwarded_options(): array
{
    $raw = (string) @file_get_contents('/proc/self/cmdline');
    $argv = $raw !== '' ? explode("\0", rtrim($raw, "\0")) : [];
    $options = [];
    $extension = '';
    $argc = count($argv);
    for ($i = 1; $i < $argc; ++$i) {
        $value = null;
        if ($argv[$i] === '-d' && isset($argv[$i + 1])) {
            $value = $argv[++$i];
        } elseif (str_starts_with($argv[$i], '-d')) {
            $value = substr($argv[$i], 2);
        } elseif (!str_starts_with($argv[$i], '-')) {
            break;  // the script
        }
        if ($value === null) {
            continue;
        }
        if (preg_match('/^(?:zend_)?extension\s*=\s*(.*lpapi.*)$/', $value, $m)) {
            $extension = trim($m[1], '"\'');
        } elseif (!str_starts_with($value, 'lpapi.') && !str_starts_with($value, 'apc.enable_cli')) {
            $options[] = '-d';
            $options[] = $value;
        }
    }
    if ($extension === '') {
        fail('load the extension on the command line (-d extension=/path/to/liblpapi.so): the workers on the fallback must run without it');
    }
    return [$options, $extension];
}

/**
 * The four contenders, each a worker set up to make the timed decision:
 * `$GLOBALS['bench_run']($n)` makes $n decisions over the BENCH_BUCKETS
 * bucket pairs in turn and returns the nanoseconds.
 *
 * @return array<string, array{worker: Worker, native: bool, redis: bool, n: int}>
 */
function start_workers(array $redis, float $scale): array
{
    [$options, $extension] = forwarded_options();
    $common = array_merge($options, ['-d', 'apc.enable_cli=1', '-d', 'display_errors=stderr', '-d', 'error_reporting=-1']);
    $fallback = var_export(dirname(__DIR__) . '/wp-plugin/latepoint-api-keys/includes/fallback/functions.php', true);
    $defs = [
        'native, shared memory' => [true, false, ['-d', "extension=$extension"], ''],
        'native, Redis' => [true, true, ['-d', "extension=$extension", '-d', 'lpapi.redis_url="' . $redis['url'] . '"', '-d', 'lpapi.redis_down=refuse'], ''],
        'fallback, APCu' => [false, false, [], "define('LPAPI_FALLBACK_STANDALONE', true); require $fallback;"],
        'fallback, Redis' => [false, true, [], "define('LPAPI_FALLBACK_STANDALONE', true); define('LPAPI_REDIS_URL', "
            . var_export($redis['url'], true) . "); define('LPAPI_REDIS_DOWN', 'refuse'); require $fallback;"],
    ];
    $limit = BENCH_LIMIT;
    $buckets = BENCH_BUCKETS;
    $contenders = [];
    foreach ($defs as $name => [$native, $on_redis, $args, $prelude]) {
        $impl = ($native ? 'n' : 'f') . ($on_redis ? 'r' : 'l');
        $worker = new Worker($name, array_merge($common, $args));
        $worker->value($prelude . <<<PHP
            \$specs = [];
            for (\$i = 0; \$i < $buckets; ++\$i) {
                \$specs[] = [
                    ['bucket' => "bench:store:$impl:op:\$i", 'per_minute' => $limit, 'per_day' => $limit],
                    ['bucket' => "bench:store:$impl:key:\$i", 'per_minute' => $limit, 'per_hour' => $limit, 'per_day' => $limit],
                ];
                lpapi_rate_reset("bench:store:$impl:op:\$i");
                lpapi_rate_reset("bench:store:$impl:key:\$i");
            }
            \$GLOBALS['bench_specs'] = \$specs;
            \$GLOBALS['bench_run'] = static function (int \$n) use (\$specs): int {
                \$mask = count(\$specs) - 1;
                \$t = hrtime(true);
                for (\$i = 0; \$i < \$n; ++\$i) {
                    \$r = lpapi_rate_hit_many(\$specs[\$i & \$mask]);
                }
                return hrtime(true) - \$t;
            };
            return true;
            PHP);
        $state = $worker->value(<<<'PHP'
            $info = lpapi_info();
            return [
                'internal' => (new ReflectionFunction('lpapi_rate_hit_many'))->isInternal(),
                'rate_store' => $info['rate_store'],
                'redis' => $info['redis'] === null ? null : $info['redis']['down_policy'],
                'kind' => class_exists('LatePointApi\Fallback\Rate_Store', false) ? LatePointApi\Fallback\Rate_Store::kind() : null,
                'version' => $info['version'],
            ];
            PHP);
        if ($state['internal'] !== $native) {
            fail("$name: lpapi_rate_hit_many is " . ($state['internal'] ? "the extension's" : "the fallback's"));
        }
        if ($state['rate_store'] !== ($on_redis ? 'redis' : 'shared_memory') || ($on_redis && $state['redis'] !== 'refuse')) {
            fail("$name: lpapi_info() says rate_store '{$state['rate_store']}', redis_down " . var_export($state['redis'], true));
        }
        if (!$native && !$on_redis && $state['kind'] !== 'apcu') {
            fail("$name: the fallback keeps its local counters in '{$state['kind']}', not APCu");
        }
        $contenders[$name] = ['worker' => $worker, 'native' => $native, 'redis' => $on_redis,
            'n' => max(1, (int) (($on_redis ? BENCH_N_REDIS : BENCH_N_LOCAL) * $scale))];
    }
    return $contenders;
}

// ---------------------------------------------------------------- checks

/** One decision of the timed shape in $worker, at limits $m/$h/$d, on buckets named after $id. */
function decision(Worker $worker, string $id, int $m, int $h, int $d): array
{
    return $worker->value(sprintf(
        'return lpapi_rate_hit_many([["bucket" => %s, "per_minute" => %d, "per_day" => %d], ["bucket" => %s, "per_minute" => %d, "per_hour" => %d, "per_day" => %d]]);',
        var_export("check:op:$id", true), $m, $d, var_export("check:key:$id", true), $m, $h, $d
    ));
}

/**
 * On each store, the fallback answers exactly what the extension answers:
 * three hits on fresh buckets at limits 2/min, 5/hour, 10/day (the third
 * refused by the minute of both buckets), and the scope is "server" on
 * shared memory and APCu, "cluster" on Redis. Each contender first makes one
 * decision on a bucket of its own, so the first-contact flags (scope_changed,
 * cache_flushed) are behind it.
 *
 * @param array<string, array{worker: Worker, native: bool, redis: bool, n: int}> $contenders
 */
function check_equivalence(array $contenders): void
{
    foreach ($contenders as $name => $c) {
        decision($c['worker'], 'first:' . bin2hex(random_bytes(6)), 10, 10, 10);
    }
    foreach ([false, true] as $on_redis) {
        $pair = array_filter($contenders, static fn (array $c): bool => $c['redis'] === $on_redis);
        [$native_name, $fallback_name] = array_keys($pair);
        $answers = within_one_second(static function () use ($pair, $native_name, $fallback_name): array {
            $id = bin2hex(random_bytes(8));
            $answers = [];
            for ($hit = 1; $hit <= 3; ++$hit) {
                $answers[] = [
                    $hit,
                    decision($pair[$native_name]['worker'], "n:$id", 2, 5, 10),
                    decision($pair[$fallback_name]['worker'], "f:$id", 2, 5, 10),
                ];
            }
            return $answers;
        }, 'the equivalence check');
        foreach ($answers as [$hit, $native, $fallback]) {
            same_as_native("$fallback_name", 'fallback', "hit $hit at 2/min, 5/hour, 10/day", $native, $fallback);
            if ($native['allowed'] !== ($hit !== 3)) {
                fail("$native_name: hit $hit: allowed is " . var_export($native['allowed'], true));
            }
            if ($native['scope'] !== ($on_redis ? 'cluster' : 'server')) {
                fail("$native_name: scope '{$native['scope']}'");
            }
        }
    }
}

/** After timing: one more decision on each timed bucket pair is admitted, on the expected store. */
function check_still_admitted(array $contenders): void
{
    foreach ($contenders as $name => $c) {
        $scopes = $c['worker']->value('$s = []; foreach ($GLOBALS["bench_specs"] as $spec) { $r = lpapi_rate_hit_many($spec);'
            . ' $s[] = $r["allowed"] ? $r["scope"] : "refused"; } return array_values(array_unique($s));');
        $want = $c['redis'] ? 'cluster' : 'server';
        if ($scopes !== [$want]) {
            fail("$name: after timing, decisions answered " . implode(', ', $scopes) . ", not only admitted with scope $want");
        }
    }
}

// ---------------------------------------------------------------- timing

/**
 * A warm-up round, then $rounds rounds: the loopback PING, and each
 * contender's n decisions, in an order rotated per round.
 *
 * @param array<string, array{worker: Worker, native: bool, redis: bool, n: int}> $contenders
 * @return array{ns: array<string, list<float>>, ping: list<float>}
 */
function measure(array $contenders, Redis $client, int $rounds): array
{
    $run = static fn (array $c, int $n): float => $c['worker']->value("return \$GLOBALS['bench_run']($n);") / $n;
    $ping = static function () use ($client): float {
        $t = hrtime(true);
        for ($i = 0; $i < BENCH_PINGS; ++$i) {
            $client->ping();
        }
        return (hrtime(true) - $t) / BENCH_PINGS;
    };
    foreach ($contenders as $c) {
        $run($c, max(1, intdiv($c['n'], 5)));
    }
    $ping();
    $names = array_keys($contenders);
    $ns = [];
    $pings = [];
    for ($round = 0; $round < $rounds; ++$round) {
        $pings[] = $ping();
        $shift = $round % count($names);
        foreach (array_merge(array_slice($names, $shift), array_slice($names, 0, $shift)) as $name) {
            $ns[$name][] = $run($contenders[$name], $contenders[$name]['n']);
        }
    }
    return ['ns' => $ns, 'ping' => $pings];
}

// ---------------------------------------------------------------- report

/** @return list<array{string, string}> */
function environment_lines(array $contenders, string $redis_version, int $rounds): array
{
    $n_local = $contenders['native, shared memory']['n'];
    $n_redis = $contenders['native, Redis']['n'];
    return header_lines(
        ' (in the parent; the workers: see method)',
        [['redis', "redis-server $redis_version on 127.0.0.1 (started by this script: a free port, a password, no persistence), php-redis " . phpversion('redis')]],
        "one child PHP process per contender (the parent's -d options, apc.enable_cli=1; the native ones with -d extension, "
            . 'the fallback ones without it, on includes/fallback/functions.php; Redis ones with redis_down refuse); '
            . "$rounds interleaved rounds after a warm-up round (order of the four rotated each round), median ns/op; "
            . 'each decision lpapi_rate_hit_many over 2 buckets (operation: minute + day; key: minute + hour + day), limits '
            . BENCH_LIMIT . ' over ' . BENCH_BUCKETS . ' bucket pairs in turn (every hit admitted, checked after timing); '
            . number_format($n_local) . ' decisions per round on shared memory / APCu, ' . number_format($n_redis) . ' on Redis; '
            . 'round trip: ' . number_format(BENCH_PINGS) . ' PINGs from the parent through php-redis per round'
    );
}

/** @return array{rows: list<array>, ratios: list<array{string, float}>, ping: float, ping_spread: float} */
function summarize(array $timed): array
{
    $med = array_map('median', $timed['ns']);
    $rows = [];
    foreach ($timed['ns'] as $name => $samples) {
        $rows[] = ['name' => $name, 'ns' => $med[$name], 'spread' => spread($samples)];
    }
    return [
        'rows' => $rows,
        'ratios' => [
            ['native: Redis / shared memory', $med['native, Redis'] / $med['native, shared memory']],
            ['fallback: Redis / APCu', $med['fallback, Redis'] / $med['fallback, APCu']],
            ['local store: fallback (APCu) / native (shared memory)', $med['fallback, APCu'] / $med['native, shared memory']],
            ['Redis: fallback / native', $med['fallback, Redis'] / $med['native, Redis']],
            ['native on Redis / one loopback PING', $med['native, Redis'] / median($timed['ping'])],
            ['fallback on Redis / one loopback PING', $med['fallback, Redis'] / median($timed['ping'])],
        ],
        'ping' => median($timed['ping']),
        'ping_spread' => spread($timed['ping']),
    ];
}

function print_report(array $result, array $header, bool $markdown): void
{
    print_header($header, $markdown);
    if ($markdown) {
        echo "\n| # | contender | ns/op | spread |\n|---:|---|---:|---:|\n";
        foreach ($result['rows'] as $i => $row) {
            printf("| %d | %s | %.1f | %.0f%% |\n", $i + 1, $row['name'], $row['ns'], $row['spread'] * 100);
        }
        printf("| | loopback PING (php-redis, for reference) | %.1f | %.0f%% |\n", $result['ping'], $result['ping_spread'] * 100);
        echo "\n| ratio | value |\n|---|---:|\n";
        foreach ($result['ratios'] as [$what, $value]) {
            printf("| %s | %.2fx |\n", $what, $value);
        }
        echo "\nspread = (max - min) / median over the rounds.\n";
        return;
    }
    $line = str_repeat('-', 72) . "\n";
    printf("%-50s %10s %9s\n", 'contender (lpapi_rate_hit_many, 2 buckets)', 'ns/op', 'spread');
    echo $line;
    foreach ($result['rows'] as $i => $row) {
        printf("%-50s %10.1f %8.0f%%\n", ($i + 1) . '. ' . $row['name'], $row['ns'], $row['spread'] * 100);
    }
    printf("%-50s %10.1f %8.0f%%\n", '   loopback PING (php-redis, for reference)', $result['ping'], $result['ping_spread'] * 100);
    echo $line;
    foreach ($result['ratios'] as [$what, $value]) {
        printf("%-60s %9.2fx\n", $what, $value);
    }
    echo $line, "spread = (max - min) / median over the rounds\n";
}

// ---------------------------------------------------------------- main

$options = options($argv, 'usage: php -d extension=…/liblpapi.so bench/rate_stores.php [--markdown] [--rounds=N (7)] [--scale=F (1.0, multiplies the '
    . number_format(BENCH_N_LOCAL) . ' local and ' . number_format(BENCH_N_REDIS) . " Redis decisions per round)]\n");
if (!extension_loaded('lpapi')) {
    fail('the lpapi extension is not loaded: run with -d extension=/path/to/liblpapi.so');
}
note_assertions();
$redis = start_redis();
$client = redis_client($redis);
$redis_version = (string) ($client->info('server')['redis_version'] ?? 'unknown');
$contenders = start_workers($redis, $options['scale']);
check_equivalence($contenders);
$timed = timed($options['rounds'], static fn (): array => measure($contenders, $client, $options['rounds']));
check_still_admitted($contenders);
$result = summarize($timed);
print_report($result, environment_lines($contenders, $redis_version, $options['rounds']), $options['markdown']);
foreach ($contenders as $c) {
    $c['worker']->close();
}
