<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Support;

/**
 * Forks children of the test process (they inherit the extension's shared
 * memory, as php-fpm workers do) and collects what each returns.
 */
final class Fork
{
    /**
     * Runs `$child($index)` in `$count` forked children at once. Each child's
     * return value travels back as JSON through its own socket pair; a child
     * never returns into PHPUnit: it SIGKILLs itself once it has reported, so
     * no shutdown function, destructor or output buffer of the test runner
     * runs twice.
     *
     * @param callable(int): mixed $child
     * @return list<mixed> the children's return values, by index
     * @throws \RuntimeException when a child failed, threw, or timed out
     */
    public static function run(int $count, callable $child, float $timeout = 20.0): array
    {
        $sockets = [];
        $pids = [];
        for ($i = 0; $i < $count; $i++) {
            $pair = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
            if ($pair === false) {
                self::killAll($pids);
                throw new \RuntimeException('stream_socket_pair failed');
            }
            $pid = pcntl_fork();
            if ($pid === -1) {
                self::killAll($pids);
                throw new \RuntimeException('pcntl_fork failed');
            }
            if ($pid === 0) {
                self::child($pair, $child, $i); // never returns
            }
            fclose($pair[1]);
            stream_set_blocking($pair[0], false); // reads below must not wait past the deadline
            $sockets[$i] = $pair[0];
            $pids[$i] = $pid;
        }

        $raw = array_fill(0, $count, '');
        $open = $sockets;
        $deadline = microtime(true) + $timeout;
        while ($open !== []) {
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                self::killAll($pids);
                throw new \RuntimeException("forked children did not report within {$timeout} s");
            }
            $read = array_values($open);
            $write = $except = null;
            if (stream_select($read, $write, $except, 0, (int) min(200000, $left * 1e6)) === false) {
                continue;
            }
            foreach ($open as $i => $socket) {
                $chunk = fread($socket, 65536);
                if ($chunk !== false && $chunk !== '') {
                    $raw[$i] .= $chunk;
                } elseif (feof($socket)) {
                    fclose($socket);
                    unset($open[$i]);
                }
            }
        }
        foreach ($pids as $pid) {
            $status = 0;
            do {
                $waited = pcntl_waitpid($pid, $status);
            } while ($waited === -1 && pcntl_get_last_error() === PCNTL_EINTR); // retry when a signal interrupted the wait
        }

        $results = [];
        $errors = [];
        foreach ($raw as $i => $json) {
            $report = json_decode($json, true);
            if (!is_array($report) || !array_key_exists('ok', $report)) {
                $errors[] = "child {$i} sent no report (" . var_export($json, true) . ')';
            } elseif ($report['ok'] !== true) {
                $errors[] = "child {$i}: " . (string) ($report['error'] ?? '?');
            } else {
                $results[$i] = $report['value'];
            }
        }
        if ($errors !== []) {
            throw new \RuntimeException("forked children failed:\n" . implode("\n", $errors));
        }

        return $results;
    }

    /**
     * @param array{0: resource, 1: resource} $pair
     * @return never
     */
    private static function child(array $pair, callable $child, int $index): void
    {
        try {
            fclose($pair[0]);
            $report = ['ok' => false, 'error' => 'no result'];
            try {
                $report = ['ok' => true, 'value' => $child($index)];
            } catch (\Throwable $e) {
                $report = ['ok' => false, 'error' => get_class($e) . ': ' . $e->getMessage()];
            }
            fwrite($pair[1], (string) json_encode($report, JSON_INVALID_UTF8_SUBSTITUTE | JSON_PARTIAL_OUTPUT_ON_ERROR));
            fclose($pair[1]);
        } finally {
            posix_kill(posix_getpid(), SIGKILL);
            exit(70); // not reached
        }
    }

    /** @param array<int, int> $pids */
    private static function killAll(array $pids): void
    {
        foreach ($pids as $pid) {
            posix_kill($pid, SIGKILL);
            pcntl_waitpid($pid, $status);
        }
    }
}
