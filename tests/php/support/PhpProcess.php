<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Support;

/** Runs a separate PHP CLI process (no shell involved) and collects its output. */
final class PhpProcess
{
    /**
     * @param list<string> $args arguments after the PHP binary
     * @return array{exit: int, stdout: string, stderr: string}
     */
    public static function run(array $args, float $timeout = 20.0): array
    {
        $command = array_merge([PHP_BINARY], $args);
        $pipes = [];
        $process = proc_open($command, [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        if (!is_resource($process)) {
            throw new \RuntimeException('could not start ' . PHP_BINARY);
        }
        fclose($pipes[0]);
        stream_set_blocking($pipes[1], false);
        stream_set_blocking($pipes[2], false);
        $out = ['', ''];
        $deadline = microtime(true) + $timeout;
        $open = [1 => $pipes[1], 2 => $pipes[2]];
        while ($open !== []) {
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                proc_terminate($process, 9);
                proc_close($process);
                throw new \RuntimeException(sprintf(
                    "PHP child process timed out after %.0f s: %s\nstdout: %s\nstderr: %s",
                    $timeout,
                    implode(' ', array_map('escapeshellarg', $command)),
                    $out[0],
                    $out[1]
                ));
            }
            $read = array_values($open);
            $write = $except = null;
            if (stream_select($read, $write, $except, 0, (int) min(200000, $left * 1e6)) === false) {
                continue;
            }
            foreach ($open as $fd => $pipe) {
                $chunk = fread($pipe, 65536);
                if ($chunk !== false && $chunk !== '') {
                    $out[$fd - 1] .= $chunk;
                } elseif (feof($pipe)) {
                    fclose($pipe);
                    unset($open[$fd]);
                }
            }
        }
        $exit = proc_close($process);

        return ['exit' => $exit, 'stdout' => $out[0], 'stderr' => $out[1]];
    }

    /**
     * Runs `$code` in `php -n` with the extension loaded and the given INI
     * settings, and decodes the JSON it prints.
     *
     * @param array<string, string> $ini
     * @return array{exit: int, stdout: string, stderr: string, json: mixed}
     */
    public static function withExtension(array $ini, string $code): array
    {
        $args = ['-n', '-d', 'extension=' . Impl::extensionPath(), '-d', 'display_errors=stderr', '-d', 'error_reporting=-1'];
        foreach ($ini as $name => $value) {
            $args[] = '-d';
            $args[] = $name . '=' . $value;
        }
        $args[] = '-r';
        $args[] = $code;
        $result = self::run($args);
        $result['json'] = json_decode($result['stdout'], true);

        return $result;
    }
}
