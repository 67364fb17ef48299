<?php
/**
 * One HTTP attempt of a webhook delivery, with PHP's cURL extension.
 *
 * Before every attempt the URL is checked again (Destination::check(): every
 * address the host resolves to now) and the connection is pinned to the first
 * checked address (CURLOPT_RESOLVE), so a DNS answer that changes between the
 * check and the connection cannot send it elsewhere. Redirects are not
 * followed (a 3xx is a failed attempt), only http and https are spoken, no
 * proxy from the environment is used, TLS certificates are verified, and the
 * whole attempt (connecting included) is limited to the timeout. Only the
 * first 1 KiB of the response is kept (for the delivery log); reading stops
 * at 64 KiB.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Webhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Sends a signed body to a checked, pinned address.
 */
final class Sender {

	const TIMEOUT       = 15;
	const KEEP_RESPONSE = 1024;
	const READ_AT_MOST  = 65536;

	/** @var Destination */
	private $destination;

	/** @var bool */
	private $allow_local;

	/** @var int */
	private $timeout;

	public function __construct( ?Destination $destination = null, ?bool $allow_local = null, int $timeout = self::TIMEOUT ) {
		$this->destination = $destination ?? new Destination();
		$this->allow_local = $allow_local ?? Webhook_Service::allow_local();
		$this->timeout     = $timeout;
	}

	/** Seconds an attempt may take in all. */
	public function timeout(): int {
		return $this->timeout;
	}

	/** Whether this PHP can send webhooks at all. */
	public static function available(): bool {
		return function_exists( 'curl_init' );
	}

	/**
	 * POSTs $body to $url.
	 *
	 * @param array<string, string> $headers Header name => value.
	 * @return array{status: ?int, duration_ms: int, response: string, error: string}
	 *         status is null when no HTTP response came (refused address,
	 *         connection error, timeout); error says why, without secrets.
	 */
	public function send( string $url, array $headers, string $body ): array {
		$started = microtime( true );
		$result  = static function ( ?int $status, string $response, string $error ) use ( $started ): array {
			return array(
				'status'      => $status,
				'duration_ms' => (int) round( ( microtime( true ) - $started ) * 1000 ),
				'response'    => $response,
				'error'       => $error,
			);
		};
		if ( ! self::available() ) {
			return $result( null, '', 'PHP\'s curl extension is not loaded: webhooks cannot be sent.' );
		}
		try {
			$checked = $this->destination->check( $url, $this->allow_local );
		} catch ( Destination_Error $e ) {
			return $result( null, '', $e->getMessage() );
		}
		$pin = Destination::pinned( $checked );

		$lines = array( 'Expect:' );
		foreach ( $headers as $name => $value ) {
			$lines[] = $name . ': ' . $value;
		}
		$kept = '';
		$read = 0;
		// cURL directly: the WordPress HTTP API cannot pin the connection to the checked address.
		$ch      = curl_init();
		$options = array(
			CURLOPT_URL             => $url,
			CURLOPT_POST            => true,
			CURLOPT_POSTFIELDS      => $body,
			CURLOPT_HTTPHEADER      => $lines,
			CURLOPT_FOLLOWLOCATION  => false,
			CURLOPT_MAXREDIRS       => 0,
			CURLOPT_PROTOCOLS       => CURLPROTO_HTTP | CURLPROTO_HTTPS,
			CURLOPT_REDIR_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
			CURLOPT_PROXY           => '',
			CURLOPT_NOPROXY         => '*',
			CURLOPT_TIMEOUT         => $this->timeout,
			CURLOPT_CONNECTTIMEOUT  => min( 10, $this->timeout ),
			CURLOPT_NOSIGNAL        => true,
			CURLOPT_SSL_VERIFYPEER  => true,
			CURLOPT_SSL_VERIFYHOST  => 2,
			CURLOPT_USERAGENT       => 'LatePoint-API-Keys-Webhooks/' . ( defined( 'LPAPI_PLUGIN_VERSION' ) ? LPAPI_PLUGIN_VERSION : '1' ),
			CURLOPT_WRITEFUNCTION   => static function ( $handle, string $chunk ) use ( &$kept, &$read ): int { // phpcs:ignore Generic.CodeAnalysis.UnusedFunctionParameter.FoundBeforeLastUsed -- cURL passes the handle first.
				$read += strlen( $chunk );
				if ( strlen( $kept ) < self::KEEP_RESPONSE ) {
					$kept .= substr( $chunk, 0, self::KEEP_RESPONSE - strlen( $kept ) );
				}
				// Returning less than was given ends the transfer: the rest is not needed.
				return $read > self::READ_AT_MOST ? 0 : strlen( $chunk );
			},
		);
		if ( null !== $pin['resolve'] ) {
			$options[ CURLOPT_RESOLVE ] = array( $pin['resolve'] );
		}
		curl_setopt_array( $ch, $options );
		curl_exec( $ch );
		$errno  = curl_errno( $ch );
		$status = (int) curl_getinfo( $ch, CURLINFO_RESPONSE_CODE );
		$error  = $errno ? curl_error( $ch ) : '';
		curl_close( $ch );
		if ( $status > 0 && ( 0 === $errno || CURLE_WRITE_ERROR === $errno ) ) {
			return $result( $status, self::printable( $kept ), '' );
		}
		if ( CURLE_OPERATION_TIMEDOUT === $errno ) {
			/* translators: %d: seconds */
			$error = sprintf( 'No response within %d seconds.', $this->timeout );
		}
		return $result( null, self::printable( $kept ), '' !== $error ? $error : 'No HTTP response.' );
	}

	/** Valid UTF-8 only (the log is shown as text). */
	private static function printable( string $text ): string {
		return function_exists( 'mb_scrub' ) ? mb_scrub( $text, 'UTF-8' ) : wp_check_invalid_utf8( $text, true );
	}
}
