<?php
/**
 * Defines the lpapi_* functions and LatePointApi\Native\ exception classes in
 * PHP when the native extension is not loaded, so code written against the
 * extension (php-stubs/lpapi.php) runs unchanged. Each function forwards to
 * LatePointApi\Fallback\Fallback.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Native {
	if ( ! class_exists( LpapiException::class, false ) ) {
		// phpcs:disable Generic.Files.OneObjectStructurePerFile -- the extension's exception hierarchy, declared together and only when the extension is not loaded.
		/** Base class of every exception the lpapi functions throw. */
		class LpapiException extends \Exception {}
		/** A presented key is malformed. */
		class InvalidKeyException extends LpapiException {}
		/** An argument is outside its documented range. */
		class InvalidArgumentException extends LpapiException {}
		/** Every slot of the shared rate-limit table holds a live bucket (native only). */
		class RateTableFullException extends LpapiException {}
		/** Shared memory is not usable (native only). */
		class SharedMemoryException extends LpapiException {}
		/** The OS random source failed. */
		class EntropyException extends LpapiException {}
		// phpcs:enable
	}
	if ( ! class_exists( RateStoreUnavailableException::class, false ) ) {
		// phpcs:disable Generic.Files.OneObjectStructurePerFile -- declared apart: an older extension has the others but not this one.
		/** Redis (LPAPI_REDIS_URL) cannot be reached and LPAPI_REDIS_DOWN is "refuse". The message names no password. */
		class RateStoreUnavailableException extends LpapiException {}
		// phpcs:enable
	}
}

namespace {
	use LatePointApi\Fallback\Fallback;

	require_once __DIR__ . '/class-fallback.php';
	require_once __DIR__ . '/class-rate-windows.php';
	require_once __DIR__ . '/class-rate-store.php';
	require_once __DIR__ . '/class-rate-database.php';
	require_once __DIR__ . '/class-redis-url.php';
	require_once __DIR__ . '/class-rate-redis.php';

	if ( ! function_exists( 'lpapi_key_generate' ) ) {
		function lpapi_key_generate( string $environment ): array {
			return Fallback::key_generate( $environment );
		}
		function lpapi_key_parse( #[\SensitiveParameter] string $key ): array {
			return Fallback::key_parse( $key );
		}
		function lpapi_key_hash( #[\SensitiveParameter] string $key ): string {
			return Fallback::key_hash( $key );
		}
		function lpapi_key_verify( #[\SensitiveParameter] string $key, string $hash ): bool {
			return Fallback::key_verify( $key, $hash );
		}
		function lpapi_rate_hit( string $bucket, int $per_minute, int $per_hour, int $cost = 1 ): array {
			return Fallback::rate_hit( $bucket, $per_minute, $per_hour, $cost );
		}
		function lpapi_rate_hit_many( array $buckets, int $cost = 1 ): array {
			return Fallback::rate_hit_many( $buckets, $cost );
		}
		function lpapi_rate_peek( string $bucket, int $per_minute, int $per_hour ): array {
			return Fallback::rate_peek( $bucket, $per_minute, $per_hour );
		}
		function lpapi_rate_reset( string $bucket ): void {
			Fallback::rate_reset( $bucket );
		}
		function lpapi_cache_get( string $hash ): ?array {
			return Fallback::cache_get( $hash );
		}
		function lpapi_cache_put( string $hash, array $record, int $ttl ): void {
			Fallback::cache_put( $hash, $record, $ttl );
		}
		function lpapi_cache_invalidate(): int {
			return Fallback::cache_invalidate();
		}
		function lpapi_info(): array {
			return Fallback::info();
		}
	}
}
