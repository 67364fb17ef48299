<?php
/**
 * The plugin's one set of date and time helpers: calendar dates (Y-m-d),
 * LatePoint's minutes from midnight, and the API's ISO 8601 forms.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

defined( 'ABSPATH' ) || exit;

/**
 * Pure functions over dates and times (the site's time zone where it says so).
 */
final class Dates {

	/** Whether a value is a real calendar date Y-m-d, years 1970–2100. */
	public static function is_date( $value ): bool {
		return is_string( $value ) && 1 === preg_match( '/^(\d{4})-(\d{2})-(\d{2})$/', $value, $m ) && checkdate( (int) $m[2], (int) $m[3], (int) $m[1] ) && (int) $m[1] >= 1970 && (int) $m[1] <= 2100;
	}

	/** Days since 1970-01-01 of a Y-m-d date. */
	public static function day_index( string $date ): int {
		list( $y, $m, $d ) = array_map( 'intval', explode( '-', $date ) );
		return intdiv( gmmktime( 0, 0, 0, $m, $d, $y ), 86400 );
	}

	/** The Y-m-d date of a day index. */
	public static function date_of( int $day_index ): string {
		return gmdate( 'Y-m-d', $day_index * 86400 );
	}

	/** Today in the site's time zone, Y-m-d. */
	public static function today(): string {
		return ( new \DateTimeImmutable( 'now', wp_timezone() ) )->format( 'Y-m-d' );
	}

	/** "HH:MM" → minutes from midnight. */
	public static function minutes( string $hhmm ): int {
		list( $h, $m ) = array_map( 'intval', explode( ':', $hhmm ) );
		return $h * 60 + $m;
	}

	/** Minutes from midnight → "HH:MM" (24:00 for the end of the day); null stays null. */
	public static function hhmm( ?int $minutes ): ?string {
		return null === $minutes ? null : sprintf( '%02d:%02d', intdiv( $minutes, 60 ), $minutes % 60 );
	}

	/** A site-local date and minute → UTC "Y-m-d H:i:s". */
	public static function utc( string $date, int $minutes ): string {
		$local = new \DateTimeImmutable( $date . ' 00:00:00', wp_timezone() );
		$local = $local->setTime( intdiv( $minutes, 60 ), $minutes % 60 );
		return $local->setTimezone( new \DateTimeZone( 'UTC' ) )->format( 'Y-m-d H:i:s' );
	}

	/** A UTC "Y-m-d H:i:s" → ISO 8601 "…Z", or null. */
	public static function iso_utc( ?string $datetime ): ?string {
		if ( null === $datetime || '' === $datetime || str_starts_with( $datetime, '0000' ) ) {
			return null;
		}
		return str_replace( ' ', 'T', $datetime ) . 'Z';
	}

	/** A site-local "Y-m-d H:i:s" → ISO 8601 with the site's offset, or null. */
	public static function iso_local( ?string $datetime ): ?string {
		if ( null === $datetime || '' === $datetime || str_starts_with( $datetime, '0000' ) ) {
			return null;
		}
		try {
			return ( new \DateTimeImmutable( $datetime, wp_timezone() ) )->format( 'c' );
		} catch ( \Exception $e ) {
			return null;
		}
	}
}
