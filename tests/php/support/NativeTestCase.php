<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Support;

/**
 * Base of the tests that only make sense for the native extension. They skip
 * themselves when LPAPI_IMPL=fallback, and only then.
 */
abstract class NativeTestCase extends LpapiTestCase
{
    protected function setUp(): void
    {
        parent::setUp();
        Impl::skipUnlessNative($this);
    }
}
