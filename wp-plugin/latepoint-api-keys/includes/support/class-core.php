<?php
/**
 * The one door to the lpapi functions: the native extension when it is loaded
 * (and not turned off with `define( 'LPAPI_DISABLE_NATIVE', true )`, and not
 * older than NATIVE_MIN_VERSION), else the pure-PHP fallback with the same
 * contract.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

use LatePointApi\Fallback\Fallback;
use LatePointApi\Native\SharedMemoryException;

defined( 'ABSPATH' ) || exit;

/**
 * Static dispatch to the chosen implementation.
 */
final class Core {

	/**
	 * The oldest extension this plugin works with. An older one (the plugin
	 * upgraded, the extension's package not yet) is left unused: the fallback
	 * serves, and the admin page and Site Health say why.
	 */
	const NATIVE_MIN_VERSION = '0.2.0';

	/** @var ?bool */
	private static $native = null;
	/** @var ?bool */
	private static $native_rate = null;

	/** Whether the native extension serves these calls. */
	public static function native(): bool {
		if ( null === self::$native ) {
			self::$native = extension_loaded( 'lpapi' ) && ! ( defined( 'LPAPI_DISABLE_NATIVE' ) && LPAPI_DISABLE_NATIVE ) && null === self::native_too_old();
		}
		return self::$native;
	}

	/**
	 * Whether rate limits use the native shared table. It may be unusable even
	 * with the extension loaded (a bad lpapi.rate_slots, mmap refused): the
	 * first SharedMemoryException switches this request to the fallback.
	 * (Never asks lpapi_info(), which scans the whole table: far too slow for
	 * every request.)
	 */
	public static function native_rate(): bool {
		return self::native() && false !== self::$native_rate;
	}

	public static function key_generate( string $environment ): array {
		return self::native() ? \lpapi_key_generate( $environment ) : Fallback::key_generate( $environment );
	}

	public static function key_parse( string $key ): array {
		return self::native() ? \lpapi_key_parse( $key ) : Fallback::key_parse( $key );
	}

	public static function key_hash( string $key ): string {
		return self::native() ? \lpapi_key_hash( $key ) : Fallback::key_hash( $key );
	}

	public static function rate_hit( string $bucket, int $per_minute, int $per_hour, int $cost = 1 ): array {
		if ( self::native_rate() ) {
			try {
				return \lpapi_rate_hit( $bucket, $per_minute, $per_hour, $cost );
			} catch ( SharedMemoryException $e ) {
				self::$native_rate = false;
			}
		}
		return Fallback::rate_hit( $bucket, $per_minute, $per_hour, $cost );
	}

	/**
	 * One decision over several buckets (lpapi_rate_hit_many()).
	 *
	 * @param list<array<string, mixed>> $buckets
	 */
	public static function rate_hit_many( array $buckets, int $cost = 1 ): array {
		// An extension older than the plugin has no lpapi_rate_hit_many(): the plugin's own then decides.
		if ( self::native_rate() && function_exists( 'lpapi_rate_hit_many' ) ) {
			try {
				return \lpapi_rate_hit_many( $buckets, $cost );
			} catch ( SharedMemoryException $e ) {
				self::$native_rate = false;
			}
		}
		return Fallback::rate_hit_many( $buckets, $cost );
	}

	/** One look at the rate store, counting nothing (so lpapi_info() knows whether Redis answers). */
	public static function rate_probe(): void {
		try {
			self::native_rate() ? \lpapi_rate_peek( 'lpapi:probe', 1, 1 ) : Fallback::rate_peek( 'lpapi:probe', 1, 1 );
		} catch ( \LatePointApi\Native\LpapiException $e ) {
			unset( $e ); // The state it leaves in lpapi_info() is the answer.
		}
	}

	/** Whether the rate limiter answers: a peek at a probe bucket (it counts nothing) succeeds. */
	public static function rate_usable(): bool {
		try {
			self::native_rate() ? \lpapi_rate_peek( 'lpapi:probe', 1, 1 ) : Fallback::rate_peek( 'lpapi:probe', 1, 1 );
		} catch ( SharedMemoryException $e ) {
			self::$native_rate = false;
			return self::rate_usable(); // The pure-PHP limiter takes over, as for every request.
		} catch ( \LatePointApi\Native\LpapiException $e ) {
			return false;
		}
		return true;
	}

	public static function rate_reset( string $bucket ): void {
		if ( self::native_rate() ) {
			try {
				\lpapi_rate_reset( $bucket );
				return;
			} catch ( SharedMemoryException $e ) {
				self::$native_rate = false;
			}
		}
		Fallback::rate_reset( $bucket );
	}

	public static function cache_get( string $hash ): ?array {
		return self::native() ? \lpapi_cache_get( $hash ) : Fallback::cache_get( $hash );
	}

	public static function cache_put( string $hash, array $record, int $ttl ): void {
		self::native() ? \lpapi_cache_put( $hash, $record, $ttl ) : Fallback::cache_put( $hash, $record, $ttl );
	}

	/** Every worker drops its key cache on its next request. */
	public static function cache_invalidate(): int {
		return self::native() ? \lpapi_cache_invalidate() : Fallback::cache_invalidate();
	}

	/** The loaded extension's version when it is older than NATIVE_MIN_VERSION, else null. */
	public static function native_too_old(): ?string {
		if ( ! extension_loaded( 'lpapi' ) ) {
			return null;
		}
		$version = (string) phpversion( 'lpapi' );
		return version_compare( $version, self::NATIVE_MIN_VERSION, '<' ) ? $version : null;
	}

	public static function info(): array {
		$info = self::native() ? \lpapi_info() : Fallback::info();
		if ( ! self::native() ) {
			$info['native_too_old']       = self::native_too_old();
			$info['disabled_by_constant'] = extension_loaded( 'lpapi' ) && null === $info['native_too_old'];
		}
		return $info;
	}
}
