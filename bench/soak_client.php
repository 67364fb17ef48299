<?php
/**
 * The load generator of bench/soak.sh (not meant to be run on its own):
 * GET $url at a steady rate for a bounded time, each request with the next
 * of the given API keys in turn, at most $concurrency at once (php-curl's
 * multi interface), and one line per request on stdout:
 *
 *   <HTTP status, 0 without a response> <X-LPAPI-Server or -> <X-Request-Id or -> <key index>
 *
 *   php bench/soak_client.php URL KEYS_FILE DURATION_S RATE_PER_S CONCURRENCY
 *
 * KEYS_FILE holds one key a line. URL must be http://127.0.0.1:PORT/…: any
 * other host is refused. Requests not started by the end of the duration
 * are not sent (the count of those sent is what the lines say); the ones in
 * flight then are awaited (10 s timeout each).
 */

declare(strict_types=1);

function fail(string $message): never
{
    fwrite(STDERR, "soak_client: $message\n");
    exit(2);
}

if ($argc !== 6) {
    fail('usage: php bench/soak_client.php URL KEYS_FILE DURATION_S RATE_PER_S CONCURRENCY');
}
[, $url, $keys_file, $duration, $rate, $concurrency] = $argv;
$parts = parse_url($url);
if (!is_array($parts) || ($parts['scheme'] ?? '') !== 'http' || ($parts['host'] ?? '') !== '127.0.0.1') {
    fail("refusing $url: only http://127.0.0.1 targets");
}
$keys = array_values(array_filter(array_map('trim', (array) file($keys_file))));
$duration = (float) $duration;
$rate = (float) $rate;
$concurrency = (int) $concurrency;
if ($keys === [] || $duration <= 0 || $rate <= 0 || $concurrency < 1) {
    fail('no keys, or a duration, rate or concurrency that is not positive');
}
if (!function_exists('curl_multi_init')) {
    fail('php-curl is not installed');
}

$multi = curl_multi_init();
$in_flight = [];   // spl_object_id(handle) => [handle, key index, headers]
$sent = 0;
$start = microtime(true);
$deadline = $start + $duration;

$finish = static function () use ($multi, &$in_flight): void {
    for ($done = curl_multi_info_read($multi); $done !== false; $done = curl_multi_info_read($multi)) {
        $handle = $done['handle'];
        $id = spl_object_id($handle);
        [$h, $key, $headers] = $in_flight[$id];
        $status = $done['result'] === CURLE_OK ? (int) curl_getinfo($h, CURLINFO_RESPONSE_CODE) : 0;
        printf("%d %s %s %d\n", $status, $headers->server ?? '-', $headers->request_id ?? '-', $key);
        curl_multi_remove_handle($multi, $h);
        curl_close($h);
        unset($in_flight[$id]);
    }
};

while (true) {
    $now = microtime(true);
    $due = min((int) floor(($now - $start) * $rate) + 1, (int) floor($duration * $rate));
    while ($sent < $due && $now < $deadline && count($in_flight) < $concurrency) {
        $key = $sent % count($keys);
        $headers = new stdClass();
        $h = curl_init($url);
        curl_setopt_array($h, [
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => ['X-API-Key: ' . $keys[$key], 'User-Agent: lpapi-soak'],
            CURLOPT_TIMEOUT => 10,
            CURLOPT_HEADERFUNCTION => static function ($ch, string $line) use ($headers): int {
                if (preg_match('/^x-lpapi-server:\s*(\S+)/i', $line, $m)) {
                    $headers->server = $m[1];
                } elseif (preg_match('/^x-request-id:\s*(\S+)/i', $line, $m)) {
                    $headers->request_id = $m[1];
                }
                return strlen($line);
            },
        ]);
        curl_multi_add_handle($multi, $h);
        $in_flight[spl_object_id($h)] = [$h, $key, $headers];
        ++$sent;
    }
    if ($in_flight === [] && ($now >= $deadline || $sent >= (int) floor($duration * $rate))) {
        break;
    }
    curl_multi_exec($multi, $running);
    $finish();
    if ($in_flight !== []) {
        curl_multi_select($multi, 0.01);
    } else {
        usleep(2_000);
    }
}
curl_multi_close($multi);
fwrite(STDERR, sprintf("soak_client: %d requests in %.1f s\n", $sent, microtime(true) - $start));
