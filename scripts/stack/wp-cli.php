<?php
/**
 * PHP CLI inside the local stack's WordPress, the way `scripts/stack.sh php` runs it:
 *
 *     php wp-cli.php -r 'CODE' [ARG...]    like php -r, after wp-load.php
 *     php wp-cli.php FILE [ARG...]         like php FILE, after wp-load.php
 *
 * Debian's wp-config.php picks /etc/wordpress/config-<host>.php from HTTP_HOST, which a CLI process has
 * not got: stack.sh passes the site's host:port in LPAPI_STACK_HTTP_HOST. WordPress is loaded in the
 * global scope (it relies on globals), so the code or file runs there too, as it would under php.
 */

$lpapi_stack_host = getenv('LPAPI_STACK_HTTP_HOST') ?: '127.0.0.1:8080';
$_SERVER['HTTP_HOST']      = $lpapi_stack_host;
$_SERVER['SERVER_NAME']    = parse_url('http://' . $lpapi_stack_host, PHP_URL_HOST);
$_SERVER['SERVER_PORT']    = (string) (parse_url('http://' . $lpapi_stack_host, PHP_URL_PORT) ?: 80);
$_SERVER['REQUEST_URI']    = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['REMOTE_ADDR']    = '127.0.0.1';
unset($lpapi_stack_host);

array_shift($argv); // this file
if ($argv === []) {
	fwrite(STDERR, "usage: wp-cli.php (-r 'CODE' | FILE) [ARG...]\n");
	exit(2);
}
if ($argv[0] === '-r') {
	if (!isset($argv[1])) {
		fwrite(STDERR, "wp-cli.php: -r needs the code\n");
		exit(2);
	}
	$lpapi_stack_code = $argv[1];
	$argv = array_merge(['Standard input code'], array_slice($argv, 2));
} else {
	$lpapi_stack_file = $argv[0];
	if (!is_file($lpapi_stack_file)) {
		fwrite(STDERR, "wp-cli.php: no such file: $lpapi_stack_file\n");
		exit(2);
	}
	$lpapi_stack_file = realpath($lpapi_stack_file);
}
$argc = count($argv);
$_SERVER['argv'] = $argv;
$_SERVER['argc'] = $argc;

if (getenv('LPAPI_STACK_WP_INSTALLING') === '1') {
	define('WP_INSTALLING', true);
}

// A fatal error reads as PHP's message on stderr, not as WordPress's "critical error" HTML page on
// stdout; while WordPress loads, display_errors is off (WP_DEBUG_DISPLAY), so it is printed here.
define('WP_DISABLE_FATAL_ERROR_HANDLER', true);
register_shutdown_function(static function (): void {
	$error = error_get_last();
	$fatal = [E_ERROR, E_PARSE, E_CORE_ERROR, E_COMPILE_ERROR, E_USER_ERROR, E_RECOVERABLE_ERROR];
	if ($error === null || !in_array($error['type'], $fatal, true)) {
		return;
	}
	if (!in_array(strtolower((string) ini_get('display_errors')), ['1', 'on', 'yes', 'true', 'stderr', 'stdout'], true)) {
		fwrite(STDERR, "PHP Fatal error:  {$error['message']} in {$error['file']} on line {$error['line']}\n");
	}
});
require rtrim((string) (getenv('LPAPI_STACK_WP_ROOT') ?: '/usr/share/wordpress'), '/') . '/wp-load.php';

// WP_DEBUG_DISPLAY=false turned display_errors off for the site; here, errors (a fatal one included)
// go to stderr, and stdout stays the script's own. Deprecations are left out: WordPress 6.1 raises
// dozens on PHP 8.2 as it loads its classes.
ini_set('display_errors', 'stderr');
error_reporting(E_ALL & ~E_DEPRECATED & ~E_USER_DEPRECATED);

if (isset($lpapi_stack_code)) {
	eval($lpapi_stack_code); // phpcs:ignore Generic.PHP.ForbiddenFunctions -- runs the code given with -r, as php -r does.
} else {
	require $lpapi_stack_file;
}
