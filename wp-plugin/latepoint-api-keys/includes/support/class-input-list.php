<?php
/**
 * A list typed by an admin or sent as JSON: an array, or text split at commas,
 * spaces and new lines. Each entry is normalised; what cannot be is reported.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

defined( 'ABSPATH' ) || exit;

/**
 * Splits and normalises.
 */
final class Input_List {

	/**
	 * @param mixed                    $input
	 * @param callable(string):?string $normalize the canonical form of an entry, or null when it is invalid
	 * @return array{valid: string[], invalid: string[]}
	 */
	public static function parse( $input, callable $normalize ): array {
		$items = is_array( $input ) ? $input : preg_split( '/[\s,]+/', (string) $input );
		$valid = array();
		$bad   = array();
		foreach ( $items as $item ) {
			if ( ! is_string( $item ) ) {
				$bad[] = is_scalar( $item ) ? (string) $item : gettype( $item );
				continue;
			}
			$item = trim( $item );
			if ( '' === $item ) {
				continue;
			}
			$normal = $normalize( $item );
			if ( null === $normal ) {
				$bad[] = $item;
			} else {
				$valid[] = $normal;
			}
		}
		return array( 'valid' => array_values( array_unique( $valid ) ), 'invalid' => $bad );
	}
}
