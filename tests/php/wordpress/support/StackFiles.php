<?php
/**
 * Where the stack keeps its logs (from `scripts/stack.sh env`'s variables when they are set, else from
 * WordPress's own settings), how big they were when the suite started, and a scanner for full keys.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

final class StackFiles {

	const CHUNK = 8388608;

	/** @var array<string, int> file => size at the start of the suite */
	private static $start_sizes = array();

	public static function debug_log(): ?string {
		$env = getenv('LPAPI_WP_DEBUG_LOG');
		if ($env) {
			return $env;
		}
		return defined('WP_DEBUG_LOG') && is_string(WP_DEBUG_LOG) ? WP_DEBUG_LOG : null;
	}

	public static function log_dir(): ?string {
		$env = getenv('LPAPI_LOG_DIR');
		if ($env) {
			return $env;
		}
		$debug = self::debug_log();
		return null === $debug ? null : dirname($debug);
	}

	public static function php_error_log(): ?string {
		$env = getenv('LPAPI_PHP_ERROR_LOG');
		if ($env) {
			return $env;
		}
		$dir = self::log_dir();
		return null === $dir ? null : $dir . '/php-error.log';
	}

	/** The PHP error logs this process and php-fpm write to. */
	public static function error_logs(): array {
		return array_values(array_unique(array_filter(array(self::debug_log(), self::php_error_log(), (string) ini_get('error_log')))));
	}

	public static function record_start(): void {
		foreach (self::error_logs() as $file) {
			clearstatcache(true, $file);
			self::$start_sizes[ $file ] = is_file($file) ? (int) filesize($file) : 0;
		}
	}

	/** What was appended to a log since the suite started. */
	public static function since_start(string $file): string {
		clearstatcache(true, $file);
		if (!is_file($file)) {
			return '';
		}
		$start = self::$start_sizes[ $file ] ?? 0;
		if (filesize($file) < $start) {
			$start = 0; // rotated or truncated meanwhile
		}
		return (string) file_get_contents($file, false, null, $start);
	}

	/**
	 * Full keys in a file, read in overlapping chunks (logs can be large).
	 *
	 * @return string[] the matches, shortened to their display prefix (the report must not leak either)
	 */
	public static function keys_in_file(string $file): array {
		$found  = array();
		$handle = @fopen($file, 'rb');
		if (false === $handle) {
			return $found;
		}
		$carry = '';
		while (!feof($handle)) {
			$chunk = $carry . (string) fread($handle, self::CHUNK);
			$found = array_merge($found, self::keys_in($chunk));
			$carry = substr($chunk, -64);
		}
		fclose($handle);
		return array_values(array_unique($found));
	}

	/** @return string[] display prefixes of the full keys in $text */
	public static function keys_in(string $text): array {
		preg_match_all(TestCase::KEY_PATTERN, $text, $m);
		return array_values(array_unique(array_map(static fn (string $key): string => substr($key, 0, 12) . '…', $m[0])));
	}

	/** Every regular file under $dir. */
	public static function files_under(string $dir): array {
		if (!is_dir($dir)) {
			return array();
		}
		$files = array();
		$it    = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($dir, \FilesystemIterator::SKIP_DOTS));
		foreach ($it as $file) {
			if ($file->isFile()) {
				$files[] = $file->getPathname();
			}
		}
		sort($files);
		return $files;
	}
}
