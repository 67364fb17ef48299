<?php
/**
 * The operation-limit tables of the Generate and Settings tabs: a row per
 * write operation, a number per window (per minute, hour, day).
 *
 * @package LatePointApi
 */

namespace LatePointApi\Admin;

use LatePointApi\Keys\Key_Limits;

defined( 'ABSPATH' ) || exit;

/**
 * Renders the operation-limit tables and reads them back from a form.
 */
final class Limit_Fields {

	/**
	 * The table of form field $name ($name[operation][window]) with $values
	 * (operation => per_minute, per_hour, per_day) and the errors of $name.
	 *
	 * @param array<string, mixed>  $values
	 * @param array<string, string> $defaults operation => a description of its default, for a column
	 */
	public static function table( string $name, array $values, array $defaults = array() ): string {
		$windows = self::windows();
		$html    = '<table class="lpapi-operation-limits widefat" data-field="' . esc_attr( $name ) . '"><thead><tr><th scope="col">' . esc_html__( 'Operation', 'latepoint-api-keys' ) . '</th>';
		foreach ( $windows as $label ) {
			$html .= '<th scope="col">' . esc_html( $label ) . '</th>';
		}
		if ( $defaults ) {
			$html .= '<th scope="col">' . esc_html__( 'Default', 'latepoint-api-keys' ) . '</th>';
		}
		$html .= '</tr></thead><tbody>';
		foreach ( Key_Limits::operations() as $operation ) {
			$entry = is_array( $values[ $operation ] ?? null ) ? $values[ $operation ] : array();
			$html .= '<tr><th scope="row"><code>' . esc_html( $operation ) . '</code></th>';
			foreach ( $windows as $window => $label ) {
				/* translators: 1: operation, 2: window (per minute, per hour, per day) */
				$aria  = sprintf( __( '%1$s %2$s', 'latepoint-api-keys' ), $operation, $label );
				$html .= '<td><input type="number" min="1" class="small-text" name="' . esc_attr( $name . '[' . $operation . '][' . $window . ']' ) . '" aria-label="' . esc_attr( $aria ) . '" value="' . esc_attr( (string) ( $entry[ $window ] ?? '' ) ) . '"></td>';
			}
			if ( $defaults ) {
				$html .= '<td class="description">' . esc_html( $defaults[ $operation ] ?? '' ) . '</td>';
			}
			$html .= '</tr>';
		}
		return $html . '</tbody></table>' . self::errors( $name );
	}

	/** @return array<string, string> window => its label */
	public static function windows(): array {
		return array(
			'per_minute' => __( 'per minute', 'latepoint-api-keys' ),
			'per_hour'   => __( 'per hour', 'latepoint-api-keys' ),
			'per_day'    => __( 'per day', 'latepoint-api-keys' ),
		);
	}

	/**
	 * The rows of a submitted table that have a number: operation => window => text.
	 * An empty row is left out (for a key: that operation keeps its default).
	 *
	 * @param mixed $posted $_POST[$name], unslashed
	 * @return array<string, array<string, string>>
	 */
	public static function read( $posted ): array {
		$map = array();
		if ( ! is_array( $posted ) ) {
			return $map;
		}
		foreach ( Key_Limits::operations() as $operation ) {
			$row   = isset( $posted[ $operation ] ) && is_array( $posted[ $operation ] ) ? $posted[ $operation ] : array();
			$entry = array();
			foreach ( array_keys( self::windows() ) as $window ) {
				$entry[ $window ] = isset( $row[ $window ] ) && is_string( $row[ $window ] ) ? trim( sanitize_text_field( $row[ $window ] ) ) : '';
			}
			if ( implode( '', $entry ) !== '' ) {
				$map[ $operation ] = $entry;
			}
		}
		return $map;
	}

	/** "30/min, 100/day", or "no limit". */
	public static function describe( ?array $entry ): string {
		$units = array(
			/* translators: %d: requests */
			'per_minute' => __( '%d/min', 'latepoint-api-keys' ),
			/* translators: %d: requests */
			'per_hour'   => __( '%d/hour', 'latepoint-api-keys' ),
			/* translators: %d: requests */
			'per_day'    => __( '%d/day', 'latepoint-api-keys' ),
		);
		$parts = array();
		foreach ( $units as $window => $format ) {
			if ( isset( $entry[ $window ] ) ) {
				$parts[] = sprintf( $format, $entry[ $window ] );
			}
		}
		return $parts ? implode( ', ', $parts ) : __( 'no limit', 'latepoint-api-keys' );
	}

	/**
	 * The Default column of the Generate tab: "live: 30/min; test: no limit" per operation.
	 *
	 * @param array{operations: array} $live Settings::environment_limits( 'live' )
	 * @param array{operations: array} $test Settings::environment_limits( 'test' )
	 * @return array<string, string>
	 */
	public static function defaults_column( array $live, array $test ): array {
		$column = array();
		foreach ( Key_Limits::operations() as $operation ) {
			/* translators: 1: the live default, 2: the test default */
			$column[ $operation ] = sprintf( __( 'live: %1$s; test: %2$s', 'latepoint-api-keys' ), self::describe( $live['operations'][ $operation ] ?? null ), self::describe( $test['operations'][ $operation ] ?? null ) );
		}
		return $column;
	}

	/** The field errors of a table (their names start with "$name."). */
	private static function errors( string $name ): string {
		$html = '';
		foreach ( Actions::$field_errors as $field => $message ) {
			if ( 0 === strpos( (string) $field, $name . '.' ) || $field === $name ) {
				$html .= '<p class="lpapi-field-error">' . esc_html( $message ) . '</p>';
			}
		}
		return $html;
	}
}
