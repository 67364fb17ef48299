<?php
/**
 * Bootstrap of the suite against real LatePoint (see phpunit.xml). PHPUnit itself runs in plain PHP,
 * outside WordPress; everything inside WordPress is a case.php process (support/Stack.php).
 *
 * Once per run: finds the stack (`scripts/stack.sh env`, with the caller's LPAPI_* settings), checks that
 * real LatePoint and the plugin are active there, notes the PHP logs' sizes, builds the fixture through
 * LatePoint's models (case.php wipe, then build: support/Fixture.php) and makes the suite's API key.
 * When the process ends, the key (with its log rows) and the snapshot tables are removed; LatePoint's
 * tables keep the fixture (LPAPI_LATEPOINT_SUITE_KEEP=1 keeps the key and the snapshot too).
 *
 * Without a running stack with real LatePoint, every test is skipped and the line
 * "real LatePoint suite: skipped: <why>" says why.
 *
 * The suite owns the stack's LatePoint data: it empties every LatePoint table. It refuses to when
 * LatePoint holds bookings it did not make (the fixture's facts are missing), unless
 * LPAPI_LATEPOINT_SUITE_WIPE=1.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

require_once __DIR__ . '/support/Stack.php';
require_once __DIR__ . '/support/Normalizer.php';
require_once __DIR__ . '/support/Diff.php';
require_once __DIR__ . '/support/TestCase.php';

(static function (): void {
	$skip = static function (string $why): void {
		Stack::$skipped = $why;
		fwrite(STDOUT, "real LatePoint suite: skipped: {$why}\n");
	};

	$why = null;
	$env = Stack::read_env($why);
	if (null === $env) {
		$skip((string) $why);
		return;
	}
	Stack::$env = $env;
	if (($env['LPAPI_LATEPOINT_ACTIVE'] ?? '0') !== '1') {
		$skip(sprintf(
			'real LatePoint is not installed on this stack (LPAPI_WP=%s, LPAPI_LATEPOINT_DIR=%s): it needs WordPress 6.5 and LatePoint\'s latepoint.php in that folder (scripts/get-latepoint.sh GIT_DIR puts it there)',
			$env['LPAPI_WP'] ?? '?',
			$env['LPAPI_LATEPOINT_DIR'] ?? '?'
		));
		return;
	}
	try {
		$probe = Stack::run(array('command' => 'probe'));
	} catch (Case_Failure $e) {
		$skip('the stack\'s WordPress does not answer: ' . $e->getMessage());
		return;
	}
	if (empty($probe['latepoint']) || empty($probe['latepoint_on'])) {
		$skip('LatePoint is not active in the stack\'s WordPress (' . json_encode($probe) . ')');
		return;
	}
	if (empty($probe['plugin_on']) || empty($probe['plugin_loaded'])) {
		$skip('the plugin latepoint-api-keys is not active in the stack\'s WordPress (' . json_encode($probe) . ')');
		return;
	}
	if ((int) $probe['bookings'] > 0 && empty($probe['facts']) && getenv('LPAPI_LATEPOINT_SUITE_WIPE') !== '1') {
		fwrite(STDERR, "\nreal LatePoint suite: this stack's LatePoint holds {$probe['bookings']} bookings the suite did not make, and the suite empties every LatePoint table. Run it on a stack of its own, or set LPAPI_LATEPOINT_SUITE_WIPE=1.\n\n");
		exit(2);
	}

	Stack::record_log_offsets();
	Stack::run(array('command' => 'wipe'));
	Stack::$facts = Stack::run(array('command' => 'build'));
	Stack::$key   = (string) Stack::run(array('command' => 'key'))['key'];

	register_shutdown_function(static function (): void {
		if (getenv('LPAPI_LATEPOINT_SUITE_KEEP') === '1') {
			return;
		}
		try {
			Stack::run(array('command' => 'drop_key'));
			Stack::run(array('command' => 'cleanup'));
		} catch (Case_Failure $e) {
			fwrite(STDERR, "real LatePoint suite: cleaning up failed: {$e->getMessage()}\n");
		}
	});

	fwrite(STDOUT, sprintf(
		"real LatePoint suite: LatePoint %s on WordPress %s at %s; fixture day 0 = %s, past = %s\n",
		$probe['latepoint'],
		$probe['wordpress'],
		Stack::site_url(),
		Stack::$facts['days'][0],
		Stack::$facts['past']
	));
})();
