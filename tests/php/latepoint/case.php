<?php
/**
 * One step of the real-LatePoint suite, in its own PHP process inside the stack's WordPress:
 *
 *     echo '{"command": "...", ...}' | scripts/stack.sh php tests/php/latepoint/case.php
 *
 * LatePoint keeps static caches (settings, work periods, the current user, the request's parameters,
 * the time zone), so every step that must see the database afresh is a process of its own; the PHPUnit
 * side (support/Stack.php) chains them. The request is a JSON object on standard input; the answer is
 * one JSON object on standard output after the line RESULT_MARK (anything printed before it is
 * returned as "stray_output"). Commands:
 *
 *   probe                 WordPress, LatePoint and the plugin as this process sees them
 *   wipe, build           the fixture (support/Fixture.php), in two processes
 *   reset                 the snapshot back, the site's time zone ("timezone") and LatePoint settings
 *                         ("settings": name => value, saved with OsSettingsHelper)
 *   key, drop_key         the suite's API key (made with the plugin's Key_Service), and its removal
 *   cleanup               the snapshot tables dropped (LatePoint's tables left as the fixture has them)
 *   admin                 "action" + "args" through LatePoint's admin controllers (support/AdminSide.php)
 *   api                   "method" + "path" (+ "json", "query") through the REST API with "key"
 *   slots                 LatePoint's own free slots (support/LatePointSlots.php)
 *   dump                  the tables as support/State.php dumps them
 *   screens               LatePoint's Activities list and the views of "activity_ids", rendered as its admin does
 *   webhook_on            a webhook endpoint subscribed to every event (its URL never resolves: nothing is
 *                         sent); answers its id and the highest webhook event id so far ("since")
 *   webhook_events        the webhook events queued after "since", with what the API's GET answers now
 *                         for each one's object ("now"; null when it is gone), and the newest id ("last")
 *   webhook_off           the suite's endpoints removed, with their events and deliveries
 *
 * admin and api take "record": true to record hooks and mails around the action and dump the tables
 * after it ("state"; "state_before" is the dump before it, "before" the highest id of each table).
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

const RESULT_MARK = '@@lpsuite-result@@';

require_once __DIR__ . '/support/Fixture.php';
require_once __DIR__ . '/support/Recorder.php';
require_once __DIR__ . '/support/State.php';
require_once __DIR__ . '/support/ApiSide.php';
require_once __DIR__ . '/support/LatePointSlots.php';

// Every PHP notice, deprecations included, reaches the stack's log (stack.sh's CLI leaves deprecations out).
error_reporting(E_ALL);

/** @return array<string, mixed> */
function run_command(array $in): array {
	$command = (string) ($in['command'] ?? '');
	if ('probe' === $command) {
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		return array(
			'wordpress'     => get_bloginfo('version'),
			'latepoint'     => defined('LATEPOINT_VERSION') ? LATEPOINT_VERSION : null,
			'latepoint_on'  => is_plugin_active('latepoint/latepoint.php'),
			'plugin_on'     => is_plugin_active('latepoint-api-keys/latepoint-api-keys.php'),
			'plugin_loaded' => class_exists(\LatePointApi\Keys\Key_Service::class),
			'snapshot'      => defined('LATEPOINT_VERSION') && Fixture::has_snapshot(),
			'bookings'      => defined('LATEPOINT_VERSION') ? (int) $GLOBALS['wpdb']->get_var('SELECT COUNT(*) FROM ' . $GLOBALS['wpdb']->prefix . 'latepoint_bookings') : 0,
			'facts'         => get_option(Fixture::FACTS_OPTION) ?: null,
			'log_dir'       => dirname((string) ini_get('error_log')),
		);
	}
	if (!defined('LATEPOINT_VERSION')) {
		throw new \RuntimeException('LatePoint is not loaded in this WordPress');
	}
	require_once __DIR__ . '/support/AdminSide.php';
	switch ($command) {
		case 'wipe':
			return Fixture::wipe();
		case 'build':
			AdminSide::act_as_admin();
			return Fixture::build();
		case 'reset':
			return Fixture::reset(array('timezone' => $in['timezone'] ?? 'UTC', 'settings' => $in['settings'] ?? array()));
		case 'cleanup':
			Fixture::drop_snapshot();
			return array('dropped' => true);
		case 'key':
			$admin   = AdminSide::act_as_admin();
			$created = \LatePointApi\Keys\Key_Service::create(array(
				'name'                  => 'lpsuite ' . bin2hex(random_bytes(4)),
				'environment'           => 'live',
				'permissions'           => \LatePointApi\Keys\Permissions::ALL,
				'rate_limit_per_minute' => \LatePointApi\Support\Settings::MAX_PER_MINUTE,
				'rate_limit_per_hour'   => \LatePointApi\Support\Settings::MAX_PER_HOUR,
			), $admin);
			return array('key' => $created['key'], 'id' => (int) $created['record']['id']);
		case 'drop_key':
			return drop_keys();
		case 'dump':
			return State::dump();
		case 'slots':
			return LatePointSlots::compute((array) $in['query']);
		case 'screens':
			AdminSide::act_as_admin();
			return AdminSide::activity_screens(array_map('intval', (array) ($in['activity_ids'] ?? array())));
		case 'admin':
		case 'api':
			return act($command, $in);
		case 'webhook_on':
		case 'webhook_events':
		case 'webhook_off':
			return webhooks($command, $in);
	}
	throw new \InvalidArgumentException("unknown command '{$command}'");
}

/** One write (or read) by one side, recorded when asked. */
function act(string $side, array $in): array {
	$record = !empty($in['record']);
	if ('admin' === $side) {
		AdminSide::act_as_admin();
		$plan = AdminSide::plan((string) $in['action'], (array) ($in['args'] ?? array()));
	}
	$before  = $record ? State::max_ids() : array();
	$earlier = $record ? State::dump() : array();
	$started = microtime(true);
	if ($record) {
		Recorder::start();
	}
	if ('admin' === $side) {
		$answer = AdminSide::run($plan);
	} else {
		$answer = ApiSide::request((string) $in['key'], (string) $in['method'], (string) $in['path'], isset($in['json']) ? (array) $in['json'] : null, (array) ($in['query'] ?? array()));
	}
	$result = array('answer' => $answer, 'started' => $started, 'ended' => microtime(true));
	if ($record) {
		$result += Recorder::stop();
		$result['before']       = $before;
		$result['state_before'] = $earlier;
		$result['state']        = State::dump();
	}
	$result['after']    = State::max_ids();
	$result['timezone'] = wp_timezone_string();
	return $result;
}

/** The suite's webhook endpoint and the events queued for it (see the command list above). */
function webhooks(string $command, array $in): array {
	global $wpdb;
	$events = \LatePointApi\Support\Schema::webhook_events();
	if ('webhook_on' === $command) {
		// A public address for the check at saving; the name is in .invalid (RFC 2606), so a delivery
		// attempt resolves nothing and sends nothing.
		\LatePointApi\Webhooks\Webhook_Service::$destination = new \LatePointApi\Webhooks\Destination(static fn (): array => array('93.184.215.14'));
		$made = \LatePointApi\Webhooks\Webhook_Service::create(array('url' => 'https://lpsuite.invalid/hook', 'events' => \LatePointApi\Webhooks\Webhook_Service::EVENTS, 'description' => 'lpsuite'), AdminSide::act_as_admin());
		return array('id' => (int) $made['record']['id'], 'since' => (int) $wpdb->get_var("SELECT COALESCE(MAX(id), 0) FROM {$events}"));
	}
	if ('webhook_events' === $command) {
		$rows = $wpdb->get_results($wpdb->prepare("SELECT id, type, object_id, payload FROM {$events} WHERE id > %d ORDER BY id", (int) $in['since']), ARRAY_A);
		$out  = array();
		foreach ($rows as $row) {
			$id  = (int) $row['object_id'];
			$now = null;
			try {
				switch (strtok((string) $row['type'], '.')) {
					case 'booking':
						$now = \LatePointApi\LatePoint\Bookings::present(\LatePointApi\LatePoint\Bookings::row($id));
						break;
					case 'customer':
						$now = \LatePointApi\LatePoint\Customers::get($id);
						break;
					case 'order':
						$now = \LatePointApi\LatePoint\Orders::one($id);
						break;
					case 'transaction':
						$now = \LatePointApi\LatePoint\Orders::transaction($id);
						break;
				}
			} catch (\LatePointApi\Support\Not_Found_Error $e) {
				$now = null;
			}
			$out[] = array('type' => $row['type'], 'object_id' => $id, 'payload' => json_decode((string) $row['payload'], true), 'now' => $now);
		}
		return array('events' => $out, 'last' => (int) $wpdb->get_var("SELECT COALESCE(MAX(id), 0) FROM {$events}"));
	}
	$ids = array_map('intval', $wpdb->get_col($wpdb->prepare('SELECT id FROM ' . \LatePointApi\Support\Schema::webhooks() . ' WHERE description = %s', 'lpsuite')));
	foreach ($ids as $id) {
		$wpdb->query($wpdb->prepare('DELETE e FROM ' . $events . ' e JOIN ' . \LatePointApi\Support\Schema::webhook_deliveries() . ' d ON d.event_id = e.id WHERE d.webhook_id = %d', $id));
		$wpdb->delete(\LatePointApi\Support\Schema::webhook_deliveries(), array('webhook_id' => $id));
		$wpdb->delete(\LatePointApi\Support\Schema::webhook_attempts(), array('webhook_id' => $id));
		$wpdb->delete(\LatePointApi\Support\Schema::webhooks(), array('id' => $id));
	}
	return array('removed' => count($ids));
}

/** Removes the suite's keys (named "lpsuite ...") with their log rows. */
function drop_keys(): array {
	global $wpdb;
	$keys = \LatePointApi\Support\Schema::keys();
	$ids  = array_map('intval', $wpdb->get_col($wpdb->prepare("SELECT id FROM {$keys} WHERE name LIKE %s", 'lpsuite %')));
	\LatePointApi\Audit\Audit_Log::flush();
	foreach ($ids as $id) {
		$wpdb->delete(\LatePointApi\Support\Schema::audit_log(), array('key_id' => $id));
		$wpdb->delete(\LatePointApi\Support\Schema::usage_daily(), array('key_id' => $id));
		$wpdb->delete($keys, array('id' => $id));
		$wpdb->delete(\LatePointApi\Support\Schema::rate_counters(), array('bucket' => hash('sha256', \LatePointApi\Keys\Key_Format::rate_bucket($id))));
	}
	\LatePointApi\Support\Core::cache_invalidate();
	return array('dropped' => count($ids));
}

$lpsuite_input = json_decode((string) stream_get_contents(STDIN), true);
ob_start();
try {
	$lpsuite_result = array('ok' => true, 'result' => run_command(is_array($lpsuite_input) ? $lpsuite_input : array()));
} catch (\Throwable $e) {
	$lpsuite_result = array('ok' => false, 'error' => get_class($e) . ': ' . $e->getMessage() . ' at ' . $e->getFile() . ':' . $e->getLine(), 'trace' => $e->getTraceAsString());
}
$lpsuite_result['stray_output'] = (string) ob_get_clean();
echo "\n", RESULT_MARK, "\n", wp_json_encode($lpsuite_result, JSON_UNESCAPED_SLASHES | JSON_PARTIAL_OUTPUT_ON_ERROR), "\n";
