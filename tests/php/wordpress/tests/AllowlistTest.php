<?php
/**
 * docs/api.md: IP (v4 and v6 CIDR) and Origin allowlists, and the client IP behind trusted proxies,
 * with a fake $_SERVER (what HTTP tests cannot choose).
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Keys\Key_Service;

final class AllowlistTest extends TestCase {

	private function from(string $key, string $remote, array $more = array()): Response {
		return $this->api('GET', '/me', array('key' => $key, 'server' => array('REMOTE_ADDR' => $remote) + $more));
	}

	/** @dataProvider ip_cases */
	public function test_ip_allowlists(array $list, string $remote, ?string $refused_as): void {
		$k = $this->createKey(array('name' => 'ip list', 'allowed_ips' => $list));
		$r = $this->from($k['key'], $remote);
		if (null === $refused_as) {
			$this->assertSuccess($r);
		} else {
			$this->assertError($r, 403, 'ip_not_allowed');
			$this->assertSame(array('ip' => $refused_as), $r->data['error']['details']);
			$this->assertNoRateHeaders($r);
		}
	}

	public function ip_cases(): array {
		return array(
			'v4 exact'                       => array(array('203.0.113.7'), '203.0.113.7', null),
			'v4 exact, other address'        => array(array('203.0.113.7'), '203.0.113.8', '203.0.113.8'),
			'v4 /24 inside'                  => array(array('203.0.113.0/24'), '203.0.113.254', null),
			'v4 /24 outside'                 => array(array('203.0.113.0/24'), '203.0.114.1', '203.0.114.1'),
			'v4 /25 upper half'              => array(array('198.51.100.128/25'), '198.51.100.200', null),
			'v4 /25 lower half'              => array(array('198.51.100.128/25'), '198.51.100.127', '198.51.100.127'),
			'v4 /0 is everyone'              => array(array('0.0.0.0/0'), '192.0.2.1', null),
			'second entry matches'           => array(array('10.0.0.0/8', '2001:db8::/32', '192.0.2.0/28'), '192.0.2.15', null),
			'v6 /48 inside'                  => array(array('2001:db8:abcd::/48'), '2001:db8:abcd:12::1', null),
			'v6 /48 outside'                 => array(array('2001:db8:abcd::/48'), '2001:db8:abce::1', '2001:db8:abce::1'),
			'v6 long form remote'            => array(array('2001:db8:abcd::/48'), '2001:0DB8:ABCD:0012:0000:0000:0000:0001', null),
			'v6 /63 (not byte aligned)'      => array(array('2001:db8:0:2::/63'), '2001:db8:0:3:ffff::1', null),
			'v6 /63 outside'                 => array(array('2001:db8:0:2::/63'), '2001:db8:0:4::1', '2001:db8:0:4::1'),
			'v6 exact'                       => array(array('::1'), '::1', null),
			'::ffff: mapped remote vs v4'    => array(array('198.51.100.0/24'), '::ffff:198.51.100.7', null),
			'::ffff: mapped, outside'        => array(array('198.51.100.0/24'), '::ffff:192.0.2.1', '192.0.2.1'),
			'v4 list, v6 remote'             => array(array('0.0.0.0/0'), '2001:db8::1', '2001:db8::1'),
			'v6 list, v4 remote'             => array(array('::/0'), '192.0.2.1', '192.0.2.1'),
		);
	}

	public function test_no_remote_address_at_all_is_refused_by_an_ip_allowlist(): void {
		$k = $this->createKey(array('name' => 'no remote', 'allowed_ips' => array('0.0.0.0/0', '::/0')));
		$r = $this->api('GET', '/me', array('key' => $k['key'], 'server' => array('REMOTE_ADDR' => null)));
		$this->assertError($r, 403, 'ip_not_allowed');
	}

	public function test_x_forwarded_for_counts_only_from_a_trusted_proxy_and_from_the_right(): void {
		$k = $this->createKey(array('name' => 'behind proxy', 'allowed_ips' => array('203.0.113.9')));

		// No trusted proxies: the header is the client's own claim and is ignored.
		$r = $this->from($k['key'], '10.1.2.3', array('HTTP_X_FORWARDED_FOR' => '203.0.113.9'));
		$this->assertError($r, 403, 'ip_not_allowed');
		$this->assertSame('10.1.2.3', $r->data['error']['details']['ip']);

		$this->updateSettings(array('trusted_proxies' => array('10.0.0.0/8', 'fd00::/8')));
		$this->assertSuccess($this->from($k['key'], '10.1.2.3', array('HTTP_X_FORWARDED_FOR' => '203.0.113.9')));
		// Several proxies: the first address from the right that is not a trusted proxy is the client.
		$this->assertSuccess($this->from($k['key'], '10.1.2.3', array('HTTP_X_FORWARDED_FOR' => '198.51.100.1, 203.0.113.9, 10.9.9.9')));
		$this->assertSuccess($this->from($k['key'], 'fd00::5', array('HTTP_X_FORWARDED_FOR' => '203.0.113.9,fd12::1')));
		$this->assertSuccess($this->from($k['key'], '::ffff:10.0.0.1', array('HTTP_X_FORWARDED_FOR' => '203.0.113.9')));
		// A client that puts the allowed address at the left of its own header gains nothing.
		$r = $this->from($k['key'], '10.1.2.3', array('HTTP_X_FORWARDED_FOR' => '203.0.113.9, 198.51.100.1'));
		$this->assertError($r, 403, 'ip_not_allowed');
		$this->assertSame('198.51.100.1', $r->data['error']['details']['ip']);
		// An untrusted peer's header is ignored, trusted proxies or not.
		$r = $this->from($k['key'], '192.0.2.50', array('HTTP_X_FORWARDED_FOR' => '203.0.113.9'));
		$this->assertError($r, 403, 'ip_not_allowed');
		$this->assertSame('192.0.2.50', $r->data['error']['details']['ip']);
		// A malformed hop: nothing to its left is believed.
		$r = $this->from($k['key'], '10.1.2.3', array('HTTP_X_FORWARDED_FOR' => '203.0.113.9, not-an-ip'));
		$this->assertError($r, 403, 'ip_not_allowed');
		$this->assertSame('10.1.2.3', $r->data['error']['details']['ip']);
	}

	public function test_the_log_records_the_resolved_client_ip(): void {
		$this->updateSettings(array('trusted_proxies' => array('10.0.0.0/8')));
		$k = $this->createKey(array('name' => 'logged ip'));
		$r = $this->from($k['key'], '10.1.2.3', array('HTTP_X_FORWARDED_FOR' => '2001:db8::77, 10.2.2.2'));
		$this->assertSuccess($r);
		$rows = array_values(array_filter(self::spooledRows(), static fn ($row) => ($row['request_id'] ?? '') === $r->requestId()));
		$this->assertCount(1, $rows);
		$this->assertSame('2001:db8::77', $rows[0]['client_ip']);
	}

	/** @dataProvider origin_cases */
	public function test_origin_allowlists(?string $origin, bool $allowed): void {
		$k = $this->createKey(array('name' => 'origins', 'allowed_origins' => array('https://Shop.Example.com:443', 'http://localhost:8080')));
		$r = $this->api('GET', '/me', array('key' => $k['key']) + (null === $origin ? array() : array('headers' => array('Origin' => $origin))));
		if ($allowed) {
			$this->assertSuccess($r);
		} else {
			$this->assertError($r, 403, 'origin_not_allowed');
			$this->assertNoRateHeaders($r);
		}
	}

	public function origin_cases(): array {
		return array(
			'no Origin: not a browser'  => array(null, true),
			'exact'                     => array('https://shop.example.com', true),
			'other case, default port'  => array('HTTPS://SHOP.EXAMPLE.COM:443', true),
			'with a port'               => array('http://localhost:8080', true),
			'other port'                => array('https://shop.example.com:8443', false),
			'other scheme'              => array('http://shop.example.com', false),
			'other host'                => array('https://evil.example.com', false),
			'suffix trick'              => array('https://shop.example.com.evil.test', false),
			'opaque origin'             => array('null', false),
		);
	}

	public function test_the_order_of_checks_is_status_environment_ip_origin(): void {
		$k = $this->createKey(array(
			'name'            => 'order of checks',
			'environment'     => 'test',
			'allowed_ips'     => array('192.0.2.1'),
			'allowed_origins' => array('https://shop.example.com'),
		));
		$bad = array('key' => $k['key'], 'headers' => array('Origin' => 'https://evil.example.com'), 'server' => array('REMOTE_ADDR' => '192.0.2.99'));

		$this->assertError($this->api('GET', '/me', $bad), 403, 'ip_not_allowed', 'IP before Origin');
		$this->updateSettings(array('environment_type' => 'production'));
		$this->assertError($this->api('GET', '/me', $bad), 403, 'environment_mismatch', 'environment before IP');
		Key_Service::disable($k['id'], $this->admin());
		$this->assertError($this->api('GET', '/me', $bad), 401, 'key_disabled', 'status before environment');
		$this->assertError($this->api('GET', '/me', $bad + array('query' => array('api_key' => 'x'))), 400, 'key_in_query', 'the query string first of all');
	}
}
