<?php
/**
 * A real HTTP receiver for webhook deliveries: `php -S` on a free loopback port, in a child process,
 * with webhook-receiver-router.php, which records each request to a file of a temporary folder and
 * answers with the status (and Location, body, delay) a test chose with answer().
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

final class WebhookReceiver {

	/** @var string */
	public $dir;
	/** @var int */
	public $port;
	/** @var resource|null */
	private $process = null;

	public function __construct() {
		$this->dir = sys_get_temp_dir() . '/lpapi-wptests-receiver-' . bin2hex(random_bytes(4));
		if (!mkdir($this->dir, 0700)) {
			throw new \RuntimeException("cannot create {$this->dir}");
		}
		$server = stream_socket_server('tcp://127.0.0.1:0', $errno, $error);
		if (false === $server) {
			throw new \RuntimeException("no free port: {$error}");
		}
		$name = (string) stream_socket_get_name($server, false);
		fclose($server);
		$this->port = (int) substr($name, strrpos($name, ':') + 1);
	}

	public function start(): void {
		$env     = array('LPAPI_RECEIVER_DIR' => $this->dir, 'PATH' => (string) getenv('PATH'));
		$command = array(PHP_BINARY, '-n', '-S', '127.0.0.1:' . $this->port, __DIR__ . '/webhook-receiver-router.php');
		$log     = $this->dir . '/server.log';
		$process = proc_open($command, array(0 => array('file', '/dev/null', 'r'), 1 => array('file', $log, 'a'), 2 => array('file', $log, 'a')), $pipes, $this->dir, $env);
		if (!is_resource($process)) {
			throw new \RuntimeException('could not start the webhook receiver');
		}
		$this->process = $process;
		$deadline      = microtime(true) + 10;
		while (microtime(true) < $deadline) {
			$socket = @stream_socket_client('tcp://127.0.0.1:' . $this->port, $errno, $error, 0.2);
			if (false !== $socket) {
				fclose($socket);
				return;
			}
			usleep(20000);
		}
		throw new \RuntimeException('the webhook receiver did not start: ' . @file_get_contents($log));
	}

	public function stop(): void {
		if (null !== $this->process) {
			proc_terminate($this->process, 9);
			proc_close($this->process);
			$this->process = null;
		}
		foreach (glob($this->dir . '/*') ?: array() as $file) {
			unlink($file);
		}
		@rmdir($this->dir);
	}

	/** How the receiver answers from now on. */
	public function answer(int $status, ?string $location = null, string $body = 'ok', float $sleep = 0.0): void {
		file_put_contents($this->dir . '/control.json', json_encode(array('status' => $status, 'location' => $location, 'body' => $body, 'sleep' => $sleep)));
	}

	/** Forgets the requests received so far. */
	public function clear(): void {
		foreach (glob($this->dir . '/request-*.json') ?: array() as $file) {
			unlink($file);
		}
	}

	/**
	 * The requests received, oldest first.
	 *
	 * @return array<int, array{method: string, path: string, headers: array<string, string>, body: string}>
	 */
	public function requests(): array {
		$files = glob($this->dir . '/request-*.json') ?: array();
		sort($files);
		return array_map(static fn (string $file): array => json_decode((string) file_get_contents($file), true), $files);
	}

	/** http://127.0.0.1:port (or with another host name, which a test's resolver maps to 127.0.0.1). */
	public function url(string $path = '/hook', string $host = '127.0.0.1'): string {
		return 'http://' . $host . ':' . $this->port . $path;
	}
}
