<?php
/**
 * Webhooks\Destination: the URL rules, every forbidden address range (an address just inside and just
 * outside), the IPv6 spellings of IPv4 addresses, hosts with several addresses, the development setting,
 * and what the delivery pins. A fake resolver answers every name: nothing is looked up or sent.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Webhooks\Destination;
use LatePointApi\Webhooks\Destination_Error;

final class WebhookDestinationTest extends TestCase {

	/** @var array<string, string[]> what the fake resolver answers */
	private const DNS = array(
		'hooks.example.com'  => array('93.184.215.14'),
		'dual.example.com'   => array('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'),
		'mixed.example.com'  => array('93.184.215.14', '10.0.0.7'),
		'mixed6.example.com' => array('2606:2800:21f:cb07:6820:80da:af6b:8b2c', 'FD00::1'),
		'dev.example.test'   => array('127.0.0.1', '192.168.1.20'),
		'meta.example.test'  => array('169.254.169.254'),
		'mapped.example.com' => array('::ffff:127.0.0.1'),
		'junk.example.com'   => array('not-an-ip'),
	);

	/** @var string[] the names the fake resolver was asked */
	private $asked = array();

	private function destination(): Destination {
		return new Destination(
			function (string $host): array {
				$this->asked[] = $host;
				return self::DNS[$host] ?? array();
			}
		);
	}

	private function refusal(string $url, bool $allow_local = false): Destination_Error {
		try {
			$this->destination()->check($url, $allow_local);
		} catch (Destination_Error $e) {
			return $e;
		}
		$this->fail("{$url} was accepted");
	}

	public function test_a_public_url(): void {
		$checked = $this->destination()->check('HTTPS://Hooks.Example.com:8443/in/coming?a=1&b=2#frag', false);
		$this->assertSame(
			array(
				'scheme'    => 'https',
				'host'      => 'hooks.example.com',
				'port'      => 8443,
				'path'      => '/in/coming?a=1&b=2',
				'addresses' => array('93.184.215.14'),
			),
			$checked
		);
		$this->assertSame(array('hooks.example.com'), $this->asked);
	}

	public function test_default_ports_and_paths(): void {
		$d = $this->destination();
		$this->assertSame(443, $d->check('https://hooks.example.com', false)['port']);
		$this->assertSame('/', $d->check('https://hooks.example.com', false)['path']);
		$this->assertSame(80, $d->check('http://hooks.example.com/x', false)['port']);
		$this->assertSame('/?q=1', $d->check('http://hooks.example.com?q=1', false)['path']);
		$this->assertSame(1, $d->check('http://hooks.example.com:1/', false)['port']);
		$this->assertSame(65535, $d->check('http://hooks.example.com:65535/', false)['port']);
	}

	/** @dataProvider bad_urls */
	public function test_bad_urls(string $url, string $code): void {
		$e = $this->refusal($url, true);
		$this->assertSame($code, $e->error_code(), $e->getMessage());
		$this->assertNotSame('', $e->getMessage());
		$this->assertSame(array(), $this->asked, 'a refused URL is not resolved');
	}

	public function bad_urls(): array {
		return array(
			'ftp'                    => array('ftp://hooks.example.com/', 'not_http'),
			'file'                   => array('file:///etc/passwd', 'not_http'),
			'gopher'                 => array('gopher://hooks.example.com/', 'not_http'),
			'no scheme'              => array('hooks.example.com/x', 'not_http'),
			'protocol relative'      => array('//hooks.example.com/x', 'not_http'),
			'javascript'             => array('javascript:alert(1)', 'not_http'),
			'http without slashes'   => array('http:hooks.example.com', 'no_host'),
			'user and password'      => array('https://user:pass@hooks.example.com/', 'has_credentials'),
			'user only'              => array('https://user@hooks.example.com/', 'has_credentials'),
			'empty user info'        => array('https://@hooks.example.com/', 'has_credentials'),
			'credentials to local'   => array('http://hooks.example.com@127.0.0.1/', 'has_credentials'),
			'no host'                => array('https:///path', 'no_host'),
			'empty'                  => array('', 'bad_url'),
			'space'                  => array('https://hooks.example.com/a b', 'bad_url'),
			'backslash'              => array('https://hooks.example.com\\@127.0.0.1/', 'bad_url'),
			'new line'               => array("https://hooks.example.com/\n", 'bad_url'),
			'port 0'                 => array('https://hooks.example.com:0/', 'bad_port'),
			'port 65536'             => array('https://hooks.example.com:65536/', 'bad_port'),
			'port letters'           => array('https://hooks.example.com:https/', 'bad_host'),
			'unbracketed v6'         => array('http://::1/', 'bad_host'),
			'bad bracketed v6'       => array('http://[::g]/', 'bad_host'),
			'v4 in brackets'         => array('http://[127.0.0.1]/', 'bad_host'),
			'decimal v4'             => array('http://2130706433/', 'bad_host'),
			'hex v4'                 => array('http://0x7f000001/', 'bad_host'),
			'short v4'               => array('http://127.1/', 'bad_host'),
			'octal v4'               => array('http://0177.0.0.1/', 'bad_host'),
			'leading zero v4'        => array('http://127.0.0.01/', 'bad_host'),
			'v4 out of range'        => array('http://256.0.0.1/', 'bad_host'),
			'percent in host'        => array('http://exa%40mple.com/', 'bad_host'),
			'label starting hyphen'  => array('http://-bad.example.com/', 'bad_host'),
			'empty label'            => array('http://bad..example.com/', 'bad_host'),
		);
	}

	public function test_unresolvable_hosts(): void {
		$this->assertSame('unresolvable', $this->refusal('https://nowhere.example.com/')->error_code());
		$this->assertSame('unresolvable', $this->refusal('https://junk.example.com/')->error_code());
	}

	/** @dataProvider forbidden_addresses */
	public function test_forbidden_addresses(string $ip, string $class, bool $allowed_locally): void {
		$this->assertSame($class, Destination::classify($ip)['class'] ?? null, $ip);
		$url = 'http://' . (false !== strpos($ip, ':') ? "[{$ip}]" : $ip) . ':8080/hook';
		$e   = $this->refusal($url);
		$this->assertSame('forbidden_address', $e->error_code());
		$this->assertSame($class, $e->details()['class']);
		$this->assertStringContainsString('RFC ', $e->getMessage());
		if ($allowed_locally) {
			$this->assertNotEmpty($this->destination()->check($url, true)['addresses']);
		} else {
			$this->assertSame('forbidden_address', $this->refusal($url, true)->error_code(), "{$ip} with allow_local");
		}
		$this->assertSame(array(), $this->asked, 'an IP literal is not resolved');
	}

	public function forbidden_addresses(): array {
		return array(
			'0/8 first'                  => array('0.0.0.0', 'unspecified', false),
			'0/8 last'                   => array('0.255.255.255', 'unspecified', false),
			'10/8 first'                 => array('10.0.0.0', 'private', true),
			'10/8 last'                  => array('10.255.255.255', 'private', true),
			'100.64/10 first'            => array('100.64.0.0', 'shared', false),
			'100.64/10 last'             => array('100.127.255.255', 'shared', false),
			'127/8 first'                => array('127.0.0.1', 'loopback', true),
			'127/8 last'                 => array('127.255.255.254', 'loopback', true),
			'169.254/16 first'           => array('169.254.0.0', 'link_local', false),
			'169.254/16 metadata'        => array('169.254.169.254', 'link_local', false),
			'169.254/16 last'            => array('169.254.255.255', 'link_local', false),
			'172.16/12 first'            => array('172.16.0.0', 'private', true),
			'172.16/12 last'             => array('172.31.255.255', 'private', true),
			'192.0.0/24'                 => array('192.0.0.8', 'reserved', false),
			'192.0.2/24'                 => array('192.0.2.255', 'reserved', false),
			'192.88.99/24'               => array('192.88.99.1', 'reserved', false),
			'192.168/16 first'           => array('192.168.0.0', 'private', true),
			'192.168/16 last'            => array('192.168.255.255', 'private', true),
			'198.18/15 first'            => array('198.18.0.0', 'reserved', false),
			'198.18/15 last'             => array('198.19.255.255', 'reserved', false),
			'198.51.100/24'              => array('198.51.100.1', 'reserved', false),
			'203.0.113/24'               => array('203.0.113.255', 'reserved', false),
			'224/4 first'                => array('224.0.0.0', 'multicast', false),
			'224/4 last'                 => array('239.255.255.255', 'multicast', false),
			'240/4 first'                => array('240.0.0.0', 'reserved', false),
			'broadcast'                  => array('255.255.255.255', 'reserved', false),
			'::'                         => array('::', 'unspecified', false),
			'::1'                        => array('::1', 'loopback', true),
			'::1 long form'              => array('0000:0000:0000:0000:0000:0000:0000:0001', 'loopback', true),
			'fc00::/7 first'             => array('fc00::', 'private', true),
			'fc00::/7 last'              => array('fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'private', true),
			'fc00::/7 upper case'        => array('FD12:3456:789A::1', 'private', true),
			'fec0::/10 first'            => array('fec0::', 'private', true),
			'fec0::/10 last'             => array('feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'private', true),
			'fe80::/10 first'            => array('fe80::', 'link_local', false),
			'fe80::/10 last'             => array('febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'link_local', false),
			'FE80 upper case'            => array('FE80::1', 'link_local', false),
			'ff00::/8 first'             => array('ff00::', 'multicast', false),
			'ff02::1'                    => array('ff02::1', 'multicast', false),
			'2001:db8::/32 first'        => array('2001:db8::', 'reserved', false),
			'2001:db8::/32 last'         => array('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved', false),
			'3fff::/20'                  => array('3fff:fff::1', 'reserved', false),
			'100::/64'                   => array('100::1', 'reserved', false),
			'Teredo first'               => array('2001::', 'reserved', false),
			'Teredo last'                => array('2001:0:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved', false),
			'local NAT64'                => array('64:ff9b:1::808:808', 'reserved', false),
			'mapped loopback'            => array('::ffff:127.0.0.1', 'loopback', true),
			'mapped loopback upper hex'  => array('::FFFF:7F00:1', 'loopback', true),
			'mapped loopback long'       => array('0:0:0:0:0:ffff:7f00:0001', 'loopback', true),
			'mapped private'             => array('::ffff:10.1.2.3', 'private', true),
			'mapped metadata'            => array('::ffff:169.254.169.254', 'link_local', false),
			'mapped unspecified'         => array('::ffff:0.0.0.0', 'unspecified', false),
			'compatible loopback'        => array('::127.0.0.1', 'loopback', true),
			'compatible 0.0.0.2'         => array('::2', 'unspecified', false),
			'compatible private'         => array('::192.168.1.1', 'private', true),
			'NAT64 of loopback'          => array('64:ff9b::127.0.0.1', 'reserved', false),
			'NAT64 of metadata'          => array('64:ff9b::a9fe:a9fe', 'reserved', false),
			'6to4 of loopback'           => array('2002:7f00:1::1', 'reserved', false),
			'6to4 of private'            => array('2002:c0a8:0101::', 'reserved', false),
		);
	}

	/** @dataProvider allowed_addresses */
	public function test_allowed_addresses(string $ip): void {
		$this->assertNull(Destination::classify($ip), $ip);
		$url     = 'https://' . (false !== strpos($ip, ':') ? "[{$ip}]" : $ip) . '/';
		$checked = $this->destination()->check($url, false);
		$this->assertSame(array(inet_ntop(inet_pton($ip))), $checked['addresses']);
	}

	public function allowed_addresses(): array {
		return array(
			'before 10/8'        => array('9.255.255.255'),
			'after 10/8'         => array('11.0.0.0'),
			'before 100.64/10'   => array('100.63.255.255'),
			'after 100.64/10'    => array('100.128.0.0'),
			'before 127/8'       => array('126.255.255.255'),
			'after 127/8'        => array('128.0.0.0'),
			'before 169.254/16'  => array('169.253.255.255'),
			'after 169.254/16'   => array('169.255.0.0'),
			'before 172.16/12'   => array('172.15.255.255'),
			'after 172.16/12'    => array('172.32.0.0'),
			'after 192.0.0/24'   => array('192.0.1.0'),
			'after 192.0.2/24'   => array('192.0.3.0'),
			'before 192.168/16'  => array('192.167.255.255'),
			'after 192.168/16'   => array('192.169.0.0'),
			'before 198.18/15'   => array('198.17.255.255'),
			'after 198.18/15'    => array('198.20.0.0'),
			'before 198.51.100'  => array('198.51.99.255'),
			'after 198.51.100'   => array('198.51.101.0'),
			'before 203.0.113'   => array('203.0.112.255'),
			'after 203.0.113'    => array('203.0.114.0'),
			'before 224/4'       => array('223.255.255.255'),
			'public v4'          => array('8.8.8.8'),
			'1.0.0.0'            => array('1.0.0.0'),
			'before fc00::/7'    => array('fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'),
			'after fc00::/7'     => array('fe00::'),
			'before fe80::/10'   => array('fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff'),
			'after 2001:db8'     => array('2001:db9::1'),
			'before 2001:db8'    => array('2001:db7:ffff::1'),
			'after Teredo'       => array('2001:1::1'),
			'public v6'          => array('2606:4700:4700::1111'),
			'public v6 upper'    => array('2606:4700:4700::AAAA'),
			'mapped public'      => array('::ffff:8.8.8.8'),
			'compatible public'  => array('::8.8.8.8'),
			'NAT64 of public'    => array('64:ff9b::8.8.8.8'),
			'6to4 of public'     => array('2002:808:808::1'),
		);
	}

	public function test_a_host_with_one_public_and_one_private_address_is_refused(): void {
		$e = $this->refusal('https://mixed.example.com/');
		$this->assertSame('forbidden_address', $e->error_code());
		$this->assertSame('10.0.0.7', $e->details()['address']);
		$e = $this->refusal('https://mixed6.example.com/');
		$this->assertSame('fd00::1', $e->details()['address']);
		$this->assertSame(array('93.184.215.14', '10.0.0.7'), $this->destination()->check('https://mixed.example.com/', true)['addresses']);
	}

	public function test_every_address_is_returned(): void {
		$this->assertSame(
			array('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'),
			$this->destination()->check('https://dual.example.com/', false)['addresses']
		);
	}

	public function test_names_resolving_to_local_addresses(): void {
		$this->assertSame('loopback', $this->refusal('http://dev.example.test:8080/')->details()['class']);
		$this->assertSame(array('127.0.0.1', '192.168.1.20'), $this->destination()->check('http://dev.example.test:8080/', true)['addresses']);
		$this->assertSame('link_local', $this->refusal('http://meta.example.test/latest/meta-data/', true)->details()['class']);
		$this->assertSame('loopback', $this->refusal('http://mapped.example.com/')->details()['class']);
		$this->assertSame(array('::ffff:127.0.0.1'), $this->destination()->check('http://mapped.example.com/', true)['addresses']);
	}

	public function test_ipv6_literals(): void {
		$checked = $this->destination()->check('https://[2606:4700:4700:0000:0000:0000:0000:1111]:8443/x', false);
		$this->assertSame('2606:4700:4700::1111', $checked['host']);
		$this->assertSame(array('2606:4700:4700::1111'), $checked['addresses']);
		$this->assertSame('loopback', $this->refusal('http://[0:0:0:0:0:0:0:1]/')->details()['class']);
		$this->assertSame('loopback', $this->refusal('http://[::FFFF:127.0.0.1]/')->details()['class']);
	}

	public function test_pinned(): void {
		$pin = Destination::pinned($this->destination()->check('https://dual.example.com/hook', false));
		$this->assertSame(
			array(
				'ip'          => '93.184.215.14',
				'host'        => 'dual.example.com',
				'port'        => 443,
				'host_header' => 'dual.example.com',
				'resolve'     => 'dual.example.com:443:93.184.215.14',
			),
			$pin
		);
		$pin = Destination::pinned(
			array(
				'scheme'    => 'http',
				'host'      => 'v6.example.com',
				'port'      => 8080,
				'path'      => '/',
				'addresses' => array('2606:4700:4700::1111'),
			)
		);
		$this->assertSame('v6.example.com:8080:[2606:4700:4700::1111]', $pin['resolve']);
		$this->assertSame('v6.example.com:8080', $pin['host_header']);
		$pin = Destination::pinned($this->destination()->check('http://[2606:4700:4700::1111]:8080/', false));
		$this->assertNull($pin['resolve']);
		$this->assertSame('[2606:4700:4700::1111]:8080', $pin['host_header']);
		$this->assertSame('2606:4700:4700::1111', $pin['ip']);
		$this->expectException(\InvalidArgumentException::class);
		Destination::pinned(array('host' => 'x'));
	}
}
