<?php
/**
 * The best pure-PHP equivalents of the native functions, for
 * bench/native_vs_php.php to time side by side with the extension.
 *
 * Each one does the same work as its native counterpart and returns the same
 * array (the benchmark checks that before timing). They are written for
 * speed, the way a careful PHP fallback would be: one preg_match instead of
 * strspn (PHP 8.2's strspn is O(length x mask) and costs ~1 µs on a key), a
 * 3844-entry table of base62 digit pairs instead of six divisions and
 * character lookups, strtr over random_bytes instead of one random_int per
 * character.
 *
 * They throw exceptions named like the extension's but declared here, under
 * LatePointApi\Bench\: the extension's classes cannot be instantiated from
 * PHP ("You cannot instantiate this class from PHP."), and the two sets must
 * coexist in one process. The benchmark compares exceptions by short name.
 *
 * @package LatePointApi
 */

declare(strict_types=1);

namespace LatePointApi\Bench {
    class LpapiException extends \Exception {}
    class InvalidKeyException extends LpapiException {}
    class InvalidArgumentException extends LpapiException {}
    class SharedMemoryException extends LpapiException {}
}

namespace {

use LatePointApi\Bench\InvalidArgumentException;
use LatePointApi\Bench\InvalidKeyException;
use LatePointApi\Bench\SharedMemoryException;

const LPAPI_PHP_BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const LPAPI_PHP_KEY_RE = '/^lp_(?:live|test)_[0-9A-Za-z]{38}$/D';
const LPAPI_PHP_U32_MAX = 4294967295;
/** Counts and limits the packed-CAS limiter can hold (28 bits each). */
const LPAPI_PHP_CAS_MAX = 0x0FFFFFFF;

/**
 * "00", "01", … "zz": every base62 digit pair, so a 6-digit checksum is
 * three lookups (62^2 = 3844).
 *
 * @return list<string>
 */
function lpapi_php_base62_pairs(): array
{
    static $pairs = null;
    if ($pairs === null) {
        $pairs = [];
        for ($i = 0; $i < 3844; ++$i) {
            $pairs[] = LPAPI_PHP_BASE62[intdiv($i, 62)] . LPAPI_PHP_BASE62[$i % 62];
        }
    }
    return $pairs;
}

/** The 6-character base62 CRC32 (zero-padded, most significant first) of `$data`. */
function lpapi_php_checksum(string $data): string
{
    static $p = null;
    $p ??= lpapi_php_base62_pairs();
    $c = crc32($data);
    // 62^6 = 3844^3 > 2^32, so the top pair index is at most 290.
    return $p[intdiv($c, 14776336)] . $p[intdiv($c, 3844) % 3844] . $p[$c % 3844];
}

/**
 * lpapi_key_parse() in PHP: length, prefix and alphabet in one regex, the
 * CRC32 checksum compared in constant time, SHA-256 of the key.
 *
 * @return array{hash: string, prefix: string, last4: string, environment: string}
 */
function lpapi_php_key_parse(string $key): array
{
    static $p = null;
    $p ??= lpapi_php_base62_pairs();
    if (preg_match(LPAPI_PHP_KEY_RE, $key) !== 1) {
        throw new InvalidKeyException(lpapi_php_key_problem($key));
    }
    $c = crc32(substr($key, 0, 40));
    $sum = $p[intdiv($c, 14776336)] . $p[intdiv($c, 3844) % 3844] . $p[$c % 3844];
    if (!hash_equals($sum, substr($key, 40))) {
        throw new InvalidKeyException('the key\'s checksum does not match');
    }
    return [
        'hash' => hash('sha256', $key),
        'prefix' => substr($key, 0, 12),
        'last4' => substr($key, 42),
        'environment' => $key[3] === 'l' ? 'live' : 'test',
    ];
}

/** Why a key failed the regex; only on the error path, so it costs the fast path nothing. */
function lpapi_php_key_problem(string $key): string
{
    if (strlen($key) !== 46) {
        return 'a key is 46 characters long, this one has ' . strlen($key);
    }
    $prefix = substr($key, 0, 8);
    if ($prefix !== 'lp_live_' && $prefix !== 'lp_test_') {
        return 'a key starts with lp_live_ or lp_test_';
    }
    return 'a key has only base62 characters (0-9, A-Z, a-z) after its prefix';
}

/** lpapi_key_hash() in PHP. */
function lpapi_php_key_hash(string $key): string
{
    return hash('sha256', $key);
}

/**
 * lpapi_key_generate() in PHP, as fast as PHP gets: one random_bytes() call,
 * bytes mapped to base62 by strtr (bytes 248-255, 8 of 256, are rejected so
 * every character is equally likely, as in the extension).
 *
 * @return array{key: string, hash: string, prefix: string, last4: string, environment: string}
 */
function lpapi_php_key_generate(string $environment): array
{
    static $from = null, $to = null;
    if ($from === null) {
        $from = '';
        $to = '';
        for ($b = 0; $b < 256; ++$b) {
            $from .= chr($b);
            $to .= $b < 248 ? LPAPI_PHP_BASE62[$b % 62] : '-';
        }
    }
    if ($environment !== 'live' && $environment !== 'test') {
        throw new InvalidArgumentException('environment must be "live" or "test"');
    }
    $body = '';
    do {
        $body .= str_replace('-', '', strtr(random_bytes(48), $from, $to));
    } while (strlen($body) < 32);
    $key = 'lp_' . $environment . '_' . substr($body, 0, 32);
    $key .= lpapi_php_checksum($key);
    return [
        'key' => $key,
        'hash' => hash('sha256', $key),
        'prefix' => substr($key, 0, 12),
        'last4' => substr($key, 42),
        'environment' => $environment,
    ];
}

/**
 * lpapi_key_generate() in idiomatic PHP: one random_int() per character.
 * Timed only to show what the obvious version costs.
 *
 * @return array{key: string, hash: string, prefix: string, last4: string, environment: string}
 */
function lpapi_php_key_generate_random_int(string $environment): array
{
    if ($environment !== 'live' && $environment !== 'test') {
        throw new InvalidArgumentException('environment must be "live" or "test"');
    }
    $key = 'lp_' . $environment . '_';
    for ($i = 0; $i < 32; ++$i) {
        $key .= LPAPI_PHP_BASE62[random_int(0, 61)];
    }
    $key .= lpapi_php_checksum($key);
    return [
        'key' => $key,
        'hash' => hash('sha256', $key),
        'prefix' => substr($key, 0, 12),
        'last4' => substr($key, 42),
        'environment' => $environment,
    ];
}

function lpapi_php_rate_check_args(string $bucket, int $per_minute, int $per_hour, int $cost): void
{
    $len = strlen($bucket);
    if ($len < 1 || $len > 4096) {
        throw new InvalidArgumentException('bucket must be 1 to 4096 bytes long');
    }
    if ($per_minute < 1 || $per_minute > LPAPI_PHP_U32_MAX || $per_hour < 1 || $per_hour > LPAPI_PHP_U32_MAX
        || $cost < 1 || $cost > LPAPI_PHP_U32_MAX) {
        throw new InvalidArgumentException('limits and cost must be between 1 and ' . LPAPI_PHP_U32_MAX);
    }
}

/**
 * The array lpapi_rate_hit()/lpapi_rate_peek() return, from the units used in
 * each window after the decision.
 */
function lpapi_php_rate_decision(
    bool $allowed,
    bool $hour_fits,
    int $now,
    int $per_minute,
    int $used_minute,
    int $minute_reset,
    int $per_hour,
    int $used_hour,
    int $hour_reset
): array {
    $minute = ['limit' => $per_minute, 'remaining' => max(0, $per_minute - $used_minute), 'reset' => $minute_reset];
    $hour = ['limit' => $per_hour, 'remaining' => max(0, $per_hour - $used_hour), 'reset' => $hour_reset];
    if ($allowed) {
        $tighter = $minute['remaining'] < $hour['remaining'] ? $minute : $hour;
        $retry_after = 0;
    } else {
        $tighter = $hour_fits ? $minute : $hour;
        $retry_after = max(1, $tighter['reset'] - $now);
    }
    return [
        'allowed' => $allowed,
        'limit' => $tighter['limit'],
        'remaining' => $tighter['remaining'],
        'reset' => $tighter['reset'],
        'retry_after' => $retry_after,
        'minute' => $minute,
        'hour' => $hour,
    ];
}

/**
 * lpapi_rate_hit() on APCu, one counter per window: "rl:<bucket>:m:<UTC
 * minute>" and "rl:<bucket>:h:<UTC hour>". apcu_inc() creates a missing
 * counter with the given TTL, so an allowed hit is exactly two APCu calls; a
 * window over its limit is undone with apcu_dec(), so a denied hit counts
 * nothing once it returns.
 *
 * Not exact under concurrency the way the native limiter is: the two counters
 * are separate and updated one after the other, so between a hit's increment
 * and its undo other hits see a count that includes it and may be denied
 * wrongly, and the two windows' figures are not one snapshot. (Each window
 * still never admits more than its limit, as long as APCu does not evict the
 * counter: a full APCu cache is expunged, counters and all.)
 */
function lpapi_php_rate_hit(string $bucket, int $per_minute, int $per_hour, int $cost = 1): array
{
    lpapi_php_rate_check_args($bucket, $per_minute, $per_hour, $cost);
    $now = time();
    $minute = intdiv($now, 60);
    $hour = intdiv($now, 3600);
    $minute_reset = ($minute + 1) * 60;
    $hour_reset = ($hour + 1) * 3600;
    $minute_key = "rl:$bucket:m:$minute";
    $hour_key = "rl:$bucket:h:$hour";

    $used_minute = apcu_inc($minute_key, $cost, $ok, $minute_reset - $now + 1);
    if (!$ok) {
        throw new SharedMemoryException('APCu refused to count the hit');
    }
    if ($used_minute <= $per_minute) {
        $used_hour = apcu_inc($hour_key, $cost, $ok, $hour_reset - $now + 1);
        if (!$ok) {
            apcu_dec($minute_key, $cost);
            throw new SharedMemoryException('APCu refused to count the hit');
        }
        if ($used_hour <= $per_hour) {
            return lpapi_php_rate_decision(
                true, true, $now,
                $per_minute, $used_minute, $minute_reset,
                $per_hour, $used_hour, $hour_reset
            );
        }
        apcu_dec($hour_key, $cost);
        apcu_dec($minute_key, $cost);
        $used_minute -= $cost;
        $used_hour -= $cost;
        $hour_fits = false;
    } else {
        apcu_dec($minute_key, $cost);
        $used_minute -= $cost;
        $used_hour = (int) apcu_fetch($hour_key);
        $hour_fits = $used_hour + $cost <= $per_hour;
    }
    return lpapi_php_rate_decision(
        false, $hour_fits, $now,
        $per_minute, $used_minute, $minute_reset,
        $per_hour, $used_hour, $hour_reset
    );
}

/** lpapi_rate_peek() over the counters of lpapi_php_rate_hit(): one apcu_fetch() of both. */
function lpapi_php_rate_peek(string $bucket, int $per_minute, int $per_hour): array
{
    lpapi_php_rate_check_args($bucket, $per_minute, $per_hour, 1);
    $now = time();
    $minute = intdiv($now, 60);
    $hour = intdiv($now, 3600);
    $minute_key = "rl:$bucket:m:$minute";
    $hour_key = "rl:$bucket:h:$hour";
    $found = apcu_fetch([$minute_key, $hour_key]);
    $used_minute = $found[$minute_key] ?? 0;
    $used_hour = $found[$hour_key] ?? 0;
    $minute_fits = $used_minute + 1 <= $per_minute;
    $hour_fits = $used_hour + 1 <= $per_hour;
    return lpapi_php_rate_decision(
        $minute_fits && $hour_fits, $hour_fits, $now,
        $per_minute, $used_minute, ($minute + 1) * 60,
        $per_hour, $used_hour, ($hour + 1) * 3600
    );
}

/**
 * lpapi_rate_hit() on APCu, both windows packed in one integer per bucket
 * and hour ("rl:<bucket>:<UTC hour>" = minute of the hour << 56 | minute
 * count << 28 | hour count), updated with an apcu_fetch()/apcu_cas() loop.
 * One compare-and-swap covers both windows, so unlike lpapi_php_rate_hit()
 * it is exact under concurrency (barring eviction), but apcu_cas() takes only
 * integers, so limits and cost must fit in 28 bits (268,435,455): the
 * contract's 1 to 4294967295 does not fit.
 */
function lpapi_php_rate_hit_cas(string $bucket, int $per_minute, int $per_hour, int $cost = 1): array
{
    lpapi_php_rate_check_args($bucket, $per_minute, $per_hour, $cost);
    if ($per_minute > LPAPI_PHP_CAS_MAX || $per_hour > LPAPI_PHP_CAS_MAX || $cost > LPAPI_PHP_CAS_MAX) {
        throw new InvalidArgumentException('the packed-CAS limiter holds limits up to ' . LPAPI_PHP_CAS_MAX);
    }
    $now = time();
    $hour = intdiv($now, 3600);
    $minute_reset = (intdiv($now, 60) + 1) * 60;
    $hour_reset = ($hour + 1) * 3600;
    $minute_of_hour = intdiv($now, 60) % 60;
    $key = "rl:$bucket:$hour";
    for (;;) {
        $stored = apcu_fetch($key);
        $packed = $stored === false ? 0 : $stored;
        $stored_minute = $packed >> 56;
        // Another process's clock may be a hair ahead; never move a window back.
        if ($stored_minute > $minute_of_hour) {
            $minute_of_hour = $stored_minute;
            $minute_reset = ($hour * 60 + $minute_of_hour + 1) * 60;
        }
        $used_minute = $stored_minute === $minute_of_hour ? ($packed >> 28) & LPAPI_PHP_CAS_MAX : 0;
        $used_hour = $packed & LPAPI_PHP_CAS_MAX;
        $minute_fits = $used_minute + $cost <= $per_minute;
        $hour_fits = $used_hour + $cost <= $per_hour;
        if (!($minute_fits && $hour_fits)) {
            return lpapi_php_rate_decision(
                false, $hour_fits, $now,
                $per_minute, $used_minute, $minute_reset,
                $per_hour, $used_hour, $hour_reset
            );
        }
        $used_minute += $cost;
        $used_hour += $cost;
        $next = ($minute_of_hour << 56) | ($used_minute << 28) | $used_hour;
        $stored_ok = $stored === false
            ? apcu_add($key, $next, $hour_reset - $now + 1)
            : apcu_cas($key, $stored, $next);
        if ($stored_ok) {
            return lpapi_php_rate_decision(
                true, true, $now,
                $per_minute, $used_minute, $minute_reset,
                $per_hour, $used_hour, $hour_reset
            );
        }
    }
}

} // namespace
