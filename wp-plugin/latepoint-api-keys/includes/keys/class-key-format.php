<?php
/**
 * The key format's rules that PHP code outside the lpapi_* functions needs:
 * the pattern secret scanners use, and the display prefix. Free of WordPress,
 * so the db-error drop-in can use it before WordPress has loaded.
 *
 * A key: `lp_live_` or `lp_test_`, 32 base62 characters, a 6-character base62
 * CRC32 checksum: 46 characters in all.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Keys;

defined( 'ABSPATH' ) || exit;

/**
 * Key format constants and the display prefix.
 */
final class Key_Format {

	/** A full key anywhere in a text (the pattern secret scanners use). */
	const PATTERN = '/lp_(live|test)_[0-9A-Za-z]{38}/';
	/** The display prefix's length: `lp_live_` and the body's first 4 characters. */
	const PREFIX_LENGTH = 12;
	/** The option holding counter_scope(). */
	const COUNTER_SCOPE_OPTION = 'lpapi_counter_scope';

	/** The display prefix of something presented as a key, or '' when it does not start like one. */
	public static function display_prefix( string $presented ): string {
		return 1 === preg_match( '/^lp_(live|test)_[0-9A-Za-z]{4}/', $presented ) ? substr( $presented, 0, self::PREFIX_LENGTH ) : '';
	}

	/** Whether a text holds a full key. */
	public static function contains_key( string $text ): bool {
		return false !== strpos( $text, 'lp_' ) && 1 === preg_match( self::PATTERN, $text );
	}

	/** Text with every full key cut to its display prefix and an ellipsis. */
	public static function redact( string $text ): string {
		if ( false === strpos( $text, 'lp_' ) ) {
			return $text;
		}
		return (string) preg_replace_callback( self::PATTERN, static fn ( array $m ): string => substr( $m[0], 0, self::PREFIX_LENGTH ) . '…', $text );
	}

	/**
	 * The rate-limit bucket of a key's counters: named per site (two sites on
	 * one host, or in one php-fpm pool, never share counts) and by the key's
	 * counter_id, which a rotated key and its replacements share (a rotation
	 * neither resets nor doubles a quota).
	 */
	public static function rate_bucket( int $counter_id ): string {
		static $site = null;
		if ( null === $site ) {
			global $wpdb;
			$site = substr( hash( 'sha256', get_option( 'siteurl' ) . '|' . $wpdb->prefix . '|' . self::counter_scope() ), 0, 12 );
		}
		// In braces: a Redis Cluster puts every bucket of one key (its operations' too) in one slot.
		return '{site:' . $site . ':key:' . $counter_id . '}';
	}

	/** The bucket of a key's counters for one operation (`bookings:create`). */
	public static function operation_bucket( int $counter_id, string $operation ): string {
		return self::rate_bucket( $counter_id ) . ':op:' . $operation;
	}

	/**
	 * A random value made once per installation, part of every bucket's name:
	 * the shared table outlives php-fpm, so a site installed afresh at the
	 * same address (its key ids starting again at 1) must not inherit the
	 * counts of the keys it had before.
	 */
	private static function counter_scope(): string {
		$scope = get_option( self::COUNTER_SCOPE_OPTION );
		if ( ! is_string( $scope ) || '' === $scope ) {
			$scope = bin2hex( random_bytes( 8 ) );
			if ( ! add_option( self::COUNTER_SCOPE_OPTION, $scope, '', true ) ) {
				$scope = (string) get_option( self::COUNTER_SCOPE_OPTION ); // Another request made it first.
			}
		}
		return $scope;
	}
}
