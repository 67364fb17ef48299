<?php
/**
 * docs/api.md: the audit log (spooled after the response, flushed in batches, never lost while the
 * database is down), the daily usage counts, last-used times (moved at most once a minute) and the
 * retention purge.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Audit\Log_Query;
use LatePointApi\Support\Schema;
use LatePointApi\Audit\Spool;

final class AuditLogTest extends TestCase {

	protected function setUp(): void {
		parent::setUp();
		Audit_Log::flush(); // start from an empty spool
		$this->assertSame(array(), self::spooledRows());
	}

	/** A crafted row, as Authenticator writes them. */
	private static function row(array $over): array {
		return $over + array(
			'created_at'  => Audit_Log::now_ms(),
			'request_id'  => 'req_wptest' . bin2hex(random_bytes(7)),
			'event'       => 'request',
			'key_id'      => null,
			'key_prefix'  => '',
			'method'      => 'GET',
			'route'       => '/latepoint-api/v1/me',
			'status'      => 200,
			'error_code'  => '',
			'client_ip'   => '192.0.2.1',
			'user_agent'  => 'wptests',
			'duration_ms' => 3,
		);
	}

	private static function ms(int $time): string {
		return gmdate('Y-m-d H:i:s', $time) . '.000';
	}

	public function test_requests_are_spooled_not_written_and_a_flush_moves_them_into_the_table(): void {
		$k = $this->createKey(array('name' => 'spooled', 'permissions' => array('services:read')));
		$requests = array(
			$this->api('GET', '/me', array('key' => $k['key'], 'headers' => array('User-Agent' => 'wptests/1.0'))),
			$this->api('GET', '/bookings', array('key' => $k['key'])),
			$this->api('GET', '/me', array('key' => 'lp_live_' . str_repeat('A', 38))),
			$this->api('GET', '/me'),
		);
		$ids = array_map(static fn (Response $r) => $r->requestId(), $requests);
		$this->assertSame($ids, array_column(self::spooledRows(), 'request_id'), 'one row per request, in order, in the spool');
		foreach ($ids as $id) {
			$this->assertSame(array(), $this->logRows(array('request_id' => $id)), 'nothing reached the table yet');
		}

		$this->assertSame(4, Audit_Log::flush());
		$this->assertSame(array(), self::spooledRows());
		$this->assertFileDoesNotExist(self::spoolFile());
		$rows = array();
		foreach ($ids as $id) {
			$found = $this->logRows(array('request_id' => $id));
			$this->assertCount(1, $found, "request {$id}");
			$rows[] = $found[0];
		}

		$this->assertSame(array('request', (string) $k['id'], $k['record']['prefix'], 'GET', '/latepoint-api/v1/me', '200', '', '127.0.0.1', 'wptests/1.0'),
			array($rows[0]['event'], $rows[0]['key_id'], $rows[0]['key_prefix'], $rows[0]['method'], $rows[0]['route'], $rows[0]['status'], $rows[0]['error_code'], $rows[0]['client_ip'], $rows[0]['user_agent']));
		$this->assertMatchesRegularExpression('/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/', $rows[0]['created_at'], 'milliseconds');
		$this->assertEqualsWithDelta(time(), strtotime(substr($rows[0]['created_at'], 0, 19) . ' UTC'), 5);
		$this->assertGreaterThanOrEqual(0, (int) $rows[0]['duration_ms']);

		$this->assertSame(array('request', (string) $k['id'], '403', 'insufficient_permissions', '/latepoint-api/v1/bookings'),
			array($rows[1]['event'], $rows[1]['key_id'], $rows[1]['status'], $rows[1]['error_code'], $rows[1]['route']));
		$this->assertSame(array('auth_failed', null, 'lp_live_AAAA', '401', 'invalid_api_key'),
			array($rows[2]['event'], $rows[2]['key_id'], $rows[2]['key_prefix'], $rows[2]['status'], $rows[2]['error_code']), 'a failed authentication: the display prefix only');
		$this->assertSame(array('auth_failed', null, '', '401', 'missing_api_key'),
			array($rows[3]['event'], $rows[3]['key_id'], $rows[3]['key_prefix'], $rows[3]['status'], $rows[3]['error_code']));
	}

	public function test_rate_limited_requests_and_refused_keys_are_logged_as_such(): void {
		self::awayFromMinuteEdge(5);
		$k = $this->createKey(array('name' => 'limited log', 'rate_limit_per_minute' => 1));
		$this->api('GET', '/me', array('key' => $k['key']));
		$limited = $this->api('GET', '/me', array('key' => $k['key']));
		$revoked = $this->createKey(array('name' => 'revoked log'));
		\LatePointApi\Keys\Key_Service::revoke($revoked['id'], $this->admin());
		$refused = $this->api('GET', '/me', array('key' => $revoked['key']));
		Audit_Log::flush();

		$row = $this->logRows(array('request_id' => $limited->requestId()))[0];
		$this->assertSame(array('rate_limited', (string) $k['id'], '429', 'rate_limit_exceeded'), array($row['event'], $row['key_id'], $row['status'], $row['error_code']));
		$row = $this->logRows(array('request_id' => $refused->requestId()))[0];
		$this->assertSame(array('auth_failed', $revoked['record']['prefix'], '401', 'key_revoked'), array($row['event'], $row['key_prefix'], $row['status'], $row['error_code']));
	}

	public function test_admin_actions_are_written_at_once_with_the_acting_user(): void {
		$k    = $this->createKey(array('name' => 'admin action'));
		$rows = $this->logRows(array('key_id' => $k['id']));
		$this->assertCount(1, $rows, 'no flush needed');
		$this->assertSame(array('admin_action', 'created', (string) $this->admin(), $k['record']['prefix']), array($rows[0]['event'], $rows[0]['error_code'], $rows[0]['actor_user_id'], $rows[0]['key_prefix']));
		$this->assertSame(array(), self::spooledRows());
	}

	public function test_long_user_agents_are_cut_to_255_bytes_of_valid_utf8(): void {
		$k = $this->createKey(array('name' => 'long agent'));
		$r = $this->api('GET', '/me', array('key' => $k['key'], 'headers' => array('User-Agent' => str_repeat('é', 300))));
		Audit_Log::flush();
		$agent = $this->logRows(array('request_id' => $r->requestId()))[0]['user_agent'];
		$this->assertLessThanOrEqual(255, strlen($agent));
		$this->assertGreaterThanOrEqual(250, strlen($agent));
		$this->assertTrue(mb_check_encoding($agent, 'UTF-8'));
	}

	public function test_control_characters_reach_no_row_they_are_stored_as_visible_escapes(): void {
		$k = $this->createKey(array('name' => 'control characters'));
		$agent = "curl\r\nX-Injected: 1\tTAB\x1b[31mRED\x00\x7f\u{85}\u{2028}end";
		$r = $this->api('GET', "/me\r\nX-Injected:1", array('key' => $k['key'], 'headers' => array('User-Agent' => $agent)));
		$crafted = self::row(array('method' => "GET\r\nX-I", 'route' => "/latepoint-api/v1/me\n\rforged", 'error_code' => "x\ny", 'request_id' => "req_wptest\n" . bin2hex(random_bytes(4))));
		Audit_Log::spool(array($crafted));
		Audit_Log::flush();
		$row = $this->logRows(array('request_id' => $r->requestId()))[0];
		$this->assertSame('curl\r\nX-Injected: 1\tTAB\x1b[31mRED\x00\x7f\u0085\u2028end', $row['user_agent']);
		$this->assertSame('/latepoint-api/v1/me\r\nX-Injected:1', $row['route']);
		$stored = $this->logRows(array('request_id' => 'req_wptest\n' . substr($crafted['request_id'], -8)));
		$this->assertCount(1, $stored, 'the crafted row, its request id escaped');
		$this->assertSame(array('GET\r\nX-I', '/latepoint-api/v1/me\n\rforged', 'x\ny'), array($stored[0]['method'], $stored[0]['route'], $stored[0]['error_code']));
		foreach (array_merge($row, $stored[0]) as $column => $value) {
			$this->assertDoesNotMatchRegularExpression('/[\x00-\x1F\x7F]|\xC2[\x80-\x9F]|\xE2\x80[\xA8\xA9]/', (string) $value, "{$column} holds a control character");
		}
		$this->deleteRows(array($stored[0]));
	}

	public function test_invalid_utf8_is_replaced_not_allowed_to_break_a_batch(): void {
		$row = self::row(array('user_agent' => "bad \xff\xfe bytes"));
		Audit_Log::spool(array($row));
		$this->assertSame(1, Audit_Log::flush());
		$this->assertSame("bad \u{FFFD}\u{FFFD} bytes", $this->logRows(array('request_id' => $row['request_id']))[0]['user_agent']);
		$this->deleteRows(array($row));
	}

	public function test_spool_files_begin_with_a_php_exit_so_a_web_server_serves_nothing_of_them(): void {
		$k = $this->createKey(array('name' => 'spool header'));
		$this->api('GET', '/me', array('key' => $k['key']));
		$file = self::spoolFile();
		$this->assertStringEndsWith('.php', $file);
		$this->assertStringStartsWith("<?php exit; ?>\n", (string) file_get_contents($file));
		Audit_Log::spool(array(self::row(array())));
		$this->assertSame(1, substr_count((string) file_get_contents($file), '<?php'), 'one header, however many appends');
		$this->failQueries(static fn (string $q): bool => 0 === strpos(ltrim($q), 'INSERT INTO ' . Schema::audit_log()));
		Audit_Log::flush();
		foreach (Spool::batches() as $batch) {
			$this->assertStringEndsWith('.php', $batch);
			$this->assertStringStartsWith("<?php exit; ?>\n", (string) file_get_contents($batch), 'batches keep the header');
		}
		$this->tearDownFilters();
		$this->assertSame(2, Audit_Log::flush());
	}

	public function test_rows_of_an_older_version_in_plain_jsonl_files_are_still_written(): void {
		$dir  = (string) Audit_Log::spool_dir();
		$old  = self::row(array());
		$bat  = self::row(array());
		file_put_contents($dir . '/spool.jsonl', json_encode($old) . "\n");
		file_put_contents($dir . '/batch-20200101000000-legacy.jsonl', json_encode($bat) . "\n");
		$this->assertSame(2, Audit_Log::flush());
		$this->assertCount(1, $this->logRows(array('request_id' => $old['request_id'])));
		$this->assertCount(1, $this->logRows(array('request_id' => $bat['request_id'])));
		$this->assertFileDoesNotExist($dir . '/spool.jsonl');
		$this->deleteRows(array($old, $bat));
	}

	public function test_rows_spooled_while_the_database_was_down_are_filed_under_their_key(): void {
		$k   = $this->createKey(array('name' => 'outage row'));
		$row = self::row(array('status' => 503, 'error_code' => 'service_unavailable', 'key_prefix' => substr($k['key'], 0, 12), 'key_hash' => hash('sha256', $k['key'])));
		$unknown = self::row(array('status' => 503, 'key_prefix' => 'lp_live_ZZZZ', 'key_hash' => str_repeat('0', 64)));
		Audit_Log::spool(array($row, $unknown));
		$this->assertSame(2, Audit_Log::flush());
		$stored = $this->logRows(array('request_id' => $row['request_id']))[0];
		$this->assertSame(array((string) $k['id'], $k['record']['prefix'], '503'), array($stored['key_id'], $stored['key_prefix'], $stored['status']));
		$this->assertNull($this->logRows(array('request_id' => $unknown['request_id']))[0]['key_id']);
		$this->assertSame(1, (int) Log_Query::usage($k['id'], 1)[0]['errors'], 'counted in the key\'s usage');
		$this->deleteRows(array($row, $unknown));
	}

	public function test_a_flush_while_the_database_is_down_keeps_the_rows_and_the_next_one_writes_them_once(): void {
		$rows = array(self::row(array()), self::row(array('status' => 404, 'error_code' => 'not_found')));
		$this->assertTrue(Audit_Log::spool($rows));
		$this->failQueries(static fn (string $q): bool => 0 === strpos(ltrim($q), 'INSERT INTO ' . Schema::audit_log()));
		$this->assertSame(0, Audit_Log::flush());
		$this->assertSame(array_column($rows, 'request_id'), array_column(self::spooledRows(), 'request_id'), 'the batch stays on disk');
		$this->assertCount(1, Spool::batches());
		$this->assertSame(array(), $this->logRows(array('request_id' => $rows[0]['request_id'])));

		$this->tearDownFilters();
		$more = self::row(array());
		Audit_Log::spool(array($more));
		$this->assertSame(3, Audit_Log::flush());
		foreach (array_merge($rows, array($more)) as $row) {
			$this->assertCount(1, $this->logRows(array('request_id' => $row['request_id'])), 'exactly once');
		}
		$this->assertSame(array(), Spool::batches());
		$this->assertSame(0, Audit_Log::flush(), 'nothing left');
		$this->deleteRows(array_merge($rows, array($more)));
	}

	public function test_a_request_that_finds_the_spool_older_than_10_seconds_flushes_it(): void {
		$old = self::row(array('created_at' => self::ms(time() - 20)));
		Audit_Log::spool(array($old));
		$k = $this->createKey(array('name' => 'triggers flush'));
		$r = $this->api('GET', '/me', array('key' => $k['key']));
		$this->assertSame(array(), self::spooledRows(), 'flushed after the response');
		$this->assertCount(1, $this->logRows(array('request_id' => $old['request_id'])));
		$this->assertCount(1, $this->logRows(array('request_id' => $r->requestId())));
		$this->deleteRows(array($old));

		// A young spool waits.
		$k2 = $this->createKey(array('name' => 'no flush yet'));
		$r2 = $this->api('GET', '/me', array('key' => $k2['key']));
		$this->assertSame(array($r2->requestId()), array_column(self::spooledRows(), 'request_id'));
	}

	public function test_usage_is_counted_per_key_and_day_with_errors_and_rate_limited_apart(): void {
		self::awayFromMinuteEdge(5);
		$k = $this->createKey(array('name' => 'usage', 'permissions' => array('services:read'), 'rate_limit_per_minute' => 3));
		$this->api('GET', '/me', array('key' => $k['key']));      // 200
		$this->api('GET', '/bookings', array('key' => $k['key'])); // 403
		$this->api('GET', '/me', array('key' => $k['key']));      // 200
		$this->api('GET', '/me', array('key' => $k['key']));      // 429
		$other = $this->createKey(array('name' => 'usage other'));
		$this->api('GET', '/me', array('key' => $other['key']));
		Audit_Log::flush();
		Audit_Log::flush(); // nothing counted twice

		$series = Log_Query::usage($k['id'], 30);
		$this->assertCount(30, $series);
		$this->assertSame(gmdate('Y-m-d'), $series[29]['day']);
		$this->assertSame(gmdate('Y-m-d', time() - 29 * DAY_IN_SECONDS), $series[0]['day']);
		$this->assertSame(array('day' => gmdate('Y-m-d'), 'requests' => 4, 'errors' => 1, 'rate_limited' => 1), $series[29]);
		foreach (array_slice($series, 0, 29) as $day) {
			$this->assertSame(array(0, 0, 0), array($day['requests'], $day['errors'], $day['rate_limited']), $day['day']);
		}
		$this->assertSame(1, Log_Query::usage($other['id'], 1)[0]['requests']);

		// Rows of an earlier day land on that day.
		Audit_Log::spool(array(self::row(array('key_id' => $k['id'], 'created_at' => self::ms(time() - 2 * DAY_IN_SECONDS), 'status' => 500))));
		Audit_Log::flush();
		$series = Log_Query::usage($k['id'], 3);
		$this->assertSame(array('day' => gmdate('Y-m-d', time() - 2 * DAY_IN_SECONDS), 'requests' => 1, 'errors' => 1, 'rate_limited' => 0), $series[0]);
		$this->assertSame(4, $series[2]['requests']);
	}

	public function test_last_used_moves_on_a_request_but_at_most_once_a_minute(): void {
		$k = $this->createKey(array('name' => 'last used'));
		$this->assertNull($k['record']['last_used_at']);
		$this->api('GET', '/me', array('key' => $k['key'], 'server' => array('REMOTE_ADDR' => '192.0.2.44')));
		$this->assertNull($this->keyRow($k['id'])['last_used_at'], 'not before the flush: no write on the request path');
		Audit_Log::flush();
		$row = $this->keyRow($k['id']);
		$this->assertEqualsWithDelta(time(), strtotime($row['last_used_at'] . ' UTC'), 5);
		$this->assertSame('192.0.2.44', $row['last_used_ip']);

		$t0 = time() + 120; // beyond the real request's time, so the crafted rows decide
		$steps = array(
			array($t0, '192.0.2.1', $t0, '192.0.2.1'),
			array($t0 + 30, '192.0.2.2', $t0, '192.0.2.1'),   // within the minute: not moved
			array($t0 + 59, '192.0.2.3', $t0, '192.0.2.1'),
			array($t0 + 61, '192.0.2.4', $t0 + 61, '192.0.2.4'),
			array($t0 + 10, '192.0.2.5', $t0 + 61, '192.0.2.4'), // older than the last: never backwards
		);
		foreach ($steps as list($at, $ip, $want_at, $want_ip)) {
			Audit_Log::spool(array(self::row(array('key_id' => $k['id'], 'created_at' => self::ms($at), 'client_ip' => $ip))));
			Audit_Log::flush();
			$row = $this->keyRow($k['id']);
			$this->assertSame(gmdate('Y-m-d H:i:s', $want_at), $row['last_used_at'], "after a row at +" . ($at - $t0) . 's');
			$this->assertSame($want_ip, $row['last_used_ip']);
		}
		// Failed authentications and admin actions do not count as use.
		Audit_Log::spool(array(self::row(array('key_id' => $k['id'], 'created_at' => self::ms($t0 + 500), 'event' => 'auth_failed', 'status' => 401))));
		Audit_Log::flush();
		$this->assertSame(gmdate('Y-m-d H:i:s', $t0 + 61), $this->keyRow($k['id'])['last_used_at']);
		$this->assertSame(gmdate('Y-m-d\TH:i:s\Z', $t0 + 61), \LatePointApi\Keys\Key_Service::get($k['id'])['last_used_at']);
	}

	public function test_the_retention_purge_deletes_rows_and_usage_older_than_the_setting(): void {
		global $wpdb;
		$k   = $this->createKey(array('name' => 'retention'));
		$ago = static fn (int $days): string => self::ms(time() - $days * DAY_IN_SECONDS);
		$old = self::row(array('key_id' => $k['id'], 'created_at' => $ago(100)));
		$mid = self::row(array('key_id' => $k['id'], 'created_at' => $ago(10)));
		$new = self::row(array('key_id' => $k['id'], 'created_at' => $ago(0)));
		Audit_Log::spool(array($old, $mid, $new));
		Audit_Log::flush();
		$usage_days = static fn (): array => $wpdb->get_col($wpdb->prepare('SELECT day FROM ' . Schema::usage_daily() . ' WHERE key_id = %d ORDER BY day', $k['id']));
		$this->assertCount(3, $usage_days());

		$this->assertSame(90, \LatePointApi\Support\Settings::get('retention_days'), 'default retention');
		$this->assertGreaterThanOrEqual(1, Audit_Log::purge());
		$this->assertSame(array(), $this->logRows(array('request_id' => $old['request_id'])));
		$this->assertCount(1, $this->logRows(array('request_id' => $mid['request_id'])));
		$this->assertSame(array(substr($mid['created_at'], 0, 10), substr($new['created_at'], 0, 10)), $usage_days());

		$this->updateSettings(array('retention_days' => 5));
		Audit_Log::purge();
		$this->assertSame(array(), $this->logRows(array('request_id' => $mid['request_id'])));
		$this->assertCount(1, $this->logRows(array('request_id' => $new['request_id'])));
		$this->assertSame(array(substr($new['created_at'], 0, 10)), $usage_days());
		$this->assertCount(1, $this->logRows(array('key_id' => $k['id'], 'event' => 'admin_action')), 'recent admin actions stay');
	}

	private function tearDownFilters(): void {
		global $wpdb;
		remove_all_filters('query');
		$wpdb->suppress_errors(false);
	}

	private function deleteRows(array $rows): void {
		global $wpdb;
		foreach ($rows as $row) {
			$wpdb->delete(Schema::audit_log(), array('request_id' => $row['request_id']));
		}
	}
}
