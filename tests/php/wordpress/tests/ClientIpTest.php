<?php
/**
 * Client_Ip: canonical addresses, IPv4 and IPv6 CIDR matching (with ::ffff: mapped addresses), list
 * parsing, and resolving the client behind trusted proxies.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Auth\Client_Ip;

final class ClientIpTest extends TestCase {

	/** @dataProvider normalize_cases */
	public function test_normalize(string $in, string $out): void {
		$this->assertSame($out, Client_Ip::normalize($in));
	}

	public function normalize_cases(): array {
		return array(
			array('192.0.2.1', '192.0.2.1'),
			array(' 192.0.2.1 ', '192.0.2.1'),
			array('::ffff:192.0.2.1', '192.0.2.1'),
			array('::FFFF:c000:0201', '192.0.2.1'),
			array('[2001:db8::1]', '2001:db8::1'),
			array('2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'),
			array('::1', '::1'),
			array('::', '::'),
			array('192.0.2', ''),
			array('192.0.2.256', ''),
			array('2001:db8::g', ''),
			array('localhost', ''),
			array('', ''),
		);
	}

	/** @dataProvider in_list_cases */
	public function test_in_list(string $ip, array $list, bool $expected): void {
		$this->assertSame($expected, Client_Ip::in_list($ip, $list));
	}

	public function in_list_cases(): array {
		return array(
			'v4 exact'                   => array('192.0.2.1', array('192.0.2.1'), true),
			'v4 exact miss'              => array('192.0.2.2', array('192.0.2.1'), false),
			'v4 /32'                     => array('192.0.2.1', array('192.0.2.1/32'), true),
			'v4 /31 pair'                => array('192.0.2.1', array('192.0.2.0/31'), true),
			'v4 /31 outside'             => array('192.0.2.2', array('192.0.2.0/31'), false),
			'v4 /23'                     => array('192.0.3.255', array('192.0.2.0/23'), true),
			'v4 /23 outside'             => array('192.0.4.0', array('192.0.2.0/23'), false),
			'v4 /0'                      => array('255.255.255.255', array('0.0.0.0/0'), true),
			'v4 network with host bits'  => array('10.1.2.3', array('10.9.9.9/8'), true),
			'v6 /32'                     => array('2001:db8:ffff::1', array('2001:db8::/32'), true),
			'v6 /32 outside'             => array('2001:db9::1', array('2001:db8::/32'), false),
			'v6 /127'                    => array('2001:db8::1', array('2001:db8::/127'), true),
			'v6 /127 outside'            => array('2001:db8::2', array('2001:db8::/127'), false),
			'v6 /128'                    => array('2001:db8::1', array('2001:db8::1/128'), true),
			'v6 /0'                      => array('ffff::1', array('::/0'), true),
			'mapped ip, v4 list'         => array('::ffff:10.0.0.5', array('10.0.0.0/8'), true),
			'v4 ip, mapped entry'        => array('10.0.0.5', array('::ffff:10.0.0.5'), true),
			'v4 never matches v6 ranges' => array('10.0.0.5', array('::/0'), false),
			'v6 never matches v4 ranges' => array('::1', array('0.0.0.0/0'), false),
			'invalid ip'                 => array('nope', array('0.0.0.0/0'), false),
			'invalid entries skipped'    => array('10.0.0.5', array('bogus', '10.0.0.0/99', '10.0.0.5'), true),
			'empty list'                 => array('10.0.0.5', array(), false),
		);
	}

	public function test_parse_list_splits_text_keeps_valid_canonical_entries_once_and_names_the_invalid_ones(): void {
		$parsed = Client_Ip::parse_list("10.0.0.1, 10.0.0.1/32\n2001:DB8::/32 , fe80::1%eth0 10.0.0.0/33  2001:db8::/129 1.2.3.4/x ::ffff:192.0.2.1\t192.0.2.0/24");
		$this->assertSame(array('10.0.0.1', '2001:db8::/32', '192.0.2.1', '192.0.2.0/24'), $parsed['valid']);
		$this->assertSame(array('fe80::1%eth0', '10.0.0.0/33', '2001:db8::/129', '1.2.3.4/x'), $parsed['invalid']);

		$from_array = Client_Ip::parse_list(array(' 10.0.0.1 ', '', 42, array('x'), '::1/128'));
		$this->assertSame(array('10.0.0.1', '::1'), $from_array['valid']);
		$this->assertSame(array('42', 'array'), $from_array['invalid']);
		$this->assertSame(array('valid' => array(), 'invalid' => array()), Client_Ip::parse_list(''));
	}

	public function test_is_valid_entry(): void {
		foreach (array('10.0.0.0/8', '::/0', '2001:db8::1', '192.0.2.1/32') as $entry) {
			$this->assertTrue(Client_Ip::is_valid_entry($entry), $entry);
		}
		foreach (array('10.0.0.0/', '10.0.0.0/-1', '/8', '2001:db8::/200', 'example.com', '10.0.0.0/8/8') as $entry) {
			$this->assertFalse(Client_Ip::is_valid_entry($entry), $entry);
		}
	}

	/** @dataProvider resolve_cases */
	public function test_resolve(array $server, array $proxies, string $client): void {
		$this->assertSame($client, Client_Ip::resolve($server, $proxies));
	}

	public function resolve_cases(): array {
		$xff = static fn (string $remote, string $forwarded): array => array('REMOTE_ADDR' => $remote, 'HTTP_X_FORWARDED_FOR' => $forwarded);
		return array(
			'no proxies: REMOTE_ADDR'           => array($xff('192.0.2.1', '203.0.113.5'), array(), '192.0.2.1'),
			'untrusted peer: REMOTE_ADDR'       => array($xff('192.0.2.1', '203.0.113.5'), array('10.0.0.0/8'), '192.0.2.1'),
			'trusted peer: last hop'            => array($xff('10.0.0.2', '203.0.113.5'), array('10.0.0.0/8'), '203.0.113.5'),
			'trusted chain'                     => array($xff('10.0.0.2', '1.1.1.1, 203.0.113.5, 10.3.3.3'), array('10.0.0.0/8'), '203.0.113.5'),
			'all hops trusted: REMOTE_ADDR'     => array($xff('10.0.0.2', '10.0.0.3, 10.0.0.4'), array('10.0.0.0/8'), '10.0.0.2'),
			'empty header'                      => array($xff('10.0.0.2', ''), array('10.0.0.0/8'), '10.0.0.2'),
			'no header'                         => array(array('REMOTE_ADDR' => '10.0.0.2'), array('10.0.0.0/8'), '10.0.0.2'),
			'malformed hop'                     => array($xff('10.0.0.2', '203.0.113.5, garbage'), array('10.0.0.0/8'), '10.0.0.2'),
			'v6 proxy, v6 client'               => array($xff('fd00::1', '2001:db8::5'), array('fd00::/8'), '2001:db8::5'),
			'mapped peer, bracketed v6 hop'     => array($xff('::ffff:10.0.0.2', '[2001:db8::5]'), array('10.0.0.0/8'), '2001:db8::5'),
			'mapped hop becomes v4'             => array($xff('10.0.0.2', '::ffff:203.0.113.5'), array('10.0.0.0/8'), '203.0.113.5'),
			'REMOTE_ADDR canonicalised'         => array(array('REMOTE_ADDR' => '::ffff:192.0.2.1'), array(), '192.0.2.1'),
			'no REMOTE_ADDR'                    => array(array('HTTP_X_FORWARDED_FOR' => '203.0.113.5'), array('0.0.0.0/0'), ''),
		);
	}
}
