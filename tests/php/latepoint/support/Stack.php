<?php
/**
 * The PHPUnit side's link to the stack: runs case.php steps, each a PHP process of its own inside the
 * stack's WordPress (`scripts/stack.sh php tests/php/latepoint/case.php`, the request on standard
 * input), and holds what the bootstrap set up once: the stack's settings (`scripts/stack.sh env`), the
 * fixture's facts, the API key, the log offsets, or the reason the suite is skipped.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class Case_Failure extends \RuntimeException {
}

final class Stack {

	/** @var ?string why every test is skipped */
	public static $skipped = null;
	/** @var array<string, string> `scripts/stack.sh env` */
	public static $env = array();
	/** @var array<string, mixed> */
	public static $facts = array();
	/** @var string */
	public static $key = '';
	/** @var array<string, int> log file => its size when the suite started */
	public static $log_offsets = array();
	/** @var list<string> PHP messages the case processes printed on stderr */
	public static $stderr_messages = array();

	public static function root(): string {
		return dirname(__DIR__, 4);
	}

	/** `scripts/stack.sh env` as an array, or null (with the reason) when the stack is not running. */
	public static function read_env(?string &$why = null): ?array {
		$out = self::shell(array(self::root() . '/scripts/stack.sh', 'status'), '', $status);
		if (0 !== $status) {
			$why = 'the stack is not running (scripts/stack.sh status: ' . trim((string) preg_replace('/\s+/', ' ', $out['stdout'] . ' ' . $out['stderr'])) . ')';
			return null;
		}
		$out = self::shell(array(self::root() . '/scripts/stack.sh', 'env'), '', $status);
		$env = array();
		foreach (explode("\n", $out['stdout']) as $line) {
			if (preg_match('/^export ([A-Z0-9_]+)=(.*)$/', $line, $m)) {
				$value = $m[2];
				if (preg_match("/^'(.*)'$/s", $value, $q)) {
					$value = str_replace("'\\''", "'", $q[1]);
				}
				$env[ $m[1] ] = stripcslashes($value);
			}
		}
		return $env;
	}

	/**
	 * Runs one case.php step and returns its "result"; throws Case_Failure when it failed.
	 *
	 * @return array<string, mixed>
	 */
	public static function run(array $request): array {
		$out = self::shell(array(self::root() . '/scripts/stack.sh', 'php', 'tests/php/latepoint/case.php'), (string) json_encode($request), $status);
		self::collect_messages($out['stderr']);
		$at = strrpos($out['stdout'], "\n@@lpsuite-result@@\n");
		if (false === $at) {
			throw new Case_Failure(sprintf(
				"case.php %s gave no result (exit %d)\nstdout: %s\nstderr: %s",
				$request['command'] ?? '?',
				$status,
				substr($out['stdout'], -4000),
				substr($out['stderr'], -4000)
			));
		}
		$answer = json_decode(substr($out['stdout'], $at + strlen("\n@@lpsuite-result@@\n")), true);
		if (!is_array($answer) || empty($answer['ok'])) {
			throw new Case_Failure(sprintf(
				"case.php %s failed: %s\n%s\nstderr: %s",
				$request['command'] ?? '?',
				$answer['error'] ?? 'unreadable answer',
				$answer['trace'] ?? '',
				substr($out['stderr'], -4000)
			));
		}
		$result = (array) $answer['result'];
		$stray  = trim(substr($out['stdout'], 0, $at) . ($answer['stray_output'] ?? ''));
		if ('' !== $stray) {
			$result['stray_output'] = $stray;
		}
		$result['stderr'] = $out['stderr'];
		return $result;
	}

	/** PHP's own messages (warnings, notices, deprecations) a step printed, kept for the log test. */
	private static function collect_messages(string $stderr): void {
		foreach (preg_split('/\R/', $stderr) as $line) {
			if (preg_match('/^(PHP )?(Warning|Notice|Deprecated|Fatal error|Parse error|Strict Standards|Recoverable fatal error):/', trim((string) $line))) {
				self::$stderr_messages[] = trim((string) $line);
			}
		}
	}

	/**
	 * @param list<string> $command
	 * @return array{stdout: string, stderr: string}
	 */
	public static function shell(array $command, string $stdin, ?int &$status = null): array {
		$pipes   = array();
		$process = proc_open($command, array(0 => array('pipe', 'r'), 1 => array('pipe', 'w'), 2 => array('pipe', 'w')), $pipes, self::root());
		if (!is_resource($process)) {
			throw new Case_Failure('could not start ' . implode(' ', $command));
		}
		fwrite($pipes[0], $stdin);
		fclose($pipes[0]);
		// Read both pipes as they fill, so a chatty step cannot block on a full one.
		$stdout = '';
		$stderr = '';
		stream_set_blocking($pipes[1], false);
		stream_set_blocking($pipes[2], false);
		while (!feof($pipes[1]) || !feof($pipes[2])) {
			$read   = array_values(array_filter(array($pipes[1], $pipes[2]), static fn ($p) => !feof($p)));
			$write  = null;
			$except = null;
			if (false === stream_select($read, $write, $except, 60)) {
				break;
			}
			foreach ($read as $pipe) {
				$chunk = (string) fread($pipe, 65536);
				if ($pipe === $pipes[1]) {
					$stdout .= $chunk;
				} else {
					$stderr .= $chunk;
				}
			}
		}
		fclose($pipes[1]);
		fclose($pipes[2]);
		$status = proc_close($process);
		return array('stdout' => $stdout, 'stderr' => $stderr);
	}

	public static function site_url(): string {
		return rtrim(self::$env['LPAPI_SITE_URL'] ?? '', '/');
	}

	/** The stack's PHP logs: WordPress's debug log and php-fpm's error log. @return list<string> */
	public static function log_files(): array {
		$dir = self::$env['LPAPI_LOG_DIR'] ?? '';
		return array(
			self::$env['LPAPI_WP_DEBUG_LOG'] ?? "{$dir}/wp-debug.log",
			self::$env['LPAPI_PHP_ERROR_LOG'] ?? "{$dir}/php-error.log",
		);
	}

	public static function record_log_offsets(): void {
		foreach (self::log_files() as $file) {
			clearstatcache(true, $file);
			self::$log_offsets[ $file ] = is_file($file) ? (int) filesize($file) : 0;
		}
	}
}
