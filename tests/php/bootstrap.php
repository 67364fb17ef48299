<?php
/**
 * Decides which implementation of the lpapi functions is under test.
 *
 *  - LPAPI_IMPL unset, empty or "native" (the default): the native extension
 *    must already be loaded (php -d extension=…/liblpapi.so).
 *  - LPAPI_IMPL=fallback: the pure-PHP implementation in the file named by
 *    LPAPI_FALLBACK is required, and the extension must NOT be loaded (both
 *    would define the same functions). Only the "contract" suite is meant to
 *    run in this mode; native-only tests skip themselves there.
 *
 * LPAPI_EXT (the extension's path, for the PHP child processes some native
 * tests start) defaults to target/release/liblpapi.so in this repository.
 */

declare(strict_types=1);

require_once __DIR__ . '/support/Impl.php';
require_once __DIR__ . '/support/ApiDump.php';
require_once __DIR__ . '/support/PhpProcess.php';
require_once __DIR__ . '/support/Fork.php';
require_once __DIR__ . '/support/Keys.php';
require_once __DIR__ . '/support/LpapiTestCase.php';
require_once __DIR__ . '/support/NativeTestCase.php';

use LatePointApi\Tests\Support\Impl;

(static function (): void {
    $bail = static function (string $message): void {
        fwrite(STDERR, "\nlpapi tests: {$message}\n\n");
        exit(2);
    };

    $mode = getenv('LPAPI_IMPL');
    $mode = ($mode === false || $mode === '') ? Impl::NATIVE : $mode;

    $ext = getenv('LPAPI_EXT');
    if ($ext === false || $ext === '') {
        $ext = dirname(__DIR__, 2) . '/target/release/liblpapi.so';
        putenv('LPAPI_EXT=' . $ext);
    }

    switch ($mode) {
        case Impl::NATIVE:
            if (!extension_loaded('lpapi')) {
                $bail(
                    "the native extension 'lpapi' is not loaded.\n"
                    . "Build it (cargo build --release) and run PHPUnit with it loaded:\n"
                    . "  php -d extension={$ext} /usr/bin/phpunit -c tests/php/phpunit.xml\n"
                    . 'or set LPAPI_IMPL=fallback and LPAPI_FALLBACK=<file> to test the pure-PHP implementation.'
                );
            }
            break;

        case Impl::FALLBACK:
            $file = getenv('LPAPI_FALLBACK');
            if ($file === false || $file === '') {
                $bail('LPAPI_IMPL=fallback needs LPAPI_FALLBACK=<path of the pure-PHP implementation file>.');
            }
            if (!is_file($file) || !is_readable($file)) {
                $bail("LPAPI_FALLBACK={$file}: no such readable file.");
            }
            if (extension_loaded('lpapi')) {
                $bail('LPAPI_IMPL=fallback, but the native extension is loaded too: run PHP without -d extension=…liblpapi.so.');
            }
            // The plugin's fallback refuses to load outside WordPress unless told it is standalone.
            if (!defined('LPAPI_FALLBACK_STANDALONE')) {
                define('LPAPI_FALLBACK_STANDALONE', true);
            }
            require_once $file;
            foreach (['lpapi_key_generate', 'lpapi_key_parse', 'lpapi_rate_hit', 'lpapi_cache_get', 'lpapi_info'] as $function) {
                if (!function_exists($function)) {
                    $bail("LPAPI_FALLBACK={$file} does not define {$function}().");
                }
            }
            break;

        default:
            $bail("LPAPI_IMPL must be 'native' (the default) or 'fallback', not '{$mode}'.");
    }

    Impl::init($mode, $ext);
})();
