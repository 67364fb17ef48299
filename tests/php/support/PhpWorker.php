<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Support;

/**
 * A PHP CLI process that stays up and runs the code it is sent, one snippet
 * at a time, with the implementation under test configured for Redis: the
 * extension with lpapi.redis_url and lpapi.redis_down (system INI), or the
 * fallback with LPAPI_REDIS_URL and LPAPI_REDIS_DOWN. Several workers are
 * several servers: none shares a local table with another.
 *
 * A subclass may start a worker of its own (bench/rate_stores.php does):
 * its constructor calls start() with the PHP options it wants.
 */
class PhpWorker
{
    private const LOOP = <<<'PHP'
        while (($line = fgets(STDIN)) !== false) {
            try {
                $out = ['ok' => (static function (string $code) { return eval($code); })(json_decode($line, true))];
            } catch (\Throwable $e) {
                $out = ['threw' => get_class($e), 'message' => $e->getMessage()];
            }
            echo json_encode($out, JSON_PARTIAL_OUTPUT_ON_ERROR), "\n";
        }
        PHP;

    /** @var resource */
    private $process;
    /** @var array<int, resource> */
    private array $pipes;
    /** Where the worker's stderr goes: a temporary file ('' when it goes elsewhere). */
    private string $stderr = '';

    public function __construct(string $url, string $down = 'local')
    {
        if (Impl::isFallback()) {
            $prelude = sprintf(
                "define('LPAPI_FALLBACK_STANDALONE', true); define('LPAPI_REDIS_URL', %s); define('LPAPI_REDIS_DOWN', %s); require %s;",
                var_export($url, true),
                var_export($down, true),
                var_export((string) getenv('LPAPI_FALLBACK'), true)
            );
            $args = ['-d', 'apc.enable_cli=' . (ini_get('apc.enable_cli') ? '1' : '0'), '-d', 'display_errors=stderr', '-d', 'error_reporting=-1'];
        } else {
            $prelude = '';
            $args = [
                '-n', '-d', 'extension=' . Impl::extensionPath(), '-d', 'display_errors=stderr', '-d', 'error_reporting=-1',
                '-d', 'lpapi.redis_url="' . $url . '"', '-d', 'lpapi.redis_down=' . $down,
            ];
        }
        $this->start($args, $prelude);
    }

    /**
     * Starts `php $php_args -r <$prelude, then the loop>`, its stderr to a
     * temporary file (see stderr()), or to `$stderr` (a stream) when given.
     *
     * @param list<string> $php_args
     * @param resource|null $stderr
     */
    protected function start(array $php_args, string $prelude = '', $stderr = null): void
    {
        if ($stderr === null) {
            $this->stderr = (string) tempnam(sys_get_temp_dir(), 'lpapi-worker-');
            $stderr = ['file', $this->stderr, 'w'];
        }
        $process = proc_open(array_merge([PHP_BINARY], $php_args, ['-r', $prelude . self::LOOP]), [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => $stderr], $pipes);
        if (!is_resource($process)) {
            throw new \RuntimeException('could not start ' . PHP_BINARY);
        }
        $this->process = $process;
        $this->pipes = $pipes;
    }

    /**
     * Runs `$code` (a function body: `return …;`) and returns what it
     * returned (through JSON), or ['threw' => class, 'message' => …];
     * waits `$timeout` seconds at most (null: as long as it takes).
     *
     * @return array{ok?: mixed, threw?: string, message?: string}
     */
    public function call(string $code, ?float $timeout = 20.0): array
    {
        fwrite($this->pipes[0], json_encode($code) . "\n");
        fflush($this->pipes[0]);
        $read = [$this->pipes[1]];
        $write = $except = null;
        if (stream_select($read, $write, $except, $timeout === null ? null : (int) $timeout, $timeout === null ? null : 0) !== 1) {
            throw new \RuntimeException('the PHP worker did not answer: ' . $this->stderr());
        }
        $line = fgets($this->pipes[1]);
        $reply = $line === false ? null : json_decode($line, true);
        if (!is_array($reply)) {
            throw new \RuntimeException('the PHP worker failed: ' . var_export($line, true) . ' ' . $this->stderr());
        }

        return $reply;
    }

    /** What `$code` returned; fails when it threw. */
    public function value(string $code): mixed
    {
        $reply = $this->call($code);
        if (!array_key_exists('ok', $reply)) {
            throw new \RuntimeException("{$code} threw {$reply['threw']}: {$reply['message']}");
        }

        return $reply['ok'];
    }

    public function stderr(): string
    {
        return $this->stderr === '' ? '' : (string) file_get_contents($this->stderr);
    }

    public function close(): void
    {
        if (isset($this->pipes[0]) && is_resource($this->pipes[0])) {
            fclose($this->pipes[0]);
            fclose($this->pipes[1]);
            proc_close($this->process);
            if ($this->stderr !== '') {
                @unlink($this->stderr);
            }
        }
    }

    public function __destruct()
    {
        $this->close();
    }
}
