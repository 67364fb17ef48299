<?php
/**
 * Amounts as LatePoint shows them. With LatePoint loaded, its own
 * OsMoneyHelper::format_price() (and so the latepoint_format_price filter its
 * add-ons use); without it, the same rules over LatePoint's settings, read
 * from its settings table: number_of_decimals (default 2), decimal_separator
 * (default "."), thousand_separator (default ","), zero decimals dropped
 * ("40.00" shows as "40"), then currency_symbol_before (default "$") and
 * currency_symbol_after (default none) around the number. Knows nothing of
 * REST.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Storage_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Price formatting.
 */
final class Money {

	/** Settings the formatting reads, with LatePoint's defaults. */
	const SETTINGS = array(
		'decimal_separator'      => '.',
		'thousand_separator'     => ',',
		'number_of_decimals'     => '2',
		'currency_symbol_before' => '$',
		'currency_symbol_after'  => '',
	);

	/** @var ?array<string, string> settings of this request */
	private static $settings = null;

	/** An amount as LatePoint prints it, currency symbol included; null stays null. */
	public static function format( $amount ): ?string {
		if ( null === $amount || '' === $amount ) {
			return null;
		}
		if ( self::latepoint_formats() ) {
			return (string) \OsMoneyHelper::format_price( $amount );
		}
		return self::format_from_settings( $amount, self::settings() );
	}

	/** Whether LatePoint's own formatter is loaded. */
	public static function latepoint_formats(): bool {
		return class_exists( 'OsMoneyHelper' ) && method_exists( 'OsMoneyHelper', 'format_price' ) && class_exists( 'OsSettingsHelper' );
	}

	/**
	 * LatePoint's format_price() rules over the given settings (see the file comment).
	 *
	 * @param array<string, string> $settings
	 */
	public static function format_from_settings( $amount, array $settings ): string {
		$decimal  = (string) $settings['decimal_separator'];
		$decimals = (int) $settings['number_of_decimals'];
		$text     = number_format( (float) ( empty( $amount ) ? 0 : $amount ), $decimals, $decimal, (string) $settings['thousand_separator'] );
		if ( $decimals >= 1 && $decimals <= 4 ) {
			$text = str_replace( $decimal . str_repeat( '0', $decimals ), '', $text );
		}
		$text = $settings['currency_symbol_before'] . $text . $settings['currency_symbol_after'];
		/** LatePoint's own filter of a formatted price (with currency, zero decimals hidden). */
		return (string) apply_filters( 'latepoint_format_price', $text, true, true );
	}

	/** @return array<string, string> LatePoint's formatting settings (its defaults where unset). */
	public static function settings(): array {
		if ( null === self::$settings ) {
			try {
				// LatePoint reads the first row of a name.
				$found = array_map( static fn ( $value ) => (string) maybe_unserialize( $value ), Tables::first_settings( array_keys( self::SETTINGS ) ) );
			} catch ( Storage_Error $e ) {
				return self::SETTINGS; // LatePoint's defaults, this once.
			}
			self::$settings = $found + self::SETTINGS;
		}
		return self::$settings;
	}

	/** Forgets the settings read, here and in Tables (tests, or after they change). */
	public static function reset(): void {
		Tables::forget();
	}

	/** Forgets Money's own copy of the settings (Tables::forget() calls it). */
	public static function forget_settings(): void {
		self::$settings = null;
	}
}
