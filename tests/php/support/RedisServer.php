<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Support;

/**
 * A private redis-server for a test: loopback TCP on a free port and a unix
 * socket, both behind a password, no persistence (a restart starts empty),
 * in its own temporary directory. command() talks RESP over TCP.
 */
final class RedisServer
{
    public string $dir;
    public int $port;
    public string $socket;
    /** @var resource|null */
    private $process = null;

    public function __construct(public string $password)
    {
        $dir = sys_get_temp_dir() . '/lpapi-redis-' . bin2hex(random_bytes(4));
        if (!mkdir($dir, 0700)) {
            throw new \RuntimeException("cannot create {$dir}");
        }
        $this->dir = $dir;
        $this->socket = $dir . '/redis.sock';
        $this->port = self::freePort();
    }

    /** The redis-server binary, or null when it is not installed. */
    public static function binary(): ?string
    {
        foreach (explode(PATH_SEPARATOR, (string) getenv('PATH')) as $dir) {
            if ($dir !== '' && is_executable($dir . '/redis-server')) {
                return $dir . '/redis-server';
            }
        }

        return null;
    }

    private static function freePort(): int
    {
        $server = stream_socket_server('tcp://127.0.0.1:0', $errno, $error);
        if ($server === false) {
            throw new \RuntimeException("no free port: {$error}");
        }
        $name = (string) stream_socket_get_name($server, false);
        fclose($server);

        return (int) substr($name, strrpos($name, ':') + 1);
    }

    public function isRunning(): bool
    {
        return $this->process !== null;
    }

    public function start(): void
    {
        $command = [
            (string) self::binary(), '--port', (string) $this->port, '--bind', '127.0.0.1',
            '--unixsocket', $this->socket, '--unixsocketperm', '700',
            '--requirepass', $this->password, '--save', '', '--appendonly', 'no',
            '--dir', $this->dir, '--daemonize', 'no', '--logfile', $this->dir . '/redis.log',
        ];
        $process = proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => ['file', $this->dir . '/out.log', 'a'], 2 => ['file', $this->dir . '/out.log', 'a']], $pipes);
        if (!is_resource($process)) {
            throw new \RuntimeException('could not start redis-server');
        }
        $this->process = $process;
        $deadline = microtime(true) + 10;
        while (microtime(true) < $deadline) {
            try {
                if ($this->command(['PING']) === 'PONG') {
                    return;
                }
            } catch (\RuntimeException $e) {
                usleep(20000);
            }
        }
        throw new \RuntimeException('redis-server did not start: ' . @file_get_contents($this->dir . '/redis.log'));
    }

    /** Kills the server (SIGKILL) and waits until it no longer answers. */
    public function stop(): void
    {
        if ($this->process === null) {
            return;
        }
        proc_terminate($this->process, 9);
        proc_close($this->process);
        $this->process = null;
        @unlink($this->socket);
    }

    public function remove(): void
    {
        $this->stop();
        foreach (glob($this->dir . '/*') ?: [] as $file) {
            unlink($file);
        }
        rmdir($this->dir);
    }

    /** Runs one command (after AUTH) on a new connection and returns its reply. */
    public function command(array $args, int $db = 0): mixed
    {
        $stream = @stream_socket_client('tcp://127.0.0.1:' . $this->port, $errno, $error, 1.0);
        if ($stream === false) {
            throw new \RuntimeException("cannot reach redis-server: {$error}");
        }
        stream_set_timeout($stream, 2);
        try {
            $commands = [['AUTH', $this->password]];
            if ($db !== 0) {
                $commands[] = ['SELECT', (string) $db];
            }
            $commands[] = $args;
            $reply = null;
            foreach ($commands as $command) {
                $request = '*' . count($command) . "\r\n";
                foreach ($command as $arg) {
                    $request .= '$' . strlen((string) $arg) . "\r\n" . $arg . "\r\n";
                }
                fwrite($stream, $request);
                $reply = self::read($stream);
            }

            return $reply;
        } finally {
            fclose($stream);
        }
    }

    /** @param resource $stream */
    private static function read($stream): mixed
    {
        $line = fgets($stream);
        if ($line === false) {
            throw new \RuntimeException('redis-server closed the connection');
        }
        $line = substr($line, 0, -2);
        $rest = substr($line, 1);
        switch ($line[0]) {
            case '+':
                return $rest;
            case '-':
                throw new \RuntimeException('redis error: ' . $rest);
            case ':':
                return (int) $rest;
            case '$':
                if ((int) $rest < 0) {
                    return null;
                }
                $data = '';
                while (strlen($data) < (int) $rest + 2) {
                    $data .= fread($stream, (int) $rest + 2 - strlen($data));
                }
                return substr($data, 0, -2);
            case '*':
                $items = [];
                for ($i = 0; $i < (int) $rest; $i++) {
                    $items[] = self::read($stream);
                }
                return $items;
        }
        throw new \RuntimeException('unexpected reply ' . $line);
    }
}
