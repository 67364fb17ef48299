<?php
/**
 * Webhooks\Signature: the Standard Webhooks test vector (the one the reference libraries test their
 * sign() with), secrets, the header with several secrets, and the encryption of secrets at rest
 * (round trip, random nonces, tampering, foreign formats). tests/e2e/webhook-signature.test.mjs checks
 * the same signatures with the reference JavaScript library.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Webhooks\Signature;

final class WebhookSignatureTest extends TestCase {

	private const VECTOR_SECRET    = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
	private const VECTOR_ID        = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
	private const VECTOR_TIMESTAMP = 1614265330;
	private const VECTOR_BODY      = '{"test": 2432232314}';
	private const VECTOR_SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

	public function test_the_reference_vector(): void {
		$this->assertSame(
			self::VECTOR_SIGNATURE,
			Signature::sign(self::VECTOR_SECRET, self::VECTOR_ID, self::VECTOR_TIMESTAMP, self::VECTOR_BODY)
		);
		// The prefix is optional, as in the reference libraries.
		$this->assertSame(
			self::VECTOR_SIGNATURE,
			Signature::sign(substr(self::VECTOR_SECRET, 6), self::VECTOR_ID, self::VECTOR_TIMESTAMP, self::VECTOR_BODY)
		);
	}

	public function test_every_part_is_signed(): void {
		$signatures = array(
			Signature::sign(self::VECTOR_SECRET, self::VECTOR_ID, self::VECTOR_TIMESTAMP, self::VECTOR_BODY),
			Signature::sign(self::VECTOR_SECRET, self::VECTOR_ID . 'x', self::VECTOR_TIMESTAMP, self::VECTOR_BODY),
			Signature::sign(self::VECTOR_SECRET, self::VECTOR_ID, self::VECTOR_TIMESTAMP + 1, self::VECTOR_BODY),
			Signature::sign(self::VECTOR_SECRET, self::VECTOR_ID, self::VECTOR_TIMESTAMP, self::VECTOR_BODY . ' '),
			Signature::sign(Signature::new_secret(), self::VECTOR_ID, self::VECTOR_TIMESTAMP, self::VECTOR_BODY),
		);
		$this->assertCount(5, array_unique($signatures));
		$expected = 'v1,' . base64_encode(hash_hmac('sha256', 'id.1.', base64_decode('AAAA'), true));
		$this->assertSame($expected, Signature::sign('whsec_AAAA', 'id', 1, ''));
	}

	public function test_new_secrets(): void {
		$a = Signature::new_secret();
		$b = Signature::new_secret();
		$this->assertNotSame($a, $b);
		foreach (array($a, $b) as $secret) {
			$this->assertMatchesRegularExpression('#^whsec_[A-Za-z0-9+/]{43}=$#', $secret);
			$this->assertSame(32, strlen(base64_decode(substr($secret, 6), true)));
		}
	}

	public function test_the_header_signs_with_every_secret(): void {
		$new    = Signature::new_secret();
		$header = Signature::header(array($new, self::VECTOR_SECRET), self::VECTOR_ID, self::VECTOR_TIMESTAMP, self::VECTOR_BODY);
		$this->assertSame(
			Signature::sign($new, self::VECTOR_ID, self::VECTOR_TIMESTAMP, self::VECTOR_BODY) . ' ' . self::VECTOR_SIGNATURE,
			$header
		);
		$this->assertSame(self::VECTOR_SIGNATURE, Signature::header(array(self::VECTOR_SECRET), self::VECTOR_ID, self::VECTOR_TIMESTAMP, self::VECTOR_BODY));
		$this->expectException(\InvalidArgumentException::class);
		Signature::header(array(), self::VECTOR_ID, self::VECTOR_TIMESTAMP, self::VECTOR_BODY);
	}

	/** @dataProvider bad_secrets */
	public function test_bad_secrets_are_refused(string $secret): void {
		$this->expectException(\InvalidArgumentException::class);
		Signature::sign($secret, 'id', 1, '');
	}

	public function bad_secrets(): array {
		return array(
			'empty'        => array(''),
			'prefix only'  => array('whsec_'),
			'not base64'   => array('whsec_not base64!'),
		);
	}

	public function test_encryption_round_trip(): void {
		$secret = Signature::new_secret();
		$a      = Signature::encrypt($secret);
		$b      = Signature::encrypt($secret);
		$this->assertStringStartsWith(Signature::STORED_PREFIX, $a);
		$this->assertNotSame($a, $b, 'a random nonce each time');
		$this->assertStringNotContainsString(substr($secret, 6), $a);
		$this->assertSame($secret, Signature::decrypt($a));
		$this->assertSame($secret, Signature::decrypt($b));
		$this->assertSame('', Signature::decrypt(Signature::encrypt('')));
		// nonce (24) + MAC (16) + the 50 characters of the secret.
		$this->assertSame(24 + 16 + 50, strlen(base64_decode(substr($a, strlen(Signature::STORED_PREFIX)), true)));
	}

	public function test_every_altered_byte_is_refused(): void {
		$stored = Signature::encrypt(self::VECTOR_SECRET);
		$raw    = base64_decode(substr($stored, strlen(Signature::STORED_PREFIX)), true);
		$length = strlen($raw);
		for ($i = 0; $i < $length; $i++) {
			$bad     = $raw;
			$bad[$i] = chr(ord($bad[$i]) ^ 0x01);
			$refused = false;
			try {
				Signature::decrypt(Signature::STORED_PREFIX . base64_encode($bad));
			} catch (\RuntimeException $e) {
				$refused = true;
			}
			$this->assertTrue($refused, "byte {$i} altered");
		}
	}

	/** @dataProvider bad_stored */
	public function test_bad_stored_values_throw(string $stored): void {
		$this->expectException(\RuntimeException::class);
		Signature::decrypt($stored);
	}

	public function bad_stored(): array {
		$good = Signature::encrypt('whsec_AAAA');
		$body = substr($good, strlen(Signature::STORED_PREFIX));
		return array(
			'empty'           => array(''),
			'plain secret'    => array('whsec_AAAA'),
			'other version'   => array('lpws2:' . $body),
			'no version'      => array($body),
			'not base64'      => array(Signature::STORED_PREFIX . '***'),
			'too short'       => array(Signature::STORED_PREFIX . base64_encode(str_repeat("\0", 39))),
			'truncated'       => array(Signature::STORED_PREFIX . base64_encode(substr(base64_decode($body), 0, -1))),
			'extended'        => array(Signature::STORED_PREFIX . base64_encode(base64_decode($body) . "\0")),
		);
	}

	public function test_another_sites_salts_do_not_decrypt(): void {
		$stored = Signature::encrypt(self::VECTOR_SECRET);
		$key    = sodium_crypto_generichash('another site', '', SODIUM_CRYPTO_SECRETBOX_KEYBYTES);
		$nonce  = random_bytes(SODIUM_CRYPTO_SECRETBOX_NONCEBYTES);
		$other  = Signature::STORED_PREFIX . base64_encode($nonce . sodium_crypto_secretbox(self::VECTOR_SECRET, $nonce, $key));
		$this->assertSame(self::VECTOR_SECRET, Signature::decrypt($stored));
		$this->expectException(\RuntimeException::class);
		Signature::decrypt($other);
	}
}
