<?php
/**
 * Webhook signatures (the Standard Webhooks scheme) and their secrets at rest.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Webhooks;

defined( 'ABSPATH' ) || exit;

/**
 * Signing as the Standard Webhooks specification says: a secret is "whsec_"
 * and the base64 of 24 to 64 random bytes (32 here); the signature of a message
 * is "v1," and the base64 of HMAC-SHA256, keyed with the decoded secret, of
 * "{webhook-id}.{webhook-timestamp}.{body}"; the webhook-signature header lists
 * one signature per active secret, separated by spaces, so a receiver keeps
 * working while a secret is rotated (old and new both sign).
 *
 * Secrets are stored encrypted: encrypt() gives "lpws1:" and the base64 of a
 * random 24-byte nonce followed by the sodium_crypto_secretbox() ciphertext
 * (XSalsa20-Poly1305). The key is sodium_crypto_generichash() (BLAKE2b,
 * 32 bytes) of a fixed context string and wp_salt( 'auth' ), so it changes
 * when the site's salts change (stored secrets then no longer decrypt, and
 * webhooks need new secrets). decrypt() throws on anything altered.
 */
final class Signature {

	/** The prefix of a secret, as the specification writes it. */
	public const SECRET_PREFIX = 'whsec_';
	/** The version prefix of an encrypted secret. */
	public const STORED_PREFIX = 'lpws1:';
	/** Random bytes in a new secret (the specification allows 24 to 64). */
	private const SECRET_BYTES = 32;

	/** A new random secret: "whsec_" and the base64 of 32 random bytes. */
	public static function new_secret(): string {
		return self::SECRET_PREFIX . base64_encode( random_bytes( self::SECRET_BYTES ) );
	}

	/**
	 * The signature of one message: "v1," and base64( HMAC-SHA256( key, "id.timestamp.body" ) ).
	 *
	 * @param string $secret    "whsec_…" (the prefix is optional).
	 * @param string $msg_id    The webhook-id header (the same for every retry of a message).
	 * @param int    $timestamp The webhook-timestamp header, Unix seconds.
	 * @param string $body      The exact bytes sent.
	 */
	public static function sign( string $secret, string $msg_id, int $timestamp, string $body ): string {
		$mac = hash_hmac( 'sha256', $msg_id . '.' . $timestamp . '.' . $body, self::key( $secret ), true );
		return 'v1,' . base64_encode( $mac );
	}

	/**
	 * The webhook-signature header: one signature per secret, space separated.
	 *
	 * @param string[] $secrets The active secrets (while rotating: the new and the old).
	 */
	public static function header( array $secrets, string $msg_id, int $timestamp, string $body ): string {
		if ( ! $secrets ) {
			throw new \InvalidArgumentException( 'At least one secret is needed to sign a webhook.' );
		}
		$signatures = array();
		foreach ( $secrets as $secret ) {
			$signatures[] = self::sign( (string) $secret, $msg_id, $timestamp, $body );
		}
		return implode( ' ', array_unique( $signatures ) );
	}

	/** Encrypts a secret for the database (see the class comment for the format). */
	public static function encrypt( string $secret ): string {
		$nonce = random_bytes( SODIUM_CRYPTO_SECRETBOX_NONCEBYTES );
		$key   = self::storage_key();
		$box   = sodium_crypto_secretbox( $secret, $nonce, $key );
		sodium_memzero( $key );
		return self::STORED_PREFIX . base64_encode( $nonce . $box );
	}

	/**
	 * The secret encrypt() stored.
	 *
	 * @throws \RuntimeException When the value is not one encrypt() made with this site's salts, or was altered.
	 */
	public static function decrypt( string $stored ): string {
		if ( 0 !== strpos( $stored, self::STORED_PREFIX ) ) {
			throw new \RuntimeException( 'The stored webhook secret has an unknown format.' );
		}
		$raw = base64_decode( substr( $stored, strlen( self::STORED_PREFIX ) ), true );
		if ( false === $raw || strlen( $raw ) < SODIUM_CRYPTO_SECRETBOX_NONCEBYTES + SODIUM_CRYPTO_SECRETBOX_MACBYTES ) {
			throw new \RuntimeException( 'The stored webhook secret is damaged.' );
		}
		$key    = self::storage_key();
		$secret = sodium_crypto_secretbox_open(
			substr( $raw, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ),
			substr( $raw, 0, SODIUM_CRYPTO_SECRETBOX_NONCEBYTES ),
			$key
		);
		sodium_memzero( $key );
		if ( false === $secret ) {
			throw new \RuntimeException( 'The stored webhook secret does not decrypt: it was altered, or the site\'s salts changed.' );
		}
		return $secret;
	}

	/** The HMAC key of a secret: its base64 part, decoded. */
	private static function key( string $secret ): string {
		if ( 0 === strpos( $secret, self::SECRET_PREFIX ) ) {
			$secret = substr( $secret, strlen( self::SECRET_PREFIX ) );
		}
		$key = base64_decode( $secret, true );
		if ( false === $key || '' === $key ) {
			throw new \InvalidArgumentException( 'A webhook secret is "whsec_" and base64.' );
		}
		return $key;
	}

	/** The encryption key, from the site's salts. */
	private static function storage_key(): string {
		$salt = function_exists( 'wp_salt' ) ? wp_salt( 'auth' ) : '';
		if ( '' === $salt && defined( 'AUTH_KEY' ) && defined( 'SECURE_AUTH_KEY' ) ) {
			$salt = AUTH_KEY . SECURE_AUTH_KEY;
		}
		if ( '' === $salt ) {
			throw new \RuntimeException( 'WordPress has no salts to derive the webhook secret key from.' );
		}
		return sodium_crypto_generichash( 'latepoint-api webhook secrets v1|' . $salt, '', SODIUM_CRYPTO_SECRETBOX_KEYBYTES );
	}
}
