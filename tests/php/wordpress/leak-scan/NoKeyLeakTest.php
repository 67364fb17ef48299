<?php
/**
 * After every way a full key can reach the site, no full key (/lp_(live|test)_[0-9A-Za-z]{38}/) is in
 * the database, the stack's logs or the audit spool (docs/api.md: "Nothing in the database, the logs or
 * the PHP error log may contain a full key"), and the plugin raised no PHP notice, warning or
 * deprecation during the suite.
 *
 * Where it runs: in the "leak-scan" test suite, which tests/php/wordpress/phpunit.xml declares after
 * the "wordpress" suite; PHPUnit runs the suites of one run in the order the configuration declares
 * them (not by file or suite name), so in a whole run this scan sees everything the other tests
 * wrote (their rows are only removed when the process ends, Cleanup) and every log line since the
 * process started (StackFiles::since_start). Each test here also makes its own traffic, so each
 * passes or fails the same alone (--filter, --testsuite leak-scan) or in any order.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Support\Core;
use LatePointApi\Keys\Key_Service;

final class NoKeyLeakTest extends TestCase {

	/** Every way a key travels, returning the display prefixes that must be visible afterwards. */
	private function traffic(string $label): array {
		$admin   = $this->admin();
		$live    = $this->createKey(array('name' => "leak {$label} live", 'permissions' => array('services:read')));
		$test    = $this->createKey(array('name' => "leak {$label} test", 'environment' => 'test'));
		$created = $this->api('POST', '/keys', array('user' => $admin, 'json' => array('name' => self::name("leak {$label} rest"), 'permissions' => array('services:read'))));
		$this->assertSame(201, $created->status, $created->describe());
		$rest_key = $created->data['data']['key'];
		$rotated  = $this->api('POST', "/keys/{$created->data['data']['id']}/rotate", array('user' => $admin, 'json' => array('grace_seconds' => 3600)));
		$this->assertSame(201, $rotated->status, $rotated->describe());
		$new_key  = $rotated->data['data']['key'];
		$revoked  = $this->createKey(array('name' => "leak {$label} revoked"));
		Key_Service::revoke($revoked['id'], $admin);
		$unknown  = Core::key_generate('live')['key'];
		$tampered = substr($live['key'], 0, 45) . ('a' === substr($live['key'], 45) ? 'b' : 'a');

		$calls = array(
			array('GET', '/me', array('key' => $live['key'])),
			array('GET', '/me', array('bearer' => $test['key'])),
			array('GET', '/me', array('key' => $rest_key)),
			array('GET', '/me', array('key' => $new_key)),
			array('GET', '/bookings', array('key' => $live['key'])),
			array('GET', '/me', array('query' => array('api_key' => $live['key']))),
			array('GET', '/me', array('key' => $live['key'], 'query' => array('q' => $test['key']))),
			array('GET', '/me/' . $live['key'], array('key' => $live['key'])),
			array('GET', '/' . $test['key'], array()),
			array('GET', '/me', array('key' => $tampered)),
			array('GET', '/me', array('key' => $unknown)),
			array('GET', '/me', array('key' => $revoked['key'])),
			array('GET', '/me', array('key' => $live['key'] . $live['key'])),
			array('GET', '/me', array('key' => $live['key'], 'headers' => array('User-Agent' => 'curl/8 key=' . $live['key']))),
			array('GET', '/me', array('key' => $live['key'], 'headers' => array('Origin' => 'https://' . $live['key'] . '.example.com'))),
			array('GET', '/me', array('key' => $live['key'], 'server' => array('HTTP_X_FORWARDED_FOR' => $live['key']))),
			array('GET', '/keys', array('key' => $live['key'], 'user' => $admin)),
			array('POST', '/bookings', array('key' => $live['key'], 'body' => '{"note": "' . $live['key'] . '", ')),
		);
		foreach ($calls as list($method, $path, $o)) {
			$r = $this->api($method, $path, $o);
			$this->assertLessThan(500, $r->status, "{$method} {$path}: " . $r->describe());
			$this->assertSame(array(), StackFiles::keys_in($r->json), "{$method} {$path} answered with a key: " . $r->describe());
		}
		return array($live['record']['prefix'], $test['record']['prefix'], $created->data['data']['prefix'], $rotated->data['data']['prefix'], $revoked['record']['prefix']);
	}

	/** The whole database as text. */
	private static function database_dump(): string {
		global $wpdb;
		$dump = '';
		foreach ($wpdb->get_col('SHOW TABLES') as $table) {
			$offset = 0;
			do {
				$rows = $wpdb->get_results("SELECT * FROM `{$table}` LIMIT 5000 OFFSET {$offset}", ARRAY_N);
				foreach ($rows as $row) {
					$dump .= $table . "\t" . implode("\t", array_map('strval', $row)) . "\n";
				}
				$offset += 5000;
			} while (count($rows) === 5000);
		}
		return $dump;
	}

	/** Spool folders: the suite's, and the site's default ones. */
	private static function spool_files(): array {
		$files = StackFiles::files_under((string) Audit_Log::spool_dir());
		foreach ((array) glob(WP_CONTENT_DIR . '/lpapi-spool-*', GLOB_ONLYDIR) as $dir) {
			$files = array_merge($files, StackFiles::files_under($dir));
		}
		return array_values(array_unique($files));
	}

	public function test_the_scanner_finds_full_keys_and_only_them(): void {
		$key = Core::key_generate('test')['key'];
		$this->assertSame(array(substr($key, 0, 12) . '…'), StackFiles::keys_in("x {$key} y"));
		$this->assertSame(array(), StackFiles::keys_in('lp_live_AbCd…wxyz lp_test_' . str_repeat('a', 37)));
		$file = tempnam(sys_get_temp_dir(), 'lpapi-scan');
		// Across the boundary of two chunks.
		file_put_contents($file, str_repeat('.', StackFiles::CHUNK - 20) . $key . "\n");
		try {
			$this->assertSame(array(substr($key, 0, 12) . '…'), StackFiles::keys_in_file($file));
		} finally {
			unlink($file);
		}
	}

	public function test_no_full_key_in_the_database_the_logs_or_the_spool(): void {
		Audit_Log::flush();
		$in_table = $this->traffic('flushed');
		Audit_Log::flush();
		$in_spool = $this->traffic('spooled');
		$this->assertNotSame(array(), self::spooledRows(), 'the second round is still in the spool');
		error_log('lpapi wptests: the leak scan reads this log');

		$leaks = array();
		$dump  = self::database_dump();
		foreach (array_merge($in_table, $in_spool) as $prefix) {
			$this->assertStringContainsString("\t{$prefix}\t", $dump, "the dump shows the key prefix {$prefix} (the scan sees the keys table)");
		}
		foreach ($in_table as $prefix) {
			$this->assertGreaterThanOrEqual(3, substr_count($dump, "\t{$prefix}\t"), "log rows with {$prefix} reached the table");
		}
		foreach (preg_split('/\n/', $dump) as $line) {
			foreach (StackFiles::keys_in($line) as $found) {
				$leaks[] = 'database table ' . strtok($line, "\t") . ": {$found}";
			}
		}

		$spool_text = '';
		foreach (self::spool_files() as $file) {
			$spool_text .= (string) file_get_contents($file);
			foreach (StackFiles::keys_in_file($file) as $found) {
				$leaks[] = "{$file}: {$found}";
			}
		}
		foreach ($in_spool as $prefix) {
			$this->assertStringContainsString('"' . $prefix . '"', $spool_text, "the spool shows {$prefix} (the scan sees the spool)");
		}

		$logs = StackFiles::error_logs();
		$dir  = StackFiles::log_dir();
		if (null !== $dir) {
			$logs = array_merge($logs, StackFiles::files_under($dir));
		}
		$logs = array_values(array_unique($logs));
		$this->assertNotSame(array(), $logs);
		$this->assertStringContainsString('lpapi wptests: the leak scan reads this log', StackFiles::since_start((string) ini_get('error_log')));
		foreach ($logs as $file) {
			foreach (StackFiles::keys_in_file($file) as $found) {
				$leaks[] = "{$file}: {$found}";
			}
		}
		$this->assertSame(array(), array_values(array_unique($leaks)), 'full keys found (shown here by their display prefix only)');
	}

	public function test_the_plugin_raised_no_php_notice_warning_or_deprecation(): void {
		// Its own round of every kind of request, so the check covers them whichever test ran before.
		$this->traffic('notices');
		$marker = 'lpapi wptests marker ' . bin2hex(random_bytes(4));
		error_log($marker);
		$found = array();
		$seen  = false;
		foreach (StackFiles::error_logs() as $file) {
			$text = StackFiles::since_start($file);
			$seen = $seen || false !== strpos($text, $marker);
			foreach (preg_split('/\R/', $text) as $line) {
				if (preg_match('/PHP (Notice|Warning|Deprecated|Fatal error|Parse error|Strict Standards)/', $line) && false !== strpos($line, 'latepoint-api-keys/')) {
					$found[] = $line;
				}
			}
		}
		$this->assertTrue($seen, 'the scan reads the log this process writes to');
		$this->assertSame(array(), array_values(array_unique($found)));
	}
}
