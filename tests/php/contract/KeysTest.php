<?php
// No strict_types on purpose: the plugin (WordPress) calls these functions in
// PHP's default coercive typing mode, so that is the mode under test.

namespace LatePointApi\Tests\Contract;

use LatePointApi\Native\InvalidArgumentException;
use LatePointApi\Native\InvalidKeyException;
use LatePointApi\Tests\Support\Keys;
use LatePointApi\Tests\Support\LpapiTestCase;

/**
 * docs/api.md: lpapi_key_generate/parse/hash/verify, for any implementation.
 */
final class KeysTest extends LpapiTestCase
{
    private const GENERATED_KEYS = ['key', 'hash', 'prefix', 'last4', 'environment'];
    private const PARSED_KEYS = ['hash', 'prefix', 'last4', 'environment'];

    /** @return array<string, array{string}> */
    public function environments(): array
    {
        return ['live' => ['live'], 'test' => ['test']];
    }

    /** @dataProvider environments */
    public function testGenerateReturnsTheDocumentedArray(string $environment): void
    {
        $generated = lpapi_key_generate($environment);

        $this->assertKeysInOrder(self::GENERATED_KEYS, $generated);
        foreach ($generated as $name => $value) {
            $this->assertIsString($value, $name);
        }
        $key = $generated['key'];
        $this->assertSame(46, strlen($key));
        $this->assertMatchesRegularExpression(Keys::REGEX, $key);
        $this->assertStringStartsWith("lp_{$environment}_", $key);
        $this->assertSame(hash('sha256', $key), $generated['hash']);
        $this->assertSame(substr($key, 0, 12), $generated['prefix']);
        $this->assertSame(substr($key, -4), $generated['last4']);
        $this->assertSame($environment, $generated['environment']);
        $this->assertSame(
            Keys::checksum(substr($key, 0, 40)),
            substr($key, 40),
            'the last 6 characters are the zero-padded base62 CRC32 of the first 40'
        );
    }

    /** @dataProvider environments */
    public function testGeneratedKeysParseToTheSameDescription(string $environment): void
    {
        $generated = lpapi_key_generate($environment);
        $parsed = lpapi_key_parse($generated['key']);

        $this->assertKeysInOrder(self::PARSED_KEYS, $parsed);
        unset($generated['key']);
        $this->assertSame($generated, $parsed);
    }

    public function testGeneratedKeysAreUniqueAndDrawOnTheWholeAlphabet(): void
    {
        $keys = [];
        $bodies = '';
        for ($i = 0; $i < 300; $i++) {
            $key = lpapi_key_generate($i % 2 ? 'live' : 'test')['key'];
            $keys[$key] = true;
            $bodies .= substr($key, 8, 32);
        }
        $this->assertCount(300, $keys, 'generated keys repeat');
        // 9,600 uniform draws from 62 characters: each one appears ~155 times,
        // so a missing character means a biased or truncated alphabet.
        $seen = count_chars($bodies, 3);
        $this->assertSame(Keys::ALPHABET, $seen);
    }

    /**
     * Keys made by an independent implementation of the format (so a key from
     * the native extension works with the PHP fallback and the other way round).
     *
     * @return array<string, array{string, string}>
     */
    public function independentlyMadeKeys(): array
    {
        return [
            'live, all zeros' => ['lp_live_', str_repeat('0', 32)],
            'test, all z' => ['lp_test_', str_repeat('z', 32)],
            'live, alphabet' => ['lp_live_', substr(Keys::ALPHABET, 10, 32)],
            'test, alphabet tail' => ['lp_test_', substr(Keys::ALPHABET, 30, 32)],
            'live, random' => ['lp_live_', Keys::randomBody()],
            'test, random' => ['lp_test_', Keys::randomBody()],
        ];
    }

    /** @dataProvider independentlyMadeKeys */
    public function testParseAcceptsKeysMadeToTheSpec(string $prefix, string $body): void
    {
        $key = Keys::make($prefix, $body);
        $this->assertSame(
            [
                'hash' => hash('sha256', $key),
                'prefix' => $prefix . substr($body, 0, 4),
                'last4' => substr($key, -4),
                'environment' => substr($prefix, 3, 4),
            ],
            lpapi_key_parse($key)
        );
    }

    /** @return array<string, array{string}> */
    public function badEnvironments(): array
    {
        return [
            'prod' => ['prod'],
            'production' => ['production'],
            'LIVE' => ['LIVE'],
            'Test' => ['Test'],
            'empty' => [''],
            'leading space' => [' live'],
            'trailing newline' => ["test\n"],
            'NUL suffix' => ["live\0"],
            'key prefix' => ['lp_live_'],
            'prefix of live' => ['liv'],
            'non-UTF-8' => ["\xffive"],
        ];
    }

    /** @dataProvider badEnvironments */
    public function testGenerateRejectsAnyOtherEnvironment(string $environment): void
    {
        $this->assertThrowsLpapi(InvalidArgumentException::class, fn () => lpapi_key_generate($environment));
    }

    /**
     * Every substitution of one byte, by any of the 255 other byte values, at
     * any of the 46 positions, of a live and of a test key.
     */
    public function testEverySingleCharacterSubstitutionIsRejected(): void
    {
        $failures = [];
        $checked = 0;
        foreach (['live', 'test'] as $environment) {
            $key = lpapi_key_generate($environment)['key'];
            $secrets = array_merge([$key, substr($key, 8)], Keys::secretWindows($key));
            for ($position = 0; $position < 46; $position++) {
                for ($byte = 0; $byte < 256; $byte++) {
                    if (chr($byte) === $key[$position]) {
                        continue;
                    }
                    $tampered = $key;
                    $tampered[$position] = chr($byte);
                    $checked++;
                    $problem = self::problemWith(
                        self::thrownBy(fn () => lpapi_key_parse($tampered)),
                        InvalidKeyException::class,
                        array_merge($secrets, Keys::secretWindows($tampered))
                    );
                    if ($problem !== null) {
                        $failures[] = sprintf('%s key, byte %d set to 0x%02x: %s', $environment, $position, $byte, $problem);
                    }
                }
            }
        }
        $this->assertSame(2 * 46 * 255, $checked);
        $this->assertSame([], array_slice($failures, 0, 20), count($failures) . ' substitutions were not rejected as they must be');
    }

    public function testDeletionsInsertionsAndTranspositionsAreRejected(): void
    {
        $key = lpapi_key_generate('live')['key'];
        $variants = [];
        for ($i = 0; $i < 46; $i++) {
            $variants["delete {$i}"] = substr($key, 0, $i) . substr($key, $i + 1);
            if ($i < 45 && $key[$i] !== $key[$i + 1]) {
                $variants["swap {$i}"] = substr($key, 0, $i) . $key[$i + 1] . $key[$i] . substr($key, $i + 2);
            }
        }
        for ($i = 0; $i <= 46; $i++) {
            foreach (['0', 'a', 'Z', '_', "\0", "\xff"] as $char) {
                $variants["insert " . bin2hex($char) . " at {$i}"] = substr($key, 0, $i) . $char . substr($key, $i);
            }
        }
        $failures = [];
        foreach ($variants as $what => $variant) {
            $problem = self::problemWith(
                self::thrownBy(fn () => lpapi_key_parse($variant)),
                InvalidKeyException::class,
                array_merge([$key], Keys::secretWindows($key), Keys::secretWindows($variant))
            );
            if ($problem !== null) {
                $failures[] = "{$what}: {$problem}";
            }
        }
        $this->assertGreaterThan(300, count($variants));
        $this->assertSame([], $failures);
    }

    public function testEveryWrongLengthIsRejected(): void
    {
        $key = lpapi_key_generate('test')['key'];
        $failures = [];
        for ($length = 0; $length <= 120; $length++) {
            if ($length === 46) {
                continue;
            }
            $candidates = [
                'cut or padded key' => substr($key . Keys::randomBody(80), 0, $length),
                'checksummed body of the wrong length' => $length > 14
                    ? Keys::make('lp_test_', Keys::randomBody($length - 14))
                    : str_repeat('a', $length),
            ];
            foreach ($candidates as $what => $candidate) {
                $problem = self::problemWith(
                    self::thrownBy(fn () => lpapi_key_parse($candidate)),
                    InvalidKeyException::class,
                    strlen($candidate) >= 16 ? array_merge([$candidate], Keys::secretWindows($candidate)) : []
                );
                if ($problem !== null) {
                    $failures[] = "length {$length}, {$what}: {$problem}";
                }
            }
        }
        $this->assertSame([], $failures);
    }

    /** @return array<string, array{string}> */
    public function malformedKeys(): array
    {
        $valid = Keys::make('lp_live_', Keys::randomBody());
        do {
            $withLetters = Keys::make('lp_test_', Keys::randomBody());
        } while (!preg_match('/[A-Za-z]/', substr($withLetters, 40)));
        $garbage = [];
        for ($i = 0; $i < 8; $i++) {
            $garbage["random bytes #{$i}"] = [random_bytes(46)];
        }

        return $garbage + [
            'empty string' => [''],
            'one NUL' => ["\0"],
            '46 NULs' => [str_repeat("\0", 46)],
            '46 0xff bytes' => [str_repeat("\xff", 46)],
            'NUL in the body' => [substr_replace($valid, "\0", 20, 1)],
            'NUL appended' => [$valid . "\0"],
            'NUL prepended' => ["\0" . $valid],
            'NUL before the checksum' => [substr($valid, 0, 39) . "\0" . substr($valid, 40)],
            'trailing newline' => [$valid . "\n"],
            'trailing space' => [$valid . ' '],
            'leading space' => [' ' . $valid],
            'quoted' => ['"' . $valid . '"'],
            'bearer header value' => ['Bearer ' . $valid],
            'invalid UTF-8 in the body' => ['lp_live_' . str_repeat("\xc3\x28", 16) . substr($valid, 40)],
            'overlong UTF-8' => ['lp_live_' . str_repeat("\xc0\xaf", 16) . substr($valid, 40)],
            'multibyte body of 46 bytes' => ['lp_live_' . str_repeat('é', 19)],
            'UTF-16LE encoded' => [implode("\0", str_split($valid)) . "\0"],
            'upper-case prefix, valid checksum' => [Keys::make('LP_LIVE_', Keys::randomBody())],
            'lp_prod_ prefix, valid checksum' => [Keys::make('lp_prod_', Keys::randomBody())],
            'lp-live- prefix, valid checksum' => [Keys::make('lp-live-', Keys::randomBody())],
            'no prefix, valid checksum' => [Keys::make('', Keys::randomBody(40))],
            'dash in the body, valid checksum' => [Keys::make('lp_live_', substr(Keys::randomBody(), 0, 31) . '-')],
            'underscore in the body, valid checksum' => [Keys::make('lp_test_', '_' . substr(Keys::randomBody(), 1))],
            'plus and slash, valid checksum' => [Keys::make('lp_test_', str_repeat('+/', 16))],
            'space in the body, valid checksum' => [Keys::make('lp_live_', substr(Keys::randomBody(), 0, 16) . ' ' . substr(Keys::randomBody(), 0, 15))],
            'upper-cased key' => [strtoupper($valid)],
            'checksum with its letters case-swapped' => [substr($withLetters, 0, 40) . self::swapCase(substr($withLetters, 40))],
            'checksum of the body only' => ['lp_live_' . substr($valid, 8, 32) . Keys::checksum(substr($valid, 8, 32))],
            '1 MiB' => [str_repeat('lp_live_', 131072)],
        ];
    }

    /** @dataProvider malformedKeys */
    public function testMalformedInputIsAnInvalidKeyExceptionNeverAWarningOrError(string $presented): void
    {
        $secrets = strlen($presented) >= 16
            ? array_merge([$presented], Keys::secretWindows($presented))
            : [];
        $this->assertThrowsLpapi(InvalidKeyException::class, fn () => lpapi_key_parse($presented), $secrets);
    }

    public function testInvalidKeyExceptionIsAnLpapiException(): void
    {
        $e = $this->assertThrowsLpapi(InvalidKeyException::class, fn () => lpapi_key_parse('lp_live_x'));
        $this->assertInstanceOf(\LatePointApi\Native\LpapiException::class, $e);
        $this->assertNotSame('', $e->getMessage(), 'the message should say what is wrong');
    }

    /** @return array<string, array{string}> */
    public function anyStrings(): array
    {
        return [
            'empty' => [''],
            'a key' => [Keys::make('lp_live_', Keys::randomBody())],
            'NUL bytes' => ["\0\0\0"],
            'binary' => [random_bytes(64)],
            'non-UTF-8' => ["\xff\xfe\xfd"],
            'UTF-8' => ['clé ключ 鍵'],
            '1 MiB' => [str_repeat('x', 1 << 20)],
        ];
    }

    /** @dataProvider anyStrings */
    public function testHashIsLowerCaseHexSha256OfAnyString(string $data): void
    {
        $hash = lpapi_key_hash($data);
        $this->assertSame(hash('sha256', $data), $hash);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{64}$/', $hash);
    }

    /** @dataProvider anyStrings */
    public function testVerifyAcceptsTheHashInEitherCase(string $data): void
    {
        $hash = hash('sha256', $data);
        $this->assertTrue(lpapi_key_verify($data, $hash));
        $this->assertTrue(lpapi_key_verify($data, strtoupper($hash)));
        $this->assertTrue(lpapi_key_verify($data, self::mixedCase($hash)));
    }

    public function testVerifyRejectsEverythingElse(): void
    {
        $key = lpapi_key_generate('live')['key'];
        $hash = hash('sha256', $key);
        $flipped = $hash;
        $flipped[63] = $hash[63] === '0' ? '1' : '0';
        $cases = [
            'another key' => [lpapi_key_generate('live')['key'], $hash],
            'the key with one character changed' => [substr($key, 0, 45) . ($key[45] === 'a' ? 'b' : 'a'), $hash],
            'last hex digit changed' => [$key, $flipped],
            'first hex digit changed' => [$key, ($hash[0] === 'f' ? 'e' : 'f') . substr($hash, 1)],
            'truncated hash' => [$key, substr($hash, 0, 63)],
            'hash with NUL appended' => [$key, $hash . "\0"],
            'hash with newline appended' => [$key, $hash . "\n"],
            'empty hash' => [$key, ''],
            'raw binary digest' => [$key, hash('sha256', $key, true)],
            'the key as its own hash' => [$key, $key],
            'sha1 of the key' => [$key, sha1($key)],
            'empty key' => ['', $hash],
        ];
        foreach ($cases as $what => [$candidate, $candidateHash]) {
            $this->assertFalse(lpapi_key_verify($candidate, $candidateHash), $what);
        }
    }

    /** @return array<string, array{callable}> */
    public function wrongTypes(): array
    {
        return [
            'generate(array)' => [fn () => lpapi_key_generate([])],
            'generate(null)' => [fn () => lpapi_key_generate(null)],
            'generate(object)' => [fn () => lpapi_key_generate(new \stdClass())],
            'parse(array)' => [fn () => lpapi_key_parse(['lp_live_'])],
            'parse(null)' => [fn () => lpapi_key_parse(null)],
            'parse(object)' => [fn () => lpapi_key_parse(new \stdClass())],
            'hash(array)' => [fn () => lpapi_key_hash([])],
            'hash(closure)' => [fn () => lpapi_key_hash(fn () => 1)],
            'verify(string, array)' => [fn () => lpapi_key_verify('k', [])],
            'verify(null, string)' => [fn () => lpapi_key_verify(null, 'h')],
            'parse()' => [fn () => lpapi_key_parse()],
            'verify(one argument)' => [fn () => lpapi_key_verify('k')],
        ];
    }

    /** @dataProvider wrongTypes */
    public function testWrongArgumentTypesAreTypeErrors(callable $call): void
    {
        $this->assertThrowsLpapi(\TypeError::class, $call);
    }

    /**
     * In PHP's default (coercive) typing mode a `string` parameter accepts an
     * int or a float, as every PHP function with a string parameter does: the
     * plugin may pass such values, and the PHP fallback accepts them.
     */
    public function testScalarArgumentsAreCoercedToStringInCoerciveMode(): void
    {
        $this->assertSame(hash('sha256', '12345'), lpapi_key_hash(12345));
        $this->assertSame(hash('sha256', '1.5'), lpapi_key_hash(1.5));
        $this->assertTrue(lpapi_key_verify(12345, hash('sha256', '12345')));
        $this->assertThrowsLpapi(InvalidKeyException::class, fn () => lpapi_key_parse(12345));
    }

    private static function swapCase(string $s): string
    {
        return strtr($s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ');
    }

    private static function mixedCase(string $hex): string
    {
        $out = '';
        foreach (str_split($hex) as $i => $char) {
            $out .= $i % 2 ? strtoupper($char) : $char;
        }

        return $out;
    }
}
