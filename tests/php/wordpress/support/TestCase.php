<?php
/**
 * Base of the in-WordPress tests: keys made through Key_Service, REST requests dispatched in-process the
 * way WP_REST_Server::serve_request() does it, and everything a test changes (settings, filters,
 * $_SERVER, the current user) put back afterwards.
 *
 * Every key a test makes is named TestCase::NAME_PREFIX + something; after each test they are revoked
 * (so the site's cap on active keys never fills up over a run), and when the process ends Cleanup
 * deletes them with their log rows.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Auth\Authenticator;
use LatePointApi\Support\Core;
use LatePointApi\Keys\Key_Format;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Keys\Permissions;
use LatePointApi\Auth\Request_Context;
use LatePointApi\Support\Schema;
use LatePointApi\Support\Settings;
use LatePointApi\Audit\Spool;

abstract class TestCase extends \PHPUnit\Framework\TestCase {

	const NAME_PREFIX     = 'wptest ';
	const KEY_PATTERN     = '/lp_(live|test)_[0-9A-Za-z]{38}/';
	const REQUEST_ID      = '/^req_[0-9A-Za-z]{24}$/';
	const SUBSCRIBER      = 'lpapi_wptests_subscriber';

	/** @var mixed the lpapi_settings option before the test ('__absent__' when it did not exist) */
	private $settings_before;
	/** @var array<string, mixed> */
	private $server_before;
	/** @var array<int, array{0: string, 1: callable, 2: int}> */
	private $filters = array();
	/** @var ?bool wpdb's suppress_errors before a test turned it on */
	private $suppress_before = null;

	protected function setUp(): void {
		parent::setUp();
		$this->settings_before = get_option(Settings::OPTION, '__absent__');
		$this->server_before   = $_SERVER;
		wp_set_current_user(0);
		Request_Context::reset();
		// An empty spool: a request finding rows older than 10 s there would flush them (and its own).
		Audit_Log::flush();
	}

	protected function tearDown(): void {
		global $wpdb;
		foreach ($this->filters as list($hook, $callback, $priority)) {
			remove_filter($hook, $callback, $priority);
		}
		$this->filters = array();
		if (null !== $this->suppress_before) {
			$wpdb->suppress_errors($this->suppress_before);
			$this->suppress_before = null;
		}
		$_SERVER = $this->server_before;
		if (get_option(Settings::OPTION, '__absent__') !== $this->settings_before) {
			if ('__absent__' === $this->settings_before) {
				delete_option(Settings::OPTION);
			} else {
				update_option(Settings::OPTION, $this->settings_before, true);
			}
		}
		// Retire the test's keys: the cap on active keys counts every key of the site.
		if ($wpdb->get_var($wpdb->prepare('SHOW TABLES LIKE %s', Schema::keys())) === Schema::keys()) {
			$wpdb->query($wpdb->prepare(
				'UPDATE ' . Schema::keys() . " SET status = 'revoked', revoked_at = %s WHERE name LIKE %s AND status IN ('active','disabled')",
				Key_Service::now(),
				$wpdb->esc_like(self::NAME_PREFIX) . '%'
			));
		}
		Core::cache_invalidate();
		wp_set_current_user(0);
		Request_Context::reset();
		parent::tearDown();
	}

	// ------------------------------------------------------------------------------------ keys

	/** A name that is unique and marks the key as the suite's. */
	protected static function name(string $label = 'key'): string {
		return self::NAME_PREFIX . $label . ' ' . bin2hex(random_bytes(4));
	}

	/**
	 * Creates a key through Key_Service (as the admin page and REST do).
	 *
	 * @return array{id: int, key: string, record: array<string, mixed>}
	 */
	protected function createKey(array $fields = array(), ?int $actor = null): array {
		$fields += array('permissions' => Permissions::ALL);
		$fields['name'] = isset($fields['name']) ? self::NAME_PREFIX . $fields['name'] : self::name();
		if (Key_Service::count_active() >= (int) Settings::get('key_cap')) {
			// Another suite left many keys active: room for this test's (restored in tearDown).
			$this->updateSettings(array('key_cap' => Key_Service::count_active() + 20));
		}
		$created = Key_Service::create($fields, $actor ?? $this->admin());
		$id      = (int) $created['record']['id'];
		// Counters of an id a test used before (the tables may have been rebuilt) must not leak in.
		Core::rate_reset(Key_Format::rate_bucket($id));
		foreach (\LatePointApi\Keys\Key_Limits::operations() as $operation) {
			Core::rate_reset(Key_Format::operation_bucket($id, $operation));
		}
		return array('id' => $id, 'key' => $created['key'], 'record' => $created['record']);
	}

	/** The key's row as stored. */
	protected function keyRow(int $id): array {
		global $wpdb;
		$row = $wpdb->get_row($wpdb->prepare('SELECT * FROM ' . Schema::keys() . ' WHERE id = %d', $id), ARRAY_A);
		$this->assertIsArray($row, "key {$id} is not in the table");
		return $row;
	}

	/** Writes columns of a key directly (to move it in time), and empties every key cache. */
	protected function setKeyColumns(int $id, array $columns): void {
		global $wpdb;
		$this->assertNotFalse($wpdb->update(Schema::keys(), $columns, array('id' => $id)), $wpdb->last_error);
		Core::cache_invalidate();
	}

	protected function updateSettings(array $input): array {
		return Settings::update($input);
	}

	// ------------------------------------------------------------------------------------ users

	protected function admin(): int {
		$login = getenv('LPAPI_ADMIN_USER') ?: 'admin';
		$user  = get_user_by('login', $login);
		if (!$user || !user_can($user, 'manage_options')) {
			$admins = get_users(array('role' => 'administrator', 'number' => 1, 'orderby' => 'ID'));
			$user   = $admins[0] ?? null;
		}
		$this->assertNotNull($user, 'no administrator on this site');
		return (int) $user->ID;
	}

	protected function subscriber(): int {
		$user = get_user_by('login', self::SUBSCRIBER);
		if ($user) {
			return (int) $user->ID;
		}
		$id = wp_insert_user(array(
			'user_login' => self::SUBSCRIBER,
			'user_pass'  => wp_generate_password(24),
			'user_email' => self::SUBSCRIBER . '@example.com',
			'role'       => 'subscriber',
		));
		$this->assertIsInt($id, is_wp_error($id) ? $id->get_error_message() : 'wp_insert_user');
		return $id;
	}

	// ------------------------------------------------------------------------------------ requests

	/**
	 * One REST request to this plugin's namespace, in-process.
	 *
	 * @param string $path e.g. '/me' or '/keys?per_page=2'
	 * @param array{key?: string, bearer?: string, headers?: array<string, string>, query?: array,
	 *              json?: mixed, body?: string, server?: array<string, ?string>, user?: int, namespace?: string} $o
	 */
	protected function api(string $method, string $path, array $o = array()): Response {
		$server_before = $_SERVER;
		foreach ($o['server'] ?? array() as $name => $value) {
			if (null === $value) {
				unset($_SERVER[$name]);
			} else {
				$_SERVER[$name] = $value;
			}
		}
		wp_set_current_user($o['user'] ?? 0);
		Request_Context::reset();

		$query = $o['query'] ?? array();
		$q = strpos($path, '?');
		if (false !== $q) {
			parse_str(substr($path, $q + 1), $from_path);
			$query += $from_path;
			$path = substr($path, 0, $q);
		}
		// 'namespace' spells the namespace otherwise (WordPress routes it case-insensitively).
		$request = new \WP_REST_Request($method, '/' . ($o['namespace'] ?? Authenticator::API_NAMESPACE) . $path);
		$request->set_query_params($query);
		foreach ($o['headers'] ?? array() as $name => $value) {
			$request->set_header($name, $value);
		}
		if (isset($o['key'])) {
			$request->set_header('X-API-Key', $o['key']);
		}
		if (isset($o['bearer'])) {
			$request->set_header('Authorization', 'Bearer ' . $o['bearer']);
		}
		if (array_key_exists('json', $o)) {
			$request->set_header('Content-Type', 'application/json');
			$request->set_body((string) wp_json_encode($o['json']));
		} elseif (isset($o['body'])) {
			$request->set_header('Content-Type', 'application/json');
			$request->set_body($o['body']);
		}

		try {
			// What WP_REST_Server::serve_request() does, minus sending.
			$server = rest_get_server();
			$result = $server->check_authentication();
			if (!is_wp_error($result)) {
				$result = rest_do_request($request);
			}
			$result = rest_ensure_response($result);
			if (is_wp_error($result)) {
				$result = rest_convert_error_to_response($result);
			}
			$result = apply_filters('rest_post_dispatch', rest_ensure_response($result), $server, $request);
			$this->assertInstanceOf(\WP_REST_Response::class, $result);
			$json = wp_json_encode($server->response_to_data($result, false));
			$this->assertIsString($json, 'the response does not encode to JSON');
			// The end of the request: its audit row goes to the spool (after the response, in real life).
			Audit_Log::after_response();
		} finally {
			// The request is over (in production its process's statics die with it).
			$_SERVER = $server_before;
			wp_set_current_user(0);
			Request_Context::reset();
		}
		$response = new Response($result, $json);
		Cleanup::track_request($response->requestId());
		return $response;
	}

	// ------------------------------------------------------------------------------------ assertions

	/** The docs/api.md error envelope, with X-Request-Id matching its request_id. */
	protected function assertError(Response $r, int $status, string $code, string $message = ''): void {
		$context = ($message ? "{$message}: " : '') . $r->describe();
		$this->assertSame($status, $r->status, $context);
		$this->assertSame('error', $r->data['status'] ?? null, $context);
		$this->assertSame($code, $r->code(), $context);
		$this->assertSame(array('code', 'message', 'details', 'request_id'), array_keys($r->data['error']), $context);
		$this->assertIsString($r->data['error']['message']);
		$this->assertNotSame('', trim($r->data['error']['message']), $context);
		$this->assertStringNotContainsString('<', $r->data['error']['message'], 'HTML in an error message');
		$this->assertInstanceOf(\stdClass::class, json_decode($r->json)->error->details, 'details must be a JSON object: ' . $r->json);
		$this->assertMatchesRegularExpression(self::REQUEST_ID, (string) $r->data['error']['request_id'], $context);
		$this->assertSame($r->data['error']['request_id'], $r->requestId(), 'X-Request-Id must be the envelope\'s request_id');
		$this->assertSame('no-store', $r->header('Cache-Control'));
	}

	/** The docs/api.md success envelope. */
	protected function assertSuccess(Response $r, int $status = 200): array {
		$this->assertSame($status, $r->status, $r->describe());
		$this->assertSame('success', $r->data['status'] ?? null, $r->describe());
		$this->assertArrayHasKey('data', $r->data);
		$this->assertInstanceOf(\stdClass::class, json_decode($r->json)->meta, 'meta must be a JSON object');
		$this->assertMatchesRegularExpression(self::REQUEST_ID, (string) $r->requestId(), 'X-Request-Id on a success');
		return is_array($r->data['data']) ? $r->data['data'] : array();
	}

	/** The docs/api.md headers, consistent with the limits and with each other. */
	protected function assertRateHeaders(Response $r, int $per_minute, int $per_hour, ?int $per_day = null): void {
		$now = time();
		foreach (array('X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'RateLimit', 'RateLimit-Policy') as $name) {
			$this->assertNotNull($r->header($name), "{$name} missing on " . $r->describe());
		}
		$this->assertSame(sprintf('"minute";q=%d;w=60, "hour";q=%d;w=3600', $per_minute, $per_hour) . ( null === $per_day ? '' : sprintf(', "day";q=%d;w=86400', $per_day) ), $r->header('RateLimit-Policy'));
		$limit     = (int) $r->header('X-RateLimit-Limit');
		$remaining = (int) $r->header('X-RateLimit-Remaining');
		$reset     = (int) $r->header('X-RateLimit-Reset');
		$this->assertMatchesRegularExpression('/^\d+$/', (string) $r->header('X-RateLimit-Reset'));
		$this->assertMatchesRegularExpression('/^"(minute|hour)";r=(\d+);t=(\d+)$/', (string) $r->header('RateLimit'));
		preg_match('/^"(minute|hour)";r=(\d+);t=(\d+)$/', (string) $r->header('RateLimit'), $m);
		$window = $m[1];
		$this->assertSame('minute' === $window ? $per_minute : $per_hour, $limit, 'X-RateLimit-Limit is the limit of the window RateLimit names');
		$this->assertSame($remaining, (int) $m[2], 'RateLimit r= is X-RateLimit-Remaining');
		$this->assertEqualsWithDelta($reset - $now, (int) $m[3], 2, 'RateLimit t= is the seconds to X-RateLimit-Reset');
		$this->assertSame(0, $reset % ('minute' === $window ? 60 : 3600), 'windows are aligned to the UTC minute and hour');
		$this->assertGreaterThan($now - 2, $reset);
		$this->assertLessThanOrEqual($now + ('minute' === $window ? 60 : 3600), $reset);
		$this->assertLessThanOrEqual($limit, $remaining);
	}

	protected function assertNoRateHeaders(Response $r): void {
		foreach (array('X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'RateLimit', 'RateLimit-Policy', 'Retry-After') as $name) {
			$this->assertNull($r->header($name), "{$name} on a request no key was counted for: " . $r->describe());
		}
	}

	// ------------------------------------------------------------------------------------ environment

	/** Adds a filter for this test only. */
	protected function filter(string $hook, callable $callback, int $priority = 10, int $args = 1): void {
		add_filter($hook, $callback, $priority, $args);
		$this->filters[] = array($hook, $callback, $priority);
	}

	/**
	 * Makes every SQL query that $matches fail as if the database were down (for this test only).
	 *
	 * @param callable(string): bool $matches
	 */
	protected function failQueries(callable $matches): void {
		global $wpdb;
		if (null === $this->suppress_before) {
			$this->suppress_before = $wpdb->suppress_errors(true);
		}
		$this->filter('query', static function ($query) use ($matches) {
			return is_string($query) && $matches($query) ? 'SELECT * FROM lpapi_wptests_database_is_down' : $query;
		});
	}

	/** Waits, if need be, so that $seconds fit before the end of the current UTC minute. */
	protected static function awayFromMinuteEdge(int $seconds = 10): void {
		$left = 60 - (microtime(true) - 60 * intdiv(time(), 60));
		if ($left < $seconds) {
			usleep((int) (($left + 0.05) * 1000000));
		}
	}

	/** Waits, if need be, so that $seconds fit before the end of the current UTC hour. */
	protected static function awayFromHourEdge(int $seconds = 30): void {
		$left = 3600 - (microtime(true) - 3600 * intdiv(time(), 3600));
		if ($left < $seconds) {
			usleep((int) (($left + 0.05) * 1000000));
		}
	}

	// ------------------------------------------------------------------------------------ audit log

	protected static function spoolFile(): string {
		Audit_Log::spool_dir();
		return (string) Spool::file();
	}

	/** The rows waiting in the spool (and in batch files not yet flushed). */
	protected static function spooledRows(): array {
		$rows  = array();
		$files = array_merge(Spool::batches(), array(self::spoolFile()));
		foreach ($files as $file) {
			if (!is_file($file)) {
				continue;
			}
			foreach (file($file, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $line) {
				$row = Spool::decode($line);
				if (null !== $row) {
					$rows[] = $row;
				}
			}
		}
		return $rows;
	}

	/** Log rows (as stored) matching column => value, oldest first. */
	protected function logRows(array $where): array {
		global $wpdb;
		$clauses = array();
		$args    = array();
		foreach ($where as $column => $value) {
			$clauses[] = preg_replace('/[^a-z_]/', '', $column) . (is_int($value) ? ' = %d' : ' = %s');
			$args[]    = $value;
		}
		$sql = 'SELECT * FROM ' . Schema::audit_log() . ($clauses ? ' WHERE ' . implode(' AND ', $clauses) : '') . ' ORDER BY id';
		return $wpdb->get_results($args ? $wpdb->prepare($sql, $args) : $sql, ARRAY_A);
	}
}
