<?php
/**
 * One audit-log row as it is stored: every column present, typed and cut to
 * its column's size; a full key in a free-text column cut to its display
 * prefix; control characters (CR, LF, TAB, the C0 and C1 ranges, DEL, the
 * Unicode line separators) written as visible escapes, so nothing a client
 * sends can forge a line in a log, a CSV or a terminal; invalid UTF-8 replaced.
 * Free of WordPress: the db-error drop-in writes rows too.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Audit;

use LatePointApi\Keys\Key_Format;

defined( 'ABSPATH' ) || exit;

/**
 * Builds stored rows.
 */
final class Audit_Row {

	/** The events a row can record. */
	/** rate_store: Redis went down or came back (error_code redis_down / redis_up). */
	const EVENTS         = array( 'request', 'auth_failed', 'rate_limited', 'admin_action', 'rate_store' );
	const USER_AGENT_MAX = 255;
	const ROUTE_MAX      = 191;

	/** A row with every column, cleaned. */
	public static function clean( array $row ): array {
		return array(
			'created_at'    => self::text( $row['created_at'] ?? self::now_ms(), 23 ),
			'request_id'    => self::text( $row['request_id'] ?? '', 32 ),
			'event'         => self::text( $row['event'] ?? 'request', 20 ),
			'key_id'        => isset( $row['key_id'] ) ? (int) $row['key_id'] : null,
			'key_prefix'    => self::text( $row['key_prefix'] ?? '', 16 ),
			'actor_user_id' => isset( $row['actor_user_id'] ) ? (int) $row['actor_user_id'] : null,
			'method'        => self::text( $row['method'] ?? '', 10 ),
			'route'         => self::text( Key_Format::redact( (string) ( $row['route'] ?? '' ) ), self::ROUTE_MAX ),
			'status'        => (int) ( $row['status'] ?? 0 ),
			'error_code'    => self::text( $row['error_code'] ?? '', 64 ),
			'client_ip'     => self::text( $row['client_ip'] ?? '', 45 ),
			'user_agent'    => self::text( Key_Format::redact( (string) ( $row['user_agent'] ?? '' ) ), self::USER_AGENT_MAX ),
			'duration_ms'   => max( 0, (int) ( $row['duration_ms'] ?? 0 ) ),
		);
	}

	/** Valid UTF-8 without control characters, at most $max bytes, never cut inside a character. */
	public static function text( $value, int $max ): string {
		$text = self::printable( is_scalar( $value ) ? (string) $value : '' );
		if ( strlen( $text ) <= $max ) {
			return $text;
		}
		return function_exists( 'mb_strcut' ) ? mb_strcut( $text, 0, $max, 'UTF-8' ) : substr( $text, 0, $max );
	}

	/** Control characters as escapes (`\r`, `\n`, `\t`, `\x1b`, `\u2028`), invalid UTF-8 as U+FFFD. */
	public static function printable( string $text ): string {
		if ( function_exists( 'mb_scrub' ) ) {
			$text = mb_scrub( $text, 'UTF-8' );
		} else {
			$text = htmlspecialchars_decode( htmlspecialchars( $text, ENT_NOQUOTES | ENT_SUBSTITUTE, 'UTF-8' ), ENT_NOQUOTES );
		}
		return (string) preg_replace_callback(
			'/[\x00-\x1F\x7F]|\xC2[\x80-\x9F]|\xE2\x80[\xA8\xA9]/',
			static function ( array $m ): string {
				$named = array(
					"\r" => '\r',
					"\n" => '\n',
					"\t" => '\t',
				);
				if ( isset( $named[ $m[0] ] ) ) {
					return $named[ $m[0] ];
				}
				if ( 1 === strlen( $m[0] ) ) {
					return sprintf( '\x%02x', ord( $m[0] ) );
				}
				return 2 === strlen( $m[0] ) ? sprintf( '\u%04x', ord( $m[0][1] ) ) : ( "\xA8" === $m[0][2] ? '\u2028' : '\u2029' );
			},
			$text
		);
	}

	/** Now, as a UTC datetime with milliseconds. */
	public static function now_ms(): string {
		$now = microtime( true );
		return gmdate( 'Y-m-d H:i:s', (int) $now ) . sprintf( '.%03d', (int) ( ( $now - floor( $now ) ) * 1000 ) );
	}
}
