<?php
/**
 * Sets the local stack's WordPress up; run by `scripts/stack.sh start` through wp-cli.php.
 *
 *     install   first start only (WP_INSTALLING): wp_install() with the stack's admin user
 *     ensure    every start: the admin login matches the stack's, pretty permalinks (else /wp-json/
 *               answers 301), and the plugin is active if its main file exists yet
 *
 * Settings come from stack.sh in LPAPI_ADMIN_USER, LPAPI_ADMIN_PASSWORD, LPAPI_ADMIN_EMAIL and
 * LPAPI_STACK_PLUGIN. Prints "==> " lines; exits non-zero on failure.
 */

require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

const LPAPI_STACK_BLOG_TITLE = 'LatePoint API Keys (local)';
const LPAPI_STACK_PERMALINKS = '/%postname%/';

function lpapi_stack_fail(string $message): void {
	fwrite(STDERR, "==> ERROR: $message\n");
	exit(1);
}

function lpapi_stack_errors(WP_Error $error): string {
	$lines = [];
	foreach ($error->get_error_codes() as $code) {
		foreach ($error->get_error_messages($code) as $message) {
			$data    = $error->get_error_data($code);
			$lines[] = "$code: " . wp_strip_all_tags($message)
				. (is_scalar($data) && (string) $data !== '' ? ' [' . trim((string) $data) . ']' : '');
		}
	}
	return implode('; ', $lines);
}

$mode     = $argv[1] ?? 'ensure';
$user     = (string) getenv('LPAPI_ADMIN_USER');
$password = (string) getenv('LPAPI_ADMIN_PASSWORD');
$email    = (string) (getenv('LPAPI_ADMIN_EMAIL') ?: 'admin@example.com');
$plugin   = (string) (getenv('LPAPI_STACK_PLUGIN') ?: 'latepoint-api-keys/latepoint-api-keys.php');
if ($user === '' || $password === '') {
	lpapi_stack_fail('LPAPI_ADMIN_USER and LPAPI_ADMIN_PASSWORD must be set');
}

if ($mode === 'install') {
	if (is_blog_installed()) {
		exit(0);
	}
	// wp_install() would probe which permalinks work with HTTP requests to the site (half of its
	// second); "ensure" sets them next anyway.
	add_filter('pre_option_permalink_structure', static fn() => LPAPI_STACK_PERMALINKS);
	$result = wp_install(LPAPI_STACK_BLOG_TITLE, $user, $email, false, '', $password);
	if (is_wp_error($result)) {
		lpapi_stack_fail('wp_install: ' . lpapi_stack_errors($result));
	}
	echo "==> wordpress: installed \"" . LPAPI_STACK_BLOG_TITLE . "\", administrator '$user'\n";
	exit(0);
}

if ($mode !== 'ensure') {
	lpapi_stack_fail("unknown mode '$mode' (install or ensure)");
}
if (!is_blog_installed()) {
	lpapi_stack_fail('WordPress is not installed in this database');
}

// The admin login: the one the stack prints and exports, even if LPAPI_ADMIN_PASSWORD changed.
$admin = get_user_by('login', $user);
if (!$admin) {
	$id = wp_create_user($user, $password, email_exists($email) ? "$user@example.com" : $email);
	if (is_wp_error($id)) {
		lpapi_stack_fail("creating the administrator '$user': " . lpapi_stack_errors($id));
	}
	(new WP_User($id))->set_role('administrator');
	echo "==> wordpress: created administrator '$user'\n";
} else {
	if (!wp_check_password($password, $admin->user_pass, $admin->ID)) {
		wp_set_password($password, $admin->ID);
		echo "==> wordpress: set the password of '$user' to the stack's\n";
	}
	if (!user_can($admin, 'manage_options')) {
		$admin->set_role('administrator');
		echo "==> wordpress: made '$user' an administrator again\n";
	}
}

// The options agree with WP_HOME / WP_SITEURL, so a dump of the database is consistent.
foreach (['home' => home_url(), 'siteurl' => site_url()] as $option => $url) {
	if (get_option($option) !== $url) {
		update_option($option, $url);
	}
}

// Nothing leaves the loopback: no avatars from an avatar service on admin pages.
if ((string) get_option('show_avatars') !== '0') {
	update_option('show_avatars', '0');
}

global $wp_rewrite;
if (get_option('permalink_structure') !== LPAPI_STACK_PERMALINKS || !get_option('rewrite_rules')) {
	$wp_rewrite->set_permalink_structure(LPAPI_STACK_PERMALINKS);
	flush_rewrite_rules(false);
	echo "==> wordpress: permalinks " . LPAPI_STACK_PERMALINKS . "\n";
}

// Real LatePoint (LPAPI_STACK_LATEPOINT=1: its folder is linked into the plugins and WordPress is one
// it supports): active before the API's plugin, so its tables exist (its activation creates them).
// Otherwise it is deactivated, and the tests' stand-in tables take its place.
$latepoint = 'latepoint/latepoint.php';
if (getenv('LPAPI_STACK_LATEPOINT') === '1') {
	if (!is_plugin_active($latepoint)) {
		ob_start();
		$activated = activate_plugin($latepoint);
		$noise     = trim((string) ob_get_clean());
		if (is_wp_error($activated)) {
			lpapi_stack_fail("activating LatePoint: " . lpapi_stack_errors($activated));
		}
		if ($noise !== '') {
			fwrite(STDERR, "==> WARNING: LatePoint printed while activating: " . substr(wp_strip_all_tags($noise), 0, 500) . "\n");
		}
	}
	echo "==> wordpress: LatePoint " . (defined('LATEPOINT_VERSION') ? LATEPOINT_VERSION : '') . " active\n";
} elseif (is_plugin_active($latepoint)) {
	deactivate_plugins($latepoint, true);
	echo "==> wordpress: LatePoint deactivated (not linked into this stack)\n";
}

if (!file_exists(WP_PLUGIN_DIR . '/' . $plugin)) {
	echo "==> WARNING: the plugin is not there yet (" . WP_PLUGIN_DIR . "/$plugin): not activated\n";
	exit(0);
}
if (is_plugin_active($plugin)) {
	echo "==> wordpress: plugin $plugin active\n";
	exit(0);
}
// A plugin that does not load yet (it is being written) must not keep the site from starting: its
// failure is reported, the site serves without it, and the exit status 3 tells stack.sh.
function lpapi_stack_activation_failed(string $plugin, string $why): void {
	while (ob_get_level() > 0) {
		ob_end_clean(); // activate_plugin() buffers the plugin's output
	}
	fwrite(STDERR, "==> WARNING: plugin $plugin NOT activated: $why\n");
	exit(3);
}
register_shutdown_function(static function () use ($plugin): void {
	$error = error_get_last();
	if ($error && in_array($error['type'], [E_ERROR, E_PARSE, E_CORE_ERROR, E_COMPILE_ERROR], true)) {
		lpapi_stack_activation_failed($plugin, "fatal error: {$error['message']} in {$error['file']}:{$error['line']}");
	}
});
try {
	$result = activate_plugin($plugin);
} catch (Throwable $e) {
	lpapi_stack_activation_failed($plugin, get_class($e) . ': ' . $e->getMessage() . ' in ' . $e->getFile() . ':' . $e->getLine());
}
if (is_wp_error($result)) {
	lpapi_stack_activation_failed($plugin, lpapi_stack_errors($result));
}
echo "==> wordpress: plugin $plugin activated\n";
