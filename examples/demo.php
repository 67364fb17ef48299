<?php
/**
 * A short tour of the native functions: run with `make run`
 * (php -d extension=target/release/liblpapi.so examples/demo.php).
 */

declare(strict_types=1);

use LatePointApi\Native\InvalidKeyException;

if (!extension_loaded('lpapi')) {
    fwrite(STDERR, "The lpapi extension is not loaded: run this with `make run`.\n");
    exit(1);
}

function section(string $title): void
{
    echo "\n== {$title}\n";
}

section('A new live key (shown once; only its hash, prefix and last 4 are stored)');
$generated = lpapi_key_generate('live');
printf("key:     %s\nhash:    %s\ndisplay: %s…%s\n", $generated['key'], $generated['hash'], $generated['prefix'], $generated['last4']);

section('Parsing a presented key validates its checksum before any database work');
$parsed = lpapi_key_parse($generated['key']);
printf("environment %s, hash matches: %s\n", $parsed['environment'], $parsed['hash'] === $generated['hash'] ? 'yes' : 'no');
$typo = substr($generated['key'], 0, 20) . ($generated['key'][20] === 'a' ? 'b' : 'a') . substr($generated['key'], 21);
try {
    lpapi_key_parse($typo);
} catch (InvalidKeyException $e) {
    printf("a one-character typo is refused: %s: %s\n", get_class($e), $e->getMessage());
}

section('Rate limiting: 3 per minute, 10 per hour, on one bucket');
$bucket = 'demo:' . bin2hex(random_bytes(4));
for ($i = 1; $i <= 4; $i++) {
    $hit = lpapi_rate_hit($bucket, 3, 10);
    printf(
        "hit %d: %-7s remaining %d (minute %d, hour %d), resets at %s, retry after %ds\n",
        $i,
        $hit['allowed'] ? 'allowed' : 'DENIED',
        $hit['remaining'],
        $hit['minute']['remaining'],
        $hit['hour']['remaining'],
        gmdate('H:i:s', $hit['reset']),
        $hit['retry_after']
    );
}

section('The key cache: per process, dropped everywhere when any key changes');
lpapi_cache_put($generated['hash'], ['id' => 1, 'name' => 'Demo key', 'permissions' => ['bookings:read']], 60);
printf("cached: %s\n", json_encode(lpapi_cache_get($generated['hash'])));
printf("generation now %d (every process drops its cache)\n", lpapi_cache_invalidate());
printf("after invalidation: %s\n", var_export(lpapi_cache_get($generated['hash']), true));

section('Extension state');
$info = lpapi_info();
printf(
    "lpapi %s, shared memory %s: %d of %d slots in use (%d KiB)\n",
    $info['version'],
    $info['shared_memory'] ? 'on' : 'off',
    $info['slots_used'],
    $info['slots_total'],
    intdiv($info['shm_bytes'], 1024)
);
