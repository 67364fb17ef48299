<?php
/**
 * Where a webhook may be delivered: the check against server-side request
 * forgery (SSRF), done when a URL is saved and again before every delivery.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Webhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Checks a webhook URL and every address its host resolves to.
 *
 * The URL: http or https only, any port (1-65535), no user or password, a host
 * that is a DNS name (ASCII letters, digits, hyphens; internationalised names
 * as their xn-- form), a dotted-quad IPv4 address, or an IPv6 address in
 * brackets. Hosts that resolvers would read as other IPv4 spellings (2130706433,
 * 0x7f.1, 127.1, 0177.0.0.1) are refused.
 *
 * The host's addresses: every A and AAAA record (an IP literal is itself). The
 * URL is refused when ANY of them is in one of these ranges, so a name that
 * resolves to a public and a private address is refused:
 *
 *  - loopback: 127.0.0.0/8 (RFC 1122), ::1/128 (RFC 4291)
 *  - private: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918); unique
 *    local fc00::/7 (RFC 4193); deprecated site-local fec0::/10 (RFC 3879)
 *  - link-local: 169.254.0.0/16 (RFC 3927; cloud metadata services live
 *    here), fe80::/10 (RFC 4291)
 *  - shared address space (carrier-grade NAT): 100.64.0.0/10 (RFC 6598)
 *  - multicast: 224.0.0.0/4 (RFC 5771), ff00::/8 (RFC 4291)
 *  - unspecified / "this network": 0.0.0.0/8 (RFC 1122, RFC 6890), ::/128
 *    (RFC 4291)
 *  - reserved and special purpose: 240.0.0.0/4 with 255.255.255.255 (RFC 1112,
 *    RFC 919, RFC 6890); IETF protocol assignments 192.0.0.0/24 (RFC 6890);
 *    documentation 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (RFC 5737),
 *    2001:db8::/32 (RFC 3849), 3fff::/20 (RFC 9637); benchmarking
 *    198.18.0.0/15 (RFC 2544); 6to4 relay anycast 192.88.99.0/24 (RFC 7526);
 *    discard-only 100::/64 (RFC 6666); local-use NAT64 64:ff9b:1::/48
 *    (RFC 8215); Teredo 2001::/32 (RFC 4380: it embeds addresses that cannot
 *    be checked, so it is refused whole)
 *  - IPv6 forms that carry an IPv4 address, judged by that address: IPv4-mapped
 *    ::ffff:0:0/96 (RFC 4291), IPv4-compatible ::/96 (RFC 4291, deprecated),
 *    NAT64 64:ff9b::/96 (RFC 6052), 6to4 2002::/16 (RFC 3056). A mapped or
 *    compatible address takes the class of its IPv4 address (the system
 *    connects to that address); a NAT64 or 6to4 address of any forbidden IPv4
 *    is "reserved" (the connection would go through a translator).
 *
 * $allow_local (the plugin's development setting) allows exactly the classes
 * "loopback" and "private" above (127.0.0.0/8, ::1, 10.0.0.0/8, 172.16.0.0/12,
 * 192.168.0.0/16, fc00::/7, fec0::/10, and their IPv4-mapped and
 * IPv4-compatible forms); link-local, shared, multicast, unspecified and
 * reserved addresses stay refused.
 *
 * Checking is not enough on its own: the name must not resolve again, to
 * something else, when the request is made (DNS rebinding). pinned() gives
 * what the delivery passes to cURL so it connects to a checked address.
 */
final class Destination {

	/**
	 * Ranges as [CIDR, class, RFC]; the first match wins. The embedded-IPv4
	 * forms (mapped, compatible, NAT64, 6to4) are handled before this list.
	 */
	private const RANGES = array(
		array( '0.0.0.0/8', 'unspecified', 'RFC 1122' ),
		array( '10.0.0.0/8', 'private', 'RFC 1918' ),
		array( '100.64.0.0/10', 'shared', 'RFC 6598' ),
		array( '127.0.0.0/8', 'loopback', 'RFC 1122' ),
		array( '169.254.0.0/16', 'link_local', 'RFC 3927' ),
		array( '172.16.0.0/12', 'private', 'RFC 1918' ),
		array( '192.0.0.0/24', 'reserved', 'RFC 6890' ),
		array( '192.0.2.0/24', 'reserved', 'RFC 5737' ),
		array( '192.88.99.0/24', 'reserved', 'RFC 7526' ),
		array( '192.168.0.0/16', 'private', 'RFC 1918' ),
		array( '198.18.0.0/15', 'reserved', 'RFC 2544' ),
		array( '198.51.100.0/24', 'reserved', 'RFC 5737' ),
		array( '203.0.113.0/24', 'reserved', 'RFC 5737' ),
		array( '224.0.0.0/4', 'multicast', 'RFC 5771' ),
		array( '240.0.0.0/4', 'reserved', 'RFC 1112' ),
		array( '::/128', 'unspecified', 'RFC 4291' ),
		array( '::1/128', 'loopback', 'RFC 4291' ),
		array( '64:ff9b:1::/48', 'reserved', 'RFC 8215' ),
		array( '100::/64', 'reserved', 'RFC 6666' ),
		array( '2001::/32', 'reserved', 'RFC 4380' ),
		array( '2001:db8::/32', 'reserved', 'RFC 3849' ),
		array( '3fff::/20', 'reserved', 'RFC 9637' ),
		array( 'fc00::/7', 'private', 'RFC 4193' ),
		array( 'fe80::/10', 'link_local', 'RFC 4291' ),
		array( 'fec0::/10', 'private', 'RFC 3879' ),
		array( 'ff00::/8', 'multicast', 'RFC 4291' ),
	);

	/** The classes $allow_local lets through. */
	private const LOCAL_CLASSES = array( 'loopback', 'private' );

	/**
	 * @var callable(string): string[] The host name in, its IP addresses out
	 *      (none when it does not resolve).
	 */
	private $resolver;

	/**
	 * @param callable(string): string[]|null $resolver For tests; the default
	 *        asks the system resolver (A, with /etc/hosts) and DNS (A and AAAA).
	 */
	public function __construct( ?callable $resolver = null ) {
		$this->resolver = $resolver ?? array( self::class, 'resolve' );
	}

	/**
	 * @return array{scheme: string, host: string, port: int, path: string, addresses: string[]}
	 *         host is lower case, without brackets for IPv6; path includes the
	 *         query ("/" when empty); addresses are canonical text.
	 * @throws Destination_Error When the URL or one of its addresses is refused.
	 */
	public function check( string $url, bool $allow_local ): array {
		$parts  = self::parse( $url );
		$host   = $parts['host'];
		$packed = inet_pton( $host );
		$found  = false !== $packed ? array( $host ) : (array) call_user_func( $this->resolver, $host );

		$addresses = array();
		foreach ( $found as $ip ) {
			$bin = is_string( $ip ) ? inet_pton( trim( $ip, '[]' ) ) : false;
			if ( false === $bin ) {
				throw new Destination_Error( 'unresolvable', sprintf( 'The host %s resolved to something that is not an IP address.', $host ) );
			}
			$addresses[ inet_ntop( $bin ) ] = $bin;
		}
		if ( ! $addresses ) {
			throw new Destination_Error( 'unresolvable', sprintf( 'The host %s does not resolve to any address.', $host ) );
		}
		foreach ( $addresses as $text => $bin ) {
			$class = self::classify_packed( $bin );
			if ( null !== $class && ! ( $allow_local && in_array( $class['class'], self::LOCAL_CLASSES, true ) ) ) {
				throw new Destination_Error(
					'forbidden_address',
					sprintf( 'The host %1$s resolves to %2$s, a %3$s address (%4$s): webhooks are not sent there.', $host, (string) $text, str_replace( '_', '-', $class['class'] ), $class['rfc'] ),
					array(
						'address' => (string) $text,
						'class'   => $class['class'],
						'rfc'     => $class['rfc'],
					)
				);
			}
		}
		$parts['addresses'] = array_map( 'strval', array_keys( $addresses ) );
		return $parts;
	}

	/**
	 * What the delivery uses so that cURL connects to the checked address and
	 * no other (no second lookup the DNS could answer differently):
	 *
	 *     curl_setopt( $ch, CURLOPT_RESOLVE, array( $pin['resolve'] ) );
	 *
	 * with the URL unchanged, so the Host header and TLS (SNI and certificate
	 * name) stay the URL's host. 'resolve' is "host:port:ip", the address in
	 * brackets when it is IPv6; it is null when the host is an IP literal
	 * (cURL does not resolve those). 'host_header' is the Host header value
	 * (":port" only when not the scheme's default).
	 *
	 * @param array $checked What check() returned.
	 * @return array{ip: string, host: string, port: int, host_header: string, resolve: ?string}
	 */
	public static function pinned( array $checked ): array {
		if ( empty( $checked['addresses'] ) || ! isset( $checked['host'], $checked['port'], $checked['scheme'] ) ) {
			throw new \InvalidArgumentException( 'pinned() takes what Destination::check() returned.' );
		}
		$ip      = (string) reset( $checked['addresses'] );
		$host    = (string) $checked['host'];
		$port    = (int) $checked['port'];
		$is_ip   = false !== inet_pton( $host );
		$name    = false !== strpos( $host, ':' ) ? '[' . $host . ']' : $host;
		$default = 'https' === $checked['scheme'] ? 443 : 80;
		return array(
			'ip'          => $ip,
			'host'        => $host,
			'port'        => $port,
			'host_header' => $default === $port ? $name : $name . ':' . $port,
			'resolve'     => $is_ip ? null : $host . ':' . $port . ':' . ( false !== strpos( $ip, ':' ) ? '[' . $ip . ']' : $ip ),
		);
	}

	/**
	 * The class and RFC of a forbidden address, or null for an allowed one.
	 *
	 * @param string $ip An address as text (IPv6 with or without brackets).
	 * @return array{class: string, rfc: string}|null
	 */
	public static function classify( string $ip ): ?array {
		$bin = inet_pton( trim( $ip, '[]' ) );
		if ( false === $bin ) {
			throw new \InvalidArgumentException( 'Not an IP address.' );
		}
		return self::classify_packed( $bin );
	}

	/**
	 * classify() of a packed address (inet_pton).
	 *
	 * @return array{class: string, rfc: string}|null
	 */
	private static function classify_packed( string $bin ): ?array {
		if ( 16 === strlen( $bin ) ) {
			$zero10 = str_repeat( "\0", 10 );
			// IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d (but not :: and ::1).
			$tail = substr( $bin, 12 );
			if ( 0 === strncmp( $bin, $zero10 . "\xff\xff", 12 ) || ( 0 === strncmp( $bin, $zero10 . "\0\0", 12 ) && ! in_array( $tail, array( "\0\0\0\0", "\0\0\0\1" ), true ) ) ) {
				return self::classify_packed( $tail );
			}
			$nat64 = 0 === strncmp( $bin, "\x00\x64\xff\x9b" . str_repeat( "\0", 8 ), 12 );
			if ( $nat64 || 0 === strncmp( $bin, "\x20\x02", 2 ) ) {
				$v4 = self::classify_packed( $nat64 ? substr( $bin, 12 ) : substr( $bin, 2, 4 ) );
				return null === $v4 ? null : array(
					'class' => 'reserved',
					'rfc'   => ( $nat64 ? 'RFC 6052' : 'RFC 3056' ) . ' of a ' . str_replace( '_', '-', $v4['class'] ) . ' IPv4 address',
				);
			}
		}
		foreach ( self::RANGES as $range ) {
			if ( self::in_cidr( $bin, $range[0] ) ) {
				return array(
					'class' => $range[1],
					'rfc'   => $range[2],
				);
			}
		}
		return null;
	}

	/**
	 * The default resolver: the system's (IPv4, /etc/hosts included) and DNS
	 * A and AAAA records, together.
	 *
	 * @return string[]
	 */
	public static function resolve( string $host ): array {
		$found = array();
		$v4    = gethostbynamel( $host );
		if ( is_array( $v4 ) ) {
			$found = $v4;
		}
		// phpcs:ignore Generic.PHP.NoSilencedErrors -- dns_get_record() warns when the name does not exist; that is an empty answer here.
		$records = @dns_get_record( $host, DNS_A | DNS_AAAA );
		foreach ( is_array( $records ) ? $records : array() as $record ) {
			if ( isset( $record['ip'] ) ) {
				$found[] = (string) $record['ip'];
			} elseif ( isset( $record['ipv6'] ) ) {
				$found[] = (string) $record['ipv6'];
			}
		}
		return array_values( array_unique( $found ) );
	}

	/**
	 * Splits and validates the URL.
	 *
	 * @return array{scheme: string, host: string, port: int, path: string}
	 */
	private static function parse( string $url ): array {
		if ( '' === $url || preg_match( '/[\x00-\x20\x7f\\\\]/', $url ) ) {
			throw new Destination_Error( 'bad_url', 'The URL is empty or has spaces, control characters or backslashes.' );
		}
		if ( ! preg_match( '#^([a-z][a-z0-9+.-]*):#i', $url, $m ) || ! in_array( strtolower( $m[1] ), array( 'http', 'https' ), true ) ) {
			throw new Destination_Error( 'not_http', 'Webhook URLs must start with http:// or https://.' );
		}
		$scheme = strtolower( $m[1] );
		if ( ! preg_match( '#^[a-z]+://([^/?\#]*)(.*)$#is', $url, $m ) ) {
			throw new Destination_Error( 'no_host', 'The URL has no host (it must look like https://example.com/path).' );
		}
		$authority = $m[1];
		$rest      = $m[2];
		if ( false !== strpos( $authority, '@' ) ) {
			throw new Destination_Error( 'has_credentials', 'Webhook URLs cannot carry a user name or password.' );
		}
		if ( ! preg_match( '/^(\[[0-9a-f:.]+\]|[^:\[\]]*)(?::(\d*))?$/i', $authority, $m ) ) {
			throw new Destination_Error( 'bad_host', 'The host of the URL is not valid.' );
		}
		$host = strtolower( $m[1] );
		$port = isset( $m[2] ) && '' !== $m[2] ? (int) ltrim( $m[2], '0' ) : ( 'https' === $scheme ? 443 : 80 );
		if ( isset( $m[2] ) && ( strlen( $m[2] ) > 5 || $port < 1 || $port > 65535 ) ) {
			throw new Destination_Error( 'bad_port', 'The port must be a number from 1 to 65535.' );
		}
		$host = self::host( $host );

		$fragment = strpos( $rest, '#' );
		$path     = false === $fragment ? $rest : substr( $rest, 0, $fragment );
		if ( '' === $path || '?' === $path[0] ) {
			$path = '/' . $path;
		}
		return array(
			'scheme' => $scheme,
			'host'   => $host,
			'port'   => $port,
			'path'   => $path,
		);
	}

	/** The host, checked: an IPv6 literal unbracketed, an IPv4 literal, or an ASCII DNS name. */
	private static function host( string $host ): string {
		if ( '' === $host || '.' === $host ) {
			throw new Destination_Error( 'no_host', 'The URL has no host.' );
		}
		if ( '[' === $host[0] ) {
			$ip = substr( $host, 1, -1 );
			if ( false === filter_var( $ip, FILTER_VALIDATE_IP, FILTER_FLAG_IPV6 ) ) {
				throw new Destination_Error( 'bad_host', 'The bracketed host of the URL is not an IPv6 address.' );
			}
			return (string) inet_ntop( (string) inet_pton( $ip ) );
		}
		if ( preg_match( '/[^\x21-\x7e]/', $host ) ) {
			$ascii = function_exists( 'idn_to_ascii' ) ? idn_to_ascii( $host, IDNA_DEFAULT, INTL_IDNA_VARIANT_UTS46 ) : false;
			if ( ! is_string( $ascii ) ) {
				throw new Destination_Error( 'bad_host', 'The host of the URL is not a valid name (write an international name in its xn-- form).' );
			}
			$host = strtolower( $ascii );
		}
		$labels = explode( '.', rtrim( $host, '.' ) );
		$last   = (string) end( $labels );
		// What ends in a number is an IPv4 address to URL parsers and resolvers: only the dotted quad is accepted.
		if ( preg_match( '/^(0x[0-9a-f]*|[0-9]+)$/i', $last ) ) {
			if ( false === filter_var( $host, FILTER_VALIDATE_IP, FILTER_FLAG_IPV4 ) ) {
				throw new Destination_Error( 'bad_host', 'The host of the URL looks like an IPv4 address but is not one in dotted-quad form (such as 192.0.2.1).' );
			}
			return $host;
		}
		foreach ( $labels as $label ) {
			if ( ! preg_match( '/^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/', $label ) ) {
				throw new Destination_Error( 'bad_host', 'The host of the URL is not a valid name.' );
			}
		}
		if ( strlen( $host ) > 253 ) {
			throw new Destination_Error( 'bad_host', 'The host name of the URL is too long.' );
		}
		return $host;
	}

	/** Whether a packed address is in a CIDR range (IPv4 and IPv6 never match each other). */
	private static function in_cidr( string $bin, string $cidr ): bool {
		list( $net, $bits ) = explode( '/', $cidr );
		$net                = (string) inet_pton( $net );
		$bits               = (int) $bits;
		if ( strlen( $net ) !== strlen( $bin ) ) {
			return false;
		}
		$bytes = intdiv( $bits, 8 );
		if ( 0 !== strncmp( $bin, $net, $bytes ) ) {
			return false;
		}
		$rest = $bits % 8;
		if ( 0 === $rest ) {
			return true;
		}
		$mask = ( 0xff << ( 8 - $rest ) ) & 0xff;
		return ( ord( $bin[ $bytes ] ) & $mask ) === ( ord( $net[ $bytes ] ) & $mask );
	}
}
