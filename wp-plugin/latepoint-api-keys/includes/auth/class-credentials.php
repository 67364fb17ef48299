<?php
/**
 * The API key a request presents, from `X-API-Key` or `Authorization: Bearer`,
 * and whether the request is ambiguous about it. Free of WordPress, so the
 * db-error drop-in can use it before WordPress loads.
 *
 * Ambiguous (refused with 400 ambiguous_credentials): two different keys.
 * - `X-API-Key` and `Authorization: Bearer` that differ;
 * - a header holding several different values: Apache, nginx ≥ 1.23 and most
 *   servers join repeated header lines with ", ", so a comma in `X-API-Key`
 *   (keys have none) or several `Bearer` tokens mean the client sent it
 *   twice (the same key twice is one credential, as on every server);
 * - the first copy of X-API-Key differing from the one PHP sees: nginx
 *   before 1.23 hands PHP only the last copy of a repeated header, so such a
 *   server passes the first copy as LPAPI_FIRST_X_API_KEY
 *   (`fastcgi_param LPAPI_FIRST_X_API_KEY $http_x_api_key if_not_empty;`).
 *   (nginx refuses a repeated Authorization line itself, with a 400.)
 *
 * @package LatePointApi
 */

namespace LatePointApi\Auth;

defined( 'ABSPATH' ) || exit;

/**
 * Reads the presented key.
 */
final class Credentials {

	/** The server variable holding the first copy of X-API-Key, where the web server passes one. */
	const FIRST_X_API_KEY = 'LPAPI_FIRST_X_API_KEY';

	/**
	 * @param ?string $x_api_key     the X-API-Key header as PHP got it
	 * @param ?string $authorization the Authorization header
	 * @param ?string $first_key     the first copy of X-API-Key, where the server passes it
	 * @return array{key: ?string, ambiguous: bool}
	 */
	public static function read( ?string $x_api_key, ?string $authorization, ?string $first_key = null ): array {
		$ambiguous = false;
		$header    = null;
		if ( null !== $x_api_key && '' !== trim( $x_api_key ) ) {
			$values    = array_values( array_unique( array_filter( array_map( 'trim', explode( ',', $x_api_key ) ), 'strlen' ) ) );
			$header    = $values[0] ?? null;
			$ambiguous = count( $values ) > 1;
			if ( null !== $first_key && '' !== trim( $first_key ) && trim( $first_key ) !== trim( $x_api_key ) ) {
				$ambiguous = true;
			}
		}
		$bearer = null;
		if ( null !== $authorization && preg_match_all( '/(?:^|,)\s*Bearer\s+([^\s,]+)\s*(?=,|$)/i', $authorization, $m ) ) {
			$bearer    = $m[1][0];
			$ambiguous = $ambiguous || count( array_unique( $m[1] ) ) > 1;
		}
		if ( null !== $header && null !== $bearer && ! hash_equals( $header, $bearer ) ) {
			$ambiguous = true;
		}
		return array(
			'key'       => $ambiguous ? null : ( $header ?? $bearer ),
			'ambiguous' => $ambiguous,
		);
	}

	/**
	 * The same for the request PHP is serving, from $_SERVER.
	 *
	 * @param array<string, mixed> $server
	 * @return array{key: ?string, ambiguous: bool}
	 */
	public static function from_server( array $server ): array {
		$get = static fn ( string $name ): ?string => isset( $server[ $name ] ) && is_string( $server[ $name ] ) ? $server[ $name ] : null;
		return self::read( $get( 'HTTP_X_API_KEY' ), $get( 'HTTP_AUTHORIZATION' ) ?? $get( 'REDIRECT_HTTP_AUTHORIZATION' ), $get( self::FIRST_X_API_KEY ) );
	}
}
