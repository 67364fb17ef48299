<?php
// No strict_types on purpose: the plugin calls these functions in PHP's
// default coercive typing mode, so that is the mode under test.

namespace LatePointApi\Tests\Contract;

use LatePointApi\Native\InvalidArgumentException;
use LatePointApi\Tests\Support\LpapiTestCase;

enum CachedSuit: string
{
    case Hearts = 'H';
}

/**
 * docs/native-functions.md: lpapi_cache_get/put/invalidate (the per-process key cache), for
 * any implementation.
 */
final class KeyCacheTest extends LpapiTestCase
{
    private const MAX_TTL = 31622400;

    private static function freshHash(): string
    {
        return hash('sha256', random_bytes(16));
    }

    /** @return array<int|string, mixed> a record with every kind of value and key the cache takes */
    private static function richRecord(): array
    {
        return [
            'id' => 42,
            'name' => 'Booking widget',
            'null' => null,
            'true' => true,
            'false' => false,
            'zero' => 0,
            'negative' => -7,
            'int max' => PHP_INT_MAX,
            'int min' => PHP_INT_MIN,
            'float' => 1.5,
            'float zero' => 0.0,
            'tiny float' => 5e-324,
            'huge float' => 1.7976931348623157e308,
            'pi' => M_PI,
            'empty string' => '',
            'utf-8' => 'clé ключ 鍵 🙂',
            'binary' => "\x00\xff\xfe\x80 \x00",
            'all bytes' => implode('', array_map('chr', range(0, 255))),
            'permissions' => ['bookings:read', 'customers:create', 'availability:read'],
            'sparse list' => [5 => 'five', 2 => 'two', -3 => 'minus three', 0 => 'zero'],
            'mixed keys' => ['b' => 1, 10 => 2, 'a' => 3, 0 => 4, '' => 5, '01' => 6, '-0' => 7, ' 1' => 8, "nul\0key" => 9, '9223372036854775808' => 10],
            'empty array' => [],
            'nested' => ['limits' => ['per_minute' => 60, 'per_hour' => 3600], 'ips' => ['10.0.0.0/8', '::1'], 'deep' => [[[['x']]]]],
            7 => 'int key after string keys',
            -1 => 'negative int key',
        ];
    }

    public function testARecordRoundTripsWithEveryTypeKeyAndOrderIntact(): void
    {
        $hash = self::freshHash();
        $record = self::richRecord();
        $this->assertNull(lpapi_cache_put($hash, $record, 60));
        $cached = lpapi_cache_get($hash);

        $this->assertSame($record, $cached, 'values, types, keys and order must all survive');
        $this->assertSame(array_keys($record['mixed keys']), array_keys($cached['mixed keys']));
        $this->assertSame(serialize($record), serialize($cached));
        // Read twice: a get must not consume the entry.
        $this->assertSame($record, lpapi_cache_get($hash));
    }

    public function testSpecialFloatsRoundTrip(): void
    {
        $hash = self::freshHash();
        lpapi_cache_put($hash, [NAN, INF, -INF, -0.0], 60);
        $cached = lpapi_cache_get($hash);

        $this->assertIsArray($cached);
        $this->assertCount(4, $cached);
        $this->assertIsFloat($cached[0]);
        $this->assertNan($cached[0]);
        $this->assertSame(INF, $cached[1]);
        $this->assertSame(-INF, $cached[2]);
        $this->assertIsFloat($cached[3]);
        $this->assertSame(-INF, fdiv(1, $cached[3]), '-0.0 must keep its sign');
    }

    public function testBinaryAndEmptyHashesAreDistinctCacheKeys(): void
    {
        $hashes = ["\0", "\0\0", "\xff", "\xff\xfe" . random_bytes(8), self::freshHash(), strtoupper(self::freshHash())];
        foreach ($hashes as $i => $hash) {
            lpapi_cache_put($hash, ['i' => $i], 60);
        }
        foreach ($hashes as $i => $hash) {
            $this->assertSame(['i' => $i], lpapi_cache_get($hash), "hash #{$i}");
        }
    }

    public function testAMissIsNull(): void
    {
        $this->assertNull(lpapi_cache_get(self::freshHash()));
        $this->assertNull(lpapi_cache_get(''));
    }

    public function testPutReplacesTheRecordAndHashesAreIndependent(): void
    {
        $a = self::freshHash();
        $b = self::freshHash();
        lpapi_cache_put($a, ['v' => 1], 60);
        lpapi_cache_put($b, ['v' => 'b'], 60);
        lpapi_cache_put($a, ['w' => 2], 60);

        $this->assertSame(['w' => 2], lpapi_cache_get($a));
        $this->assertSame(['v' => 'b'], lpapi_cache_get($b));
        $this->assertNull(lpapi_cache_get(substr($a, 0, 63)));
    }

    public function testTheRecordIsCopiedAtPutTime(): void
    {
        $hash = self::freshHash();
        $shared = 'before';
        $record = ['by reference' => &$shared, 'list' => [1, 2]];
        lpapi_cache_put($hash, $record, 60);
        $shared = 'after';
        $record['list'][] = 3;

        $cached = lpapi_cache_get($hash);
        $this->assertSame(['by reference' => 'before', 'list' => [1, 2]], $cached);
        $cached['list'][] = 'changed by the caller';
        $this->assertSame(['by reference' => 'before', 'list' => [1, 2]], lpapi_cache_get($hash));
    }

    /**
     * The stubs allow only null, bool, int, float, string and arrays in a
     * record, but say nothing against non-UTF-8 string keys (PHP arrays allow
     * any bytes as keys). Either such a record round-trips exactly, or it is
     * refused with the documented exception, never a PHP \Error.
     */
    public function testBinaryStringKeysRoundTripOrAreRefusedWithAnInvalidArgumentException(): void
    {
        $failures = [];
        foreach (["\xff" => 'lone 0xff', "a\xc3" => 'truncated UTF-8', "\xc0\xaf" => 'overlong UTF-8'] as $key => $what) {
            foreach (['top level' => [$key => 1], 'nested' => ['outer' => [$key => 1]]] as $where => $record) {
                $hash = self::freshHash();
                $thrown = self::thrownBy(fn () => lpapi_cache_put($hash, $record, 60));
                if ($thrown === null) {
                    if (lpapi_cache_get($hash) !== $record) {
                        $failures[] = "{$what} key ({$where}) was stored but does not round-trip";
                    }
                    continue;
                }
                $problem = self::problemWith($thrown, InvalidArgumentException::class);
                if ($problem !== null) {
                    $failures[] = "{$what} key ({$where}): {$problem}";
                }
            }
        }
        $this->assertSame([], $failures);
    }

    public function testTtlBoundsAreInclusive(): void
    {
        $a = self::freshHash();
        $b = self::freshHash();
        lpapi_cache_put($a, ['ttl' => 1], 1);
        lpapi_cache_put($b, ['ttl' => 'max'], self::MAX_TTL);
        $this->assertSame(['ttl' => 1], lpapi_cache_get($a));
        $this->assertSame(['ttl' => 'max'], lpapi_cache_get($b));
    }

    /** @return array<string, array{int}> */
    public function badTtls(): array
    {
        return [
            'zero' => [0],
            'minus one' => [-1],
            'one past the maximum' => [self::MAX_TTL + 1],
            'PHP_INT_MAX' => [PHP_INT_MAX],
            'PHP_INT_MIN' => [PHP_INT_MIN],
        ];
    }

    /** @dataProvider badTtls */
    public function testATtlOutOfRangeThrowsAndChangesNothing(int $ttl): void
    {
        $hash = self::freshHash();
        lpapi_cache_put($hash, ['kept' => true], 60);
        $this->assertThrowsLpapi(InvalidArgumentException::class, fn () => lpapi_cache_put($hash, ['new' => true], $ttl));
        $this->assertSame(['kept' => true], lpapi_cache_get($hash));

        $other = self::freshHash();
        $this->assertThrowsLpapi(InvalidArgumentException::class, fn () => lpapi_cache_put($other, ['new' => true], $ttl));
        $this->assertNull(lpapi_cache_get($other));
    }

    /** @return array<string, array{callable(): array<mixed>}> */
    public function unsupportedRecords(): array
    {
        return [
            'object' => [fn () => ['o' => new \stdClass()]],
            'closure' => [fn () => ['f' => fn () => 1]],
            'enum case' => [fn () => ['suit' => CachedSuit::Hearts]],
            'ArrayObject' => [fn () => ['a' => new \ArrayObject([1])]],
            'DateTimeImmutable' => [fn () => ['expires_at' => new \DateTimeImmutable('@0')]],
            'generator' => [fn () => ['g' => (fn () => yield 1)()]],
            'object deep inside' => [fn () => ['a' => ['b' => ['c' => [1, 2, new \stdClass()]]]]],
            'object after valid values' => [fn () => ['id' => 1, 'name' => 'x', 'last' => new \stdClass()]],
            'resource' => [fn () => ['r' => STDERR]],
            'closed resource' => [function () {
                $h = fopen('php://memory', 'r');
                fclose($h);

                return ['r' => $h];
            }],
        ];
    }

    /**
     * @dataProvider unsupportedRecords
     * @param callable(): array<mixed> $make
     */
    public function testUnsupportedValuesThrowAndCacheNothing(callable $make): void
    {
        $hash = self::freshHash();
        lpapi_cache_put($hash, ['kept' => true], 60);
        $record = $make();
        $this->assertThrowsLpapi(InvalidArgumentException::class, fn () => lpapi_cache_put($hash, $record, 60));
        $this->assertSame(['kept' => true], lpapi_cache_get($hash), 'a refused put must leave the entry as it was');

        $other = self::freshHash();
        $this->assertThrowsLpapi(InvalidArgumentException::class, fn () => lpapi_cache_put($other, $record, 60));
        $this->assertNull(lpapi_cache_get($other));
    }

    /** @return array<mixed> `$arrays` arrays nested in one another, the innermost holding 'leaf' */
    private static function nested(int $arrays): array
    {
        $record = ['leaf'];
        for ($i = 1; $i < $arrays; $i++) {
            $record = ['n' => $record];
        }

        return $record;
    }

    /**
     * "Nested arrays (up to 16 deep)": a record of 16 arrays in all fits
     * however the record itself is counted; 18 is too deep either way.
     */
    public function testNestingUpTo16DeepFitsAndDeeperThrows(): void
    {
        $hash = self::freshHash();
        lpapi_cache_put($hash, self::nested(16), 60);
        $this->assertSame(self::nested(16), lpapi_cache_get($hash));

        foreach ([18, 40, 1000] as $depth) {
            $this->assertThrowsLpapi(
                InvalidArgumentException::class,
                fn () => lpapi_cache_put(self::freshHash(), self::nested($depth), 60),
                [],
                "{$depth} arrays deep"
            );
        }
    }

    public function testARecursiveArrayThrowsInsteadOfLooping(): void
    {
        $record = ['id' => 1];
        $record['self'] = &$record;
        $this->assertThrowsLpapi(InvalidArgumentException::class, fn () => lpapi_cache_put(self::freshHash(), $record, 60));
        unset($record['self']);
    }

    public function testEntriesExpireAfterTheirTtl(): void
    {
        $short = self::freshHash();
        $long = self::freshHash();
        lpapi_cache_put($short, ['ttl' => 1], 1);
        lpapi_cache_put($long, ['ttl' => 3], 3);
        $this->assertSame(['ttl' => 1], lpapi_cache_get($short));

        usleep(1_100_000);

        $this->assertNull(lpapi_cache_get($short), 'a 1 s entry must be gone 1.1 s later');
        $this->assertSame(['ttl' => 3], lpapi_cache_get($long), 'a 3 s entry must still be there 1.1 s later');
        lpapi_cache_put($short, ['again' => true], 60);
        $this->assertSame(['again' => true], lpapi_cache_get($short), 'an expired hash can be cached again');
    }

    public function testInvalidateDropsEveryEntryAndReturnsAnIncreasingGeneration(): void
    {
        $hashes = [self::freshHash(), self::freshHash(), self::freshHash()];
        foreach ($hashes as $i => $hash) {
            lpapi_cache_put($hash, ['i' => $i], 600);
        }
        $first = lpapi_cache_invalidate();
        $this->assertIsInt($first);
        foreach ($hashes as $i => $hash) {
            $this->assertNull(lpapi_cache_get($hash), "entry #{$i} survived the invalidation");
        }

        // Entries made after an invalidation are kept until the next one.
        lpapi_cache_put($hashes[0], ['after' => 1], 600);
        $this->assertSame(['after' => 1], lpapi_cache_get($hashes[0]));
        $second = lpapi_cache_invalidate();
        $this->assertGreaterThan($first, $second);
        $this->assertNull(lpapi_cache_get($hashes[0]));
        $this->assertGreaterThan($second, lpapi_cache_invalidate());
    }

    /** @return array<string, array{callable(): mixed}> */
    public function wrongTypes(): array
    {
        return [
            'get(array)' => [fn () => lpapi_cache_get([])],
            'get(null)' => [fn () => lpapi_cache_get(null)],
            'get()' => [fn () => lpapi_cache_get()],
            'put(array hash)' => [fn () => lpapi_cache_put([], [], 60)],
            'put(string record)' => [fn () => lpapi_cache_put('h', 'record', 60)],
            'put(null record)' => [fn () => lpapi_cache_put('h', null, 60)],
            'put(object record)' => [fn () => lpapi_cache_put('h', new \ArrayObject([]), 60)],
            'put(non-numeric ttl)' => [fn () => lpapi_cache_put('h', [], 'forever')],
            'put(array ttl)' => [fn () => lpapi_cache_put('h', [], [60])],
            'put(no ttl)' => [fn () => lpapi_cache_put('h', [])],
        ];
    }

    /** @dataProvider wrongTypes */
    public function testWrongArgumentTypesAreTypeErrors(callable $call): void
    {
        $this->assertThrowsLpapi(\TypeError::class, $call);
    }
}
