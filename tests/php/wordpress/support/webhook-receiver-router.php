<?php
/**
 * The router of WebhookReceiver's `php -S`: writes every request (method, path, headers, body) to a
 * JSON file in the receiver's folder (LPAPI_RECEIVER_DIR) and answers as its control.json says:
 * {"status": 200, "location": null, "body": "ok", "sleep": 0}.
 */

declare(strict_types=1);

(static function (): void {
	$dir     = (string) getenv('LPAPI_RECEIVER_DIR');
	$control = json_decode((string) @file_get_contents($dir . '/control.json'), true);
	$control = (is_array($control) ? $control : array()) + array('status' => 200, 'location' => null, 'body' => 'ok', 'sleep' => 0);
	$headers = array();
	foreach (getallheaders() as $name => $value) {
		$headers[strtolower((string) $name)] = (string) $value;
	}
	$request = array(
		'method'  => (string) $_SERVER['REQUEST_METHOD'],
		'path'    => (string) $_SERVER['REQUEST_URI'],
		'headers' => $headers,
		'body'    => (string) file_get_contents('php://input'),
	);
	$name = sprintf('%s/request-%020d-%s.json', $dir, hrtime(true), bin2hex(random_bytes(3)));
	file_put_contents($name . '.tmp', json_encode($request));
	rename($name . '.tmp', $name);
	if ($control['sleep'] > 0) {
		usleep((int) ($control['sleep'] * 1000000));
	}
	http_response_code((int) $control['status']);
	if (null !== $control['location']) {
		header('Location: ' . $control['location']);
	}
	header('Content-Type: text/plain');
	echo (string) $control['body'];
})();
