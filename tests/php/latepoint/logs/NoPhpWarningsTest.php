<?php
/**
 * No PHP warning, notice or error in the stack's PHP logs (WordPress's debug log, php-fpm's error log)
 * or on the case processes' stderr since the suite started, and no "WordPress database error" (a
 * failed query, a deadlock) in the debug log. Deprecations from the plugin fail too;
 * LatePoint's and WordPress's own deprecations on PHP 8.2 are listed (on stderr) but do not fail: they
 * are theirs, and the admin side raises them as much as the API side.
 *
 * LatePoint's installation also writes print_r() dumps of dbDelta() into the debug log while the
 * fixture is built; they are not PHP messages and are not counted.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class NoPhpWarningsTest extends TestCase {

	const MESSAGE = '/\bPHP (Warning|Notice|Deprecated|Fatal error|Parse error|Recoverable fatal error|Strict Standards|User (Warning|Notice|Deprecated|Error)):\s|WordPress database error /';

	public function testNoPhpWarningsInTheLogs(): void {
		$failing = array();
		$listed  = array();
		$lines   = Stack::$stderr_messages;
		foreach (Stack::log_files() as $file) {
			clearstatcache(true, $file);
			if (!is_file($file)) {
				continue;
			}
			$offset = Stack::$log_offsets[ $file ] ?? 0;
			$text   = (string) file_get_contents($file, false, null, $offset);
			foreach (preg_split('/\R/', $text) as $line) {
				if (preg_match(self::MESSAGE, (string) $line)) {
					$lines[] = basename($file) . ': ' . trim((string) $line);
				}
			}
		}
		$plugin = '/wp-plugin/latepoint-api-keys/|/plugins/latepoint-api-keys/|/tests/php/latepoint/';
		foreach (array_unique($lines) as $line) {
			$deprecation = (bool) preg_match('/(PHP )?(User )?Deprecated:/', $line);
			if ($deprecation && !preg_match("#{$plugin}#", $line)) {
				$listed[] = $line;
			} else {
				$failing[] = $line;
			}
		}
		if ($listed) {
			fwrite(STDERR, "\nPHP deprecations of LatePoint or WordPress during the suite (not failing):\n  " . implode("\n  ", $listed) . "\n");
		}
		$this->assertSame(array(), $failing, "PHP messages in the stack's logs during the suite:\n" . implode("\n", $failing));
	}
}
