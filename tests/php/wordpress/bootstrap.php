<?php
/**
 * Bootstrap of the in-WordPress test suite: the plugin's PHP code runs inside the real WordPress of the
 * local stack (scripts/stack.sh), with its real database; REST requests go through rest_do_request().
 *
 * Two ways in (see phpunit.xml):
 *  - `scripts/stack.sh php -d opcache.enable_cli=0 /usr/bin/phpunit -c tests/php/wordpress/phpunit.xml`
 *    (preferred; phpunit.xml says why opcache is off): the stack's
 *    scripts/stack/wp-cli.php has already loaded wp-load.php in the global scope; nothing is loaded twice.
 *  - plain `php [-d extension=…/liblpapi.so] /usr/bin/phpunit -c …`: this file sets $_SERVER the way
 *    wp-cli.php does (host and port from LPAPI_STACK_HTTP_HOST, else LPAPI_HOST and LPAPI_HTTP_PORT as
 *    `scripts/stack.sh env` prints them) and requires wp-load.php itself.
 *
 * The audit spool of the suite is a folder of its own (LPAPI_SPOOL_DIR, defined here before the plugin
 * first asks for it), so WP-Cron in the stack's php-fpm never flushes it under a test's feet.
 */

declare(strict_types=1);

// The only thing the plugin does differently in tests: Audit_Log::after_response() does not call
// fastcgi_finish_request() (read at shutdown, so defining it after WordPress loaded is early enough).
if (!defined('LPAPI_TESTING')) {
	define('LPAPI_TESTING', true);
}

(static function (): void {
	$bail = static function (string $message): void {
		fwrite(STDERR, "\nwordpress tests: {$message}\n\n");
		exit(2);
	};

	if (!defined('ABSPATH')) {
		$host = getenv('LPAPI_STACK_HTTP_HOST');
		if (!$host) {
			$name = getenv('LPAPI_HOST') ?: '127.0.0.1';
			$port = getenv('LPAPI_HTTP_PORT');
			if (!$port) {
				$bail("WordPress is not loaded and neither LPAPI_STACK_HTTP_HOST nor LPAPI_HTTP_PORT is set.\n"
					. "Run: scripts/stack.sh php -d opcache.enable_cli=0 /usr/bin/phpunit -c tests/php/wordpress/phpunit.xml\n"
					. 'or:  eval "$(scripts/stack.sh env)" && php -d extension=$LPAPI_EXT /usr/bin/phpunit -c tests/php/wordpress/phpunit.xml');
			}
			$host = "{$name}:{$port}";
		}
		$_SERVER['HTTP_HOST']      = $host;
		$_SERVER['SERVER_NAME']    = (string) parse_url('http://' . $host, PHP_URL_HOST);
		$_SERVER['SERVER_PORT']    = (string) (parse_url('http://' . $host, PHP_URL_PORT) ?: 80);
		$_SERVER['REQUEST_URI']    = '/';
		$_SERVER['REQUEST_METHOD'] = 'GET';
		$_SERVER['REMOTE_ADDR']    = '127.0.0.1';
	}
})();

if (!defined('ABSPATH')) {
	// PHPUnit includes this file from inside a method: WordPress's globals must be declared global here
	// (what wp-config.php and wp-settings.php set without `global` themselves).
	global $wpdb, $table_prefix, $wp_version, $wp_db_version, $wp_rewrite, $wp, $wp_query, $wp_the_query,
		$wp_roles, $wp_locale, $wp_embed, $wp_widget_factory, $wp_filter, $wp_actions, $wp_current_filter,
		$shortcode_tags, $current_user, $blog_id, $wp_plugin_paths, $wp_theme_directories, $wp_object_cache,
		$l10n, $pagenow, $wp_scripts, $wp_styles, $allowedposttags, $allowedtags, $wp_post_types,
		$wp_taxonomies, $wp_post_statuses, $wp_registered_sidebars, $wp_meta_boxes, $wp_rest_server;
	define('WP_DISABLE_FATAL_ERROR_HANDLER', true);
	require '/usr/share/wordpress/wp-load.php';
}

// The suite's own spool folder: see the file comment. If the plugin already resolved its spool folder
// (it does so only when a row is logged or flushed), the constant comes too late: say so.
if (!defined('LPAPI_SPOOL_DIR')) {
	define('LPAPI_SPOOL_DIR', WP_CONTENT_DIR . '/lpapi-spool-wptests');
}

// WordPress 6.1 raises deprecations on PHP 8.2 in its own code; they are logged (and the suite's last
// test checks that none comes from the plugin), the rest is reported as test errors.
error_reporting(E_ALL);
ini_set('display_errors', '0');

(static function (): void {
	$bail = static function (string $message): void {
		fwrite(STDERR, "\nwordpress tests: {$message}\n\n");
		exit(2);
	};
	require_once ABSPATH . 'wp-admin/includes/plugin.php';
	if (!is_plugin_active('latepoint-api-keys/latepoint-api-keys.php')) {
		$bail('the plugin latepoint-api-keys is not active on this site (scripts/stack.sh start activates it).');
	}
	if (!class_exists(\LatePointApi\Keys\Key_Service::class)) {
		$bail('the plugin is active but its classes do not load.');
	}
	if (\LatePointApi\Audit\Audit_Log::spool_dir() !== LPAPI_SPOOL_DIR) {
		$bail('the audit spool folder is ' . var_export(\LatePointApi\Audit\Audit_Log::spool_dir(), true) . ', not ' . LPAPI_SPOOL_DIR . ' (resolved before the bootstrap?)');
	}
	// get_loaded_extensions(), not extension_loaded(): opcache folds extension_loaded('lpapi') into the
	// compiled script, and a file cache shared by runs with and without the extension (as stack.sh's
	// CLI cache is) then answers for the other run. The plugin's Core::native() uses extension_loaded().
	$loaded      = in_array('lpapi', get_loaded_extensions(), true);
	$want_native = getenv('LPAPI_NATIVE');
	if ($want_native !== false && $want_native !== '' && ((bool) (int) $want_native) !== $loaded) {
		$bail("LPAPI_NATIVE={$want_native}, but the extension is " . ($loaded ? '' : 'not ') . 'loaded.');
	}
	$functions = get_defined_functions();
	$defined   = in_array('lpapi_cache_invalidate', array_merge($functions['internal'], $functions['user']), true);
	if (\LatePointApi\Support\Core::native() !== $loaded || !$defined) {
		$bail('the extension is ' . ($loaded ? '' : 'not ') . 'loaded, but the plugin ' . ($defined ? 'thinks otherwise' : 'did not define the lpapi_* functions') . ': a stale opcache file cache'
			. " compiled with the other setting (run PHP with -d opcache.enable_cli=0, or clear the stack's opcache-cli folder).");
	}
})();

// LatePoint cannot be installed here: its tables come from the stack's fixture (as for the HTTP suites),
// before any request, so the resource routes (which check for the tables once per process) see them.
$lpapi_wptests_fixture = dirname(__DIR__, 3) . '/scripts/stack/latepoint-fixture.php';
if (is_file($lpapi_wptests_fixture)) {
	require_once $lpapi_wptests_fixture;
	\LatePointApi\Fixture\create_latepoint_tables();
}
unset($lpapi_wptests_fixture);

require_once __DIR__ . '/support/Response.php';
require_once __DIR__ . '/support/StackFiles.php';
require_once __DIR__ . '/support/Cleanup.php';
require_once __DIR__ . '/support/TestCase.php';
require_once __DIR__ . '/support/LatePointTestCase.php';

\LatePointApi\Tests\WordPress\Cleanup::register();
\LatePointApi\Tests\WordPress\StackFiles::record_start();

fwrite(STDOUT, sprintf(
	"LatePoint API Keys in WordPress %s at %s; implementation: %s\n",
	get_bloginfo('version'),
	home_url('/'),
	\LatePointApi\Support\Core::native() ? 'native extension ' . phpversion('lpapi') : 'pure-PHP fallback'
));
