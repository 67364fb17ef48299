<?php

namespace LatePointApi\Tests\Contract;

use LatePointApi\Native\EntropyException;
use LatePointApi\Native\RateStoreUnavailableException;
use LatePointApi\Native\InvalidArgumentException;
use LatePointApi\Native\InvalidKeyException;
use LatePointApi\Native\LpapiException;
use LatePointApi\Native\RateTableFullException;
use LatePointApi\Native\SharedMemoryException;
use LatePointApi\Tests\Support\LpapiTestCase;

/**
 * docs/native-functions.md and php-stubs/lpapi.php: the exception classes under
 * LatePointApi\Native\, which both implementations throw, and which the
 * plugin catches, extends and (in its own code and tests) throws itself.
 */
final class ExceptionsTest extends LpapiTestCase
{
    /** @return array<string, array{class-string}> */
    public function subclasses(): array
    {
        return [
            'InvalidKeyException' => [InvalidKeyException::class],
            'InvalidArgumentException' => [InvalidArgumentException::class],
            'RateTableFullException' => [RateTableFullException::class],
            'SharedMemoryException' => [SharedMemoryException::class],
            'EntropyException' => [EntropyException::class],
            'RateStoreUnavailableException' => [RateStoreUnavailableException::class],
        ];
    }

    /** @dataProvider subclasses */
    public function testEveryExceptionIsAnLpapiExceptionAndAnException(string $class): void
    {
        $this->assertTrue(class_exists($class), $class);
        $reflection = new \ReflectionClass($class);
        $this->assertSame(LpapiException::class, $reflection->getParentClass() ? $reflection->getParentClass()->getName() : null);
        $this->assertSame(\Exception::class, (new \ReflectionClass(LpapiException::class))->getParentClass()->getName());
        $this->assertFalse($reflection->isFinal(), 'the stubs declare the classes non-final');
        $this->assertFalse($reflection->isAbstract());
    }

    /**
     * The stubs declare plain subclasses of \Exception, so they can be made,
     * thrown and extended like any exception:
     * `new InvalidKeyException($message, $code, $previous)`.
     */
    public function testEveryExceptionCanBeConstructedThrownAndExtendedLikeAnyException(): void
    {
        $failures = [];
        $previous = new \RuntimeException('cause');
        foreach (array_merge([LpapiException::class], array_column($this->subclasses(), 0)) as $class) {
            $thrown = self::thrownBy(static function () use ($class, $previous): void {
                throw new $class('made in PHP', 7, $previous);
            });
            if (!$thrown instanceof $class) {
                $failures[] = "new {$class}(...) gave " . ($thrown === null ? 'nothing' : get_class($thrown) . ': ' . $thrown->getMessage());
                continue;
            }
            $got = [$thrown->getMessage(), $thrown->getCode(), $thrown->getPrevious(), $thrown->getFile()];
            if ($got !== ['made in PHP', 7, $previous, __FILE__]) {
                $failures[] = "{$class}: message, code, previous or file not kept";
            }
        }
        $extended = self::thrownBy(static function (): void {
            throw new class ('revoked') extends InvalidKeyException {
            };
        });
        if (!$extended instanceof InvalidKeyException || $extended->getMessage() !== 'revoked') {
            $failures[] = 'a subclass of InvalidKeyException gave ' . ($extended === null ? 'nothing' : get_class($extended) . ': ' . $extended->getMessage());
        }
        $this->assertSame([], $failures);
    }

    /**
     * Exceptions thrown by the functions say where they were thrown, like any
     * PHP exception: a file that exists and a line, so logs and error trackers
     * can point at the call.
     */
    public function testThrownExceptionsCarryTheirLocation(): void
    {
        $calls = [
            'lpapi_key_parse' => [fn () => lpapi_key_parse('lp_live_nope'), InvalidKeyException::class],
            'lpapi_key_generate' => [fn () => lpapi_key_generate('prod'), InvalidArgumentException::class],
            'lpapi_rate_hit' => [fn () => lpapi_rate_hit('', 1, 1), InvalidArgumentException::class],
            'lpapi_cache_put' => [fn () => lpapi_cache_put('h', [], 0), InvalidArgumentException::class],
        ];
        $failures = [];
        foreach ($calls as $function => [$call, $class]) {
            $e = $this->assertThrowsLpapi($class, $call, [], $function);
            if ($e->getFile() === '' || !is_file($e->getFile()) || $e->getLine() <= 0) {
                $failures[] = sprintf('%s threw %s with file %s, line %d', $function, get_class($e), var_export($e->getFile(), true), $e->getLine());
            }
        }
        $this->assertSame([], $failures);
    }
}
