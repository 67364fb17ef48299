<?php
/**
 * docs/api.md in-process: the two windows, the headers of every authenticated response, 429 with
 * Retry-After, what counts (a refused permission does) and what does not (refused keys, denied hits).
 * Concurrency across php-fpm workers is the HTTP suite's (tests/e2e/workers.test.mjs).
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Support\Core;
use LatePointApi\Fallback\Fallback;

final class RateLimitTest extends TestCase {

	private static function peek(int $id, int $per_minute, int $per_hour): array {
		$bucket = \LatePointApi\Keys\Key_Format::rate_bucket($id);
		return Core::native_rate() ? \lpapi_rate_peek($bucket, $per_minute, $per_hour) : Fallback::rate_peek($bucket, $per_minute, $per_hour);
	}

	public function test_each_authenticated_response_counts_down_the_tighter_window(): void {
		self::awayFromMinuteEdge(10);
		$k = $this->createKey(array('name' => 'count down', 'rate_limit_per_minute' => 5, 'rate_limit_per_hour' => 100));
		for ($i = 1; $i <= 5; $i++) {
			$r = $this->api('GET', '/me', array('key' => $k['key']));
			$this->assertSuccess($r);
			$this->assertRateHeaders($r, 5, 100);
			$this->assertSame('5', $r->header('X-RateLimit-Limit'));
			$this->assertSame((string) (5 - $i), $r->header('X-RateLimit-Remaining'), "request {$i}");
			$this->assertSame(60 * (intdiv(time(), 60) + 1), (int) $r->header('X-RateLimit-Reset'));
			$this->assertStringStartsWith('"minute";r=' . (5 - $i) . ';', (string) $r->header('RateLimit'));
			$this->assertNull($r->header('Retry-After'));
		}
	}

	public function test_a_rotated_key_and_its_replacements_share_one_set_of_counters(): void {
		self::awayFromMinuteEdge(10);
		$k = $this->createKey(array('name' => 'rotating', 'rate_limit_per_minute' => 4, 'rate_limit_per_hour' => 100));
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])));
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])));
		$first  = \LatePointApi\Keys\Key_Service::rotate($k['id'], 600, $this->admin());
		$second = \LatePointApi\Keys\Key_Service::rotate((int) $first['record']['id'], 600, $this->admin());
		// The quota goes on across both rotations: 2 used, 2 left for all three keys together.
		$r = $this->api('GET', '/me', array('key' => $first['key']));
		$this->assertSuccess($r);
		$this->assertSame('1', $r->header('X-RateLimit-Remaining'), 'the replacement counts on from the rotated key');
		$this->assertSuccess($this->api('GET', '/me', array('key' => $second['key'])));
		foreach (array($k['key'], $first['key'], $second['key']) as $i => $any) {
			$this->assertError($this->api('GET', '/me', array('key' => $any)), 429, 'rate_limit_exceeded', "key {$i} of the chain");
		}
		$this->assertMatchesRegularExpression('/^\{site:[0-9a-f]{12}:key:' . $k['id'] . '\}$/', \LatePointApi\Keys\Key_Format::rate_bucket($k['id']), 'buckets are named per site');
	}

	public function test_the_request_over_the_minute_limit_gets_429_with_retry_after_and_does_not_count(): void {
		self::awayFromMinuteEdge(10);
		$k = $this->createKey(array('name' => 'limited', 'rate_limit_per_minute' => 3, 'rate_limit_per_hour' => 100));
		for ($i = 1; $i <= 3; $i++) {
			$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])));
		}
		foreach (array(1, 2) as $attempt) {
			$r = $this->api('GET', '/me', array('key' => $k['key']));
			$this->assertError($r, 429, 'rate_limit_exceeded', "attempt {$attempt}");
			$this->assertRateHeaders($r, 3, 100);
			$this->assertSame('0', $r->header('X-RateLimit-Remaining'));
			$this->assertSame('3', $r->header('X-RateLimit-Limit'));
			$retry = (int) $r->header('Retry-After');
			$this->assertMatchesRegularExpression('/^\d+$/', (string) $r->header('Retry-After'));
			$this->assertGreaterThanOrEqual(1, $retry);
			$this->assertLessThanOrEqual(60, $retry);
			$this->assertEqualsWithDelta((int) $r->header('X-RateLimit-Reset') - time(), $retry, 1);
			$this->assertSame(
				array('limit' => 3, 'remaining' => 0, 'reset' => (int) $r->header('X-RateLimit-Reset'), 'retry_after' => $retry, 'policy' => 'minute', 'window' => 'minute', 'operation' => null),
				$r->data['error']['details']
			);
			$this->assertStringContainsString((string) $retry, $r->data['error']['message']);
		}
		$this->assertSame(97, self::peek($k['id'], 3, 100)['hour']['remaining'], 'the two refused requests did not count against the hour');
	}

	public function test_the_hour_window_is_reported_when_it_is_the_tighter_one(): void {
		self::awayFromMinuteEdge(10);
		self::awayFromHourEdge(10);
		$k = $this->createKey(array('name' => 'hourly', 'rate_limit_per_minute' => 50, 'rate_limit_per_hour' => 2));
		$r = $this->api('GET', '/me', array('key' => $k['key']));
		$this->assertRateHeaders($r, 50, 2);
		$this->assertSame('2', $r->header('X-RateLimit-Limit'));
		$this->assertSame('1', $r->header('X-RateLimit-Remaining'));
		$this->assertStringStartsWith('"hour";r=1;', (string) $r->header('RateLimit'));
		$this->assertSame(3600 * (intdiv(time(), 3600) + 1), (int) $r->header('X-RateLimit-Reset'));
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])));
		$r = $this->api('GET', '/me', array('key' => $k['key']));
		$this->assertError($r, 429, 'rate_limit_exceeded');
		$this->assertRateHeaders($r, 50, 2);
		$this->assertEqualsWithDelta(3600 * (intdiv(time(), 3600) + 1) - time(), (int) $r->header('Retry-After'), 1, 'wait for the hour, not the minute');
	}

	public function test_a_request_refused_for_permission_still_counts_and_the_limit_comes_before_the_permission(): void {
		self::awayFromMinuteEdge(10);
		$k = $this->createKey(array('name' => 'counts anyway', 'permissions' => array('services:read'), 'rate_limit_per_minute' => 2));
		$r = $this->api('GET', '/bookings', array('key' => $k['key']));
		$this->assertError($r, 403, 'insufficient_permissions');
		$this->assertSame('1', $r->header('X-RateLimit-Remaining'));
		$r = $this->api('GET', '/me', array('key' => $k['key']));
		$this->assertSuccess($r);
		$this->assertSame('0', $r->header('X-RateLimit-Remaining'));
		$this->assertError($this->api('GET', '/me', array('key' => $k['key'])), 429, 'rate_limit_exceeded');
		$this->assertError($this->api('GET', '/bookings', array('key' => $k['key'])), 429, 'rate_limit_exceeded', 'the limit is checked before the permission');
	}

	public function test_requests_refused_before_the_limiter_do_not_count(): void {
		self::awayFromMinuteEdge(10);
		$k = $this->createKey(array('name' => 'ip refused', 'rate_limit_per_minute' => 1, 'allowed_ips' => array('192.0.2.10')));
		for ($i = 0; $i < 3; $i++) {
			$r = $this->api('GET', '/me', array('key' => $k['key'], 'server' => array('REMOTE_ADDR' => '192.0.2.99')));
			$this->assertError($r, 403, 'ip_not_allowed');
			$this->assertNoRateHeaders($r);
		}
		$r = $this->api('GET', '/me', array('key' => $k['key'], 'server' => array('REMOTE_ADDR' => '192.0.2.10')));
		$this->assertSuccess($r);
		$this->assertSame('0', $r->header('X-RateLimit-Remaining'), 'only this request counted');
	}

	public function test_each_key_has_its_own_counters(): void {
		self::awayFromMinuteEdge(10);
		$a = $this->createKey(array('name' => 'bucket a', 'rate_limit_per_minute' => 1));
		$b = $this->createKey(array('name' => 'bucket b', 'rate_limit_per_minute' => 1));
		$this->assertSuccess($this->api('GET', '/me', array('key' => $a['key'])));
		$this->assertError($this->api('GET', '/me', array('key' => $a['key'])), 429, 'rate_limit_exceeded');
		$this->assertSuccess($this->api('GET', '/me', array('key' => $b['key'])));
	}

	public function test_keys_without_limits_of_their_own_get_their_environments_defaults_from_settings(): void {
		self::awayFromMinuteEdge(10);
		$live = $this->createKey(array('name' => 'live defaults'));
		$test = $this->createKey(array('name' => 'test defaults', 'environment' => 'test'));
		$own  = $this->createKey(array('name' => 'own limits', 'rate_limit_per_minute' => 7, 'rate_limit_per_hour' => 70));
		$this->assertRateHeaders($this->api('GET', '/me', array('key' => $live['key'])), 60, 3600);
		$this->assertRateHeaders($this->api('GET', '/me', array('key' => $test['key'])), 100, 1000, 10000);

		$this->updateSettings(array('live_per_minute' => 11, 'live_per_hour' => 222, 'test_per_minute' => 33, 'test_per_hour' => 444));
		$r = $this->api('GET', '/me', array('key' => $live['key']));
		$this->assertRateHeaders($r, 11, 222);
		$this->assertSame(array('per_minute' => 11, 'per_hour' => 222, 'per_day' => null, 'operations' => array()), $r->data['data']['limits']);
		$this->assertSame('9', $r->header('X-RateLimit-Remaining'), 'two requests in this minute, of 11');
		$this->assertRateHeaders($this->api('GET', '/me', array('key' => $test['key'])), 33, 444, 10000);
		$this->assertRateHeaders($this->api('GET', '/me', array('key' => $own['key'])), 7, 70);
	}

	public function test_a_per_key_limit_set_later_applies_on_the_next_request(): void {
		self::awayFromMinuteEdge(10);
		$k = $this->createKey(array('name' => 'limit later'));
		$this->assertRateHeaders($this->api('GET', '/me', array('key' => $k['key'])), 60, 3600);
		\LatePointApi\Keys\Key_Service::update($k['id'], array('rate_limit_per_minute' => 2, 'rate_limit_per_hour' => 20), $this->admin());
		$r = $this->api('GET', '/me', array('key' => $k['key']));
		$this->assertRateHeaders($r, 2, 20);
		$this->assertSame('0', $r->header('X-RateLimit-Remaining'));
		$this->assertError($this->api('GET', '/me', array('key' => $k['key'])), 429, 'rate_limit_exceeded');
		\LatePointApi\Keys\Key_Service::update($k['id'], array('rate_limit_per_minute' => null), $this->admin());
		$this->assertRateHeaders($this->api('GET', '/me', array('key' => $k['key'])), 60, 20);
	}
}
