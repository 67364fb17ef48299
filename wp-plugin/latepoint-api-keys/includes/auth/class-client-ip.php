<?php
/**
 * The client's IP address, and IP/CIDR lists (IPv4 and IPv6).
 *
 * X-Forwarded-For is read only when REMOTE_ADDR is a configured trusted proxy,
 * and then from the right: the first address that is not itself a trusted
 * proxy is the client (the left part of the header is whatever the client sent).
 *
 * @package LatePointApi
 */

namespace LatePointApi\Auth;

use LatePointApi\Support\Input_List;

defined( 'ABSPATH' ) || exit;

/**
 * Pure functions over addresses.
 */
final class Client_Ip {

	/**
	 * @param array<string, mixed> $server $_SERVER.
	 * @param string[]             $trusted_proxies IPs or CIDRs.
	 */
	public static function resolve( array $server, array $trusted_proxies ): string {
		$remote = isset( $server['REMOTE_ADDR'] ) ? self::normalize( (string) $server['REMOTE_ADDR'] ) : '';
		if ( '' === $remote || ! $trusted_proxies || ! self::in_list( $remote, $trusted_proxies ) ) {
			return $remote;
		}
		$forwarded = isset( $server['HTTP_X_FORWARDED_FOR'] ) ? (string) $server['HTTP_X_FORWARDED_FOR'] : '';
		$hops      = array_reverse( array_filter( array_map( 'trim', explode( ',', $forwarded ) ) ) );
		foreach ( $hops as $hop ) {
			$ip = self::normalize( $hop );
			if ( '' === $ip ) {
				return $remote; // A malformed hop: trust nothing further left.
			}
			if ( ! self::in_list( $ip, $trusted_proxies ) ) {
				return $ip;
			}
		}
		return $remote;
	}

	/** The canonical text form of an IP, or '' when it is not one. */
	public static function normalize( string $ip ): string {
		$ip     = trim( $ip, " \t[]" );
		$packed = inet_pton( $ip );
		if ( false === $packed ) {
			return '';
		}
		// IPv4-mapped IPv6 (::ffff:1.2.3.4) is the IPv4 address.
		if ( 16 === strlen( $packed ) && 0 === strncmp( $packed, str_repeat( "\0", 10 ) . "\xff\xff", 12 ) ) {
			$packed = substr( $packed, 12 );
		}
		return (string) inet_ntop( $packed );
	}

	/** Whether $entry is an IP or a CIDR range. */
	public static function is_valid_entry( string $entry ): bool {
		return null !== self::parse_range( $entry );
	}

	/**
	 * Splits a list given as an array or as text (commas, spaces or new lines).
	 *
	 * @param mixed $input
	 * @return array{valid: string[], invalid: string[]}
	 */
	public static function parse_list( $input ): array {
		return Input_List::parse(
			$input,
			static function ( string $entry ): ?string {
				$range = self::parse_range( $entry );
				return null === $range ? null : $range['text'];
			}
		);
	}

	/** @param string[] $list */
	public static function in_list( string $ip, array $list ): bool {
		$packed = inet_pton( self::normalize( $ip ) );
		if ( false === $packed ) {
			return false;
		}
		foreach ( $list as $entry ) {
			$range = self::parse_range( (string) $entry );
			if ( null !== $range && strlen( $range['network'] ) === strlen( $packed ) && self::prefix_matches( $packed, $range['network'], $range['bits'] ) ) {
				return true;
			}
		}
		return false;
	}

	/** @return ?array{network: string, bits: int, text: string} */
	private static function parse_range( string $entry ): ?array {
		$parts = explode( '/', trim( $entry ), 2 );
		$ip    = self::normalize( $parts[0] );
		if ( '' === $ip || str_contains( $parts[0], '%' ) ) {
			return null;
		}
		$packed = inet_pton( $ip );
		$max    = strlen( $packed ) * 8;
		$bits   = $max;
		if ( isset( $parts[1] ) ) {
			if ( ! ctype_digit( $parts[1] ) || (int) $parts[1] > $max ) {
				return null;
			}
			$bits = (int) $parts[1];
		}
		return array(
			'network' => $packed,
			'bits'    => $bits,
			'text'    => $bits === $max ? $ip : "{$ip}/{$bits}",
		);
	}

	private static function prefix_matches( string $a, string $b, int $bits ): bool {
		$bytes = intdiv( $bits, 8 );
		if ( 0 !== strncmp( $a, $b, $bytes ) ) {
			return false;
		}
		$rest = $bits % 8;
		if ( 0 === $rest ) {
			return true;
		}
		$mask = ( 0xff << ( 8 - $rest ) ) & 0xff;
		return ( ord( $a[ $bytes ] ) & $mask ) === ( ord( $b[ $bytes ] ) & $mask );
	}
}
