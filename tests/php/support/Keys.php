<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Support;

/**
 * An independent PHP implementation of the key format of docs/api.md, so tests
 * can check the implementation under test against the spec rather than
 * against itself: `lp_live_`/`lp_test_`, 32 base62 characters, then the
 * CRC32 of everything before it as 6 zero-padded base62 digits, most
 * significant first, in the alphabet 0-9A-Za-z.
 */
final class Keys
{
    public const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    public const REGEX = '/^lp_(live|test)_[0-9A-Za-z]{38}$/';

    public static function checksum(string $signed): string
    {
        $value = crc32($signed); // unsigned on 64-bit PHP
        $out = '';
        for ($i = 0; $i < 6; $i++) {
            $out = self::ALPHABET[$value % 62] . $out;
            $value = intdiv($value, 62);
        }

        return $out;
    }

    /** A key with a correct checksum over whatever prefix and body it is given. */
    public static function make(string $prefix, string $body): string
    {
        return $prefix . $body . self::checksum($prefix . $body);
    }

    public static function randomBody(int $length = 32): string
    {
        $body = '';
        for ($i = 0; $i < $length; $i++) {
            $body .= self::ALPHABET[random_int(0, 61)];
        }

        return $body;
    }

    /**
     * The 8-character windows of everything after the prefix: none of them
     * may appear in an error message about the key.
     *
     * @return list<string>
     */
    public static function secretWindows(string $presented): array
    {
        $secret = substr($presented, 8);
        $windows = [];
        $length = strlen($secret);
        for ($i = 0; $i + 8 <= $length; $i++) {
            $windows[] = substr($secret, $i, 8);
        }

        return $windows;
    }
}
