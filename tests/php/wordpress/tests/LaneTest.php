<?php
/**
 * The lean lane's parts inside WordPress: when it refuses a request (Lane::refusal() over every fact),
 * the routes that opt in, the routes it registers (the same as the full path's under a first path
 * segment), and its must-use loader (written on activation and by maintain(), removed on
 * deactivation, its state as the admin page shows it). Requests through the lane itself are the HTTP
 * suite's (tests/e2e/lane.test.mjs): Lane::enter() ends the process.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Lane\Lane;
use LatePointApi\Lane\Lane_Loader;
use LatePointApi\Plugin;
use LatePointApi\Rest\Routes;

final class LaneTest extends TestCase {

	const PLUGIN = 'latepoint-api-keys/latepoint-api-keys.php';

	/** @var ?string the loader as it was before the test (null: absent) */
	private $loader_before = null;

	protected function setUp(): void {
		parent::setUp();
		$path                = Lane_Loader::path();
		$this->loader_before = is_file($path) ? (string) file_get_contents($path) : null;
	}

	protected function tearDown(): void {
		$path = Lane_Loader::path();
		if (null === $this->loader_before) {
			@unlink($path);
		} else {
			file_put_contents($path, $this->loader_before);
		}
		parent::tearDown();
	}

	/** Every fact of a request the lane serves; each test changes one. */
	private static function facts(array $changes = array()): array {
		return $changes + array(
			'method'         => 'GET',
			'route'          => '/latepoint-api/v1/services',
			'multisite'      => false,
			'plugin_active'  => true,
			'enabled'        => true,
			'schema_current' => true,
			'addons'         => array(),
			'plugin_version' => '1.2.3',
			'loader_version' => '1.2.3',
			'route_lane'     => Routes::LANE_ALWAYS,
		);
	}

	public function test_a_request_the_lane_may_serve_is_refused_for_nothing(): void {
		$this->assertNull(Lane::refusal(self::facts()));
		$this->assertNull(Lane::refusal(self::facts(array('method' => 'HEAD'))));
		$this->assertNull(Lane::refusal(self::facts(array('route_lane' => Routes::LANE_WITHOUT_ADDONS))));
	}

	public function test_each_fact_that_differs_sends_the_request_to_the_full_path(): void {
		$cases = array(
			'method'            => array('method' => 'POST'),
			'method '           => array('method' => 'OPTIONS'),
			'route'             => array('route' => null),
			'route '            => array('route' => '/wp/v2/posts'),
			'route  '           => array('route' => '/latepoint-api/v1/keys'),
			'route   '          => array('route' => '/latepoint-api/v1/openapi.json'),
			'multisite'         => array('multisite' => true),
			'plugin_inactive'   => array('plugin_active' => false),
			'turned_off'        => array('enabled' => false),
			'schema_behind'     => array('schema_current' => false),
			'version_differs'   => array('loader_version' => '1.2.2'),
			'version_differs '  => array('loader_version' => ''),
			'route_not_in_lane' => array('route_lane' => ''),
			'latepoint_addon'   => array('route_lane' => Routes::LANE_WITHOUT_ADDONS, 'addons' => array('latepoint-pro-features/latepoint-pro-features.php')),
		);
		foreach ($cases as $why => $change) {
			$this->assertSame(trim($why), Lane::refusal(self::facts($change)), $why);
		}
		$this->assertNull(Lane::refusal(self::facts(array('addons' => array('latepoint-pro-features/x.php')))), 'an add-on does not matter to a route that does not pass through LatePoint filters');
	}

	public function test_the_facts_known_before_the_plugin_loads_are_checked_without_the_later_ones(): void {
		$early = self::facts();
		unset($early['plugin_version'], $early['loader_version'], $early['route_lane']);
		$this->assertNull(Lane::refusal($early));
		$this->assertSame('turned_off', Lane::refusal(array('enabled' => false) + $early));
	}

	public function test_the_route_is_read_as_wordpress_reads_it(): void {
		$this->assertSame(array('method' => 'GET', 'route' => '/latepoint-api/v1/me'), Lane::request_facts(array('REQUEST_METHOD' => 'get', 'REQUEST_URI' => '/wp-json/latepoint-api/v1/me/?x=1'), array()));
		$this->assertSame('/latepoint-api/v1/bookings', Lane::request_facts(array('REQUEST_METHOD' => 'GET', 'REQUEST_URI' => '/index.php?rest_route=/latepoint-api/v1/bookings'), array('rest_route' => '/latepoint-api/v1/bookings'))['route']);
		$this->assertSame('/latepoint-api/v1/agents/1', Lane::request_facts(array('REQUEST_METHOD' => 'GET', 'REQUEST_URI' => '/wp-json/latepoint-api/v1/agents%2F1'), array())['route']);
		$this->assertNull(Lane::request_facts(array('REQUEST_METHOD' => 'GET', 'REQUEST_URI' => '/shop/'), array())['route']);
		$this->assertSame('', Lane::request_facts(array(), array())['method']);
	}

	public function test_latepoint_add_ons_are_the_active_plugins_named_latepoint_dash_but_not_latepoint_or_this_plugin(): void {
		$active = array('latepoint/latepoint.php', self::PLUGIN, 'latepoint-pro-features/latepoint-pro-features.php', 'woocommerce/woocommerce.php', 'latepointish/x.php', 'latepoint-stripe-connect/main.php');
		$this->assertSame(array('latepoint-pro-features/latepoint-pro-features.php', 'latepoint-stripe-connect/main.php'), Lane::latepoint_addons($active, self::PLUGIN));
		$this->assertSame(array(), Lane::latepoint_addons(array('latepoint/latepoint.php', self::PLUGIN), self::PLUGIN));
	}

	public function test_the_site_facts_are_read_from_options(): void {
		$facts = Lane::site_facts(self::PLUGIN);
		$this->assertTrue($facts['plugin_active']);
		$this->assertTrue($facts['schema_current']);
		$this->assertFalse($facts['multisite']);
		$this->assertFalse(Lane::site_facts('latepoint-api-keys/not-the-plugin.php')['plugin_active']);
		$this->updateSettings(array('lean_lane' => false));
		if (!defined(Lane::CONSTANT)) {
			$this->assertFalse(Lane::site_facts(self::PLUGIN)['enabled'], 'the setting turns the lane off');
			$this->updateSettings(array('lean_lane' => true));
			$this->assertTrue(Lane::site_facts(self::PLUGIN)['enabled']);
		} else {
			$this->assertSame((bool) constant(Lane::CONSTANT), Lane::site_facts(self::PLUGIN)['enabled'], 'the constant overrides the setting');
		}
	}

	/** The plugin's routes, on a server of their own: pattern => [[method => true], lane] per endpoint. */
	private static function routes(callable $register): array {
		rest_get_server(); // rest_api_init has run, as register_rest_route() wants.
		$saved                     = $GLOBALS['wp_rest_server'] ?? null;
		$server                    = new \WP_REST_Server();
		$GLOBALS['wp_rest_server'] = $server;
		try {
			$register();
			$routes = array();
			foreach ($server->get_routes(Routes::API_NAMESPACE) as $pattern => $handlers) {
				foreach ($handlers as $handler) {
					$routes[$pattern][] = array($handler['methods'], $handler[Routes::LANE] ?? '', $handler[Routes::PERMISSION] ?? null, array_keys($handler['args']));
				}
			}
			return array($routes, $server);
		} finally {
			$GLOBALS['wp_rest_server'] = $saved;
		}
	}

	public function test_the_lane_registers_the_same_routes_as_the_full_path_under_the_first_segment(): void {
		list($all) = self::routes(static fn () => Plugin::register_routes());
		$segments  = array();
		foreach (array_keys($all) as $pattern) {
			$rest = substr($pattern, strlen('/' . Routes::API_NAMESPACE));
			if ('' === $rest) {
				continue; // The namespace's index, WordPress's own.
			}
			$this->assertMatchesRegularExpression('#^/[a-z.]+(/|$)#', $rest, "{$pattern} starts with a literal segment");
			$segments[strtok(substr($rest, 1), '/')] = true;
		}
		$this->assertGreaterThan(8, count($segments));
		foreach (array_keys($segments) as $segment) {
			$is_under    = static fn ($pattern) => 1 === preg_match('#^/' . preg_quote(Routes::API_NAMESPACE, '#') . '/' . preg_quote((string) $segment, '#') . '(/|$)#', $pattern);
			list($under) = self::routes(static fn () => Plugin::register_routes_under((string) $segment));
			// A controller may register routes under other segments too (no request under this one matches them).
			$this->assertSame(array_filter($all, $is_under, ARRAY_FILTER_USE_KEY), array_filter($under, $is_under, ARRAY_FILTER_USE_KEY), "the routes under /{$segment}");
		}
		list($upper) = self::routes(static fn () => Plugin::register_routes_under('AGENTS'));
		$this->assertArrayHasKey('/' . Routes::API_NAMESPACE . '/agents/(?P<id>\d+)/schedule', $upper, 'segments match case-insensitively, as routes do');
		list($none) = self::routes(static fn () => Plugin::register_routes_under('nope'));
		$this->assertSame(array(), array_diff_key($none, array('/' . Routes::API_NAMESPACE => true)));
	}

	public function test_only_api_key_reads_opt_in_and_prices_and_availability_only_without_add_ons(): void {
		list(, $server) = self::routes(static fn () => Plugin::register_routes());
		$always         = array('/me', '/agents', '/agents/1', '/locations', '/locations/2', '/orders', '/orders/3');
		$without_addons = array('/services', '/services/1', '/bookings', '/bookings/1', '/customers', '/customers/1', '/availability', '/agents/availability', '/agents/1/schedule');
		foreach ($always as $route) {
			$this->assertSame(Routes::LANE_ALWAYS, Lane::route_lane($server, '/latepoint-api/v1' . $route, 'GET'), $route);
			$this->assertSame(Routes::LANE_ALWAYS, Lane::route_lane($server, '/latepoint-api/v1' . $route, 'HEAD'), "HEAD {$route}");
		}
		foreach ($without_addons as $route) {
			$this->assertSame(Routes::LANE_WITHOUT_ADDONS, Lane::route_lane($server, '/latepoint-api/v1' . $route, 'GET'), $route);
		}
		$this->assertSame(Routes::LANE_ALWAYS, Lane::route_lane($server, '/LatePoint-API/v1/ME', 'GET'), 'matched case-insensitively');
		foreach (array(array('POST', '/bookings'), array('PATCH', '/bookings/1'), array('DELETE', '/customers/1'), array('POST', '/customers'), array('GET', '/keys'), array('GET', '/logs'), array('GET', '/webhooks'), array('GET', '/webhooks/attempts'), array('GET', '/openapi.json'), array('GET', '/nope'), array('GET', '/bookings/x')) as list($method, $route)) {
			$this->assertSame('', Lane::route_lane($server, '/latepoint-api/v1' . $route, $method), "{$method} {$route}");
		}
	}

	public function test_the_loader_is_the_template_with_this_version_and_basename(): void {
		$contents = Lane_Loader::contents();
		$this->assertStringContainsString("define( 'LPAPI_LANE_LOADER_VERSION', '" . LPAPI_PLUGIN_VERSION . "' );", $contents);
		$this->assertStringContainsString("define( 'LPAPI_LANE_LOADER_PLUGIN', '" . self::PLUGIN . "' );", $contents);
		$this->assertStringContainsString("define( 'LPAPI_LANE_LOADER_VERSION', '' );", (string) file_get_contents(LPAPI_PLUGIN_DIR . '/drop-ins/lean-lane-loader.php'), 'as shipped, the template matches no version');
		$this->assertSame(0, $this->lint($contents), 'the loader is valid PHP');
	}

	private function lint(string $php): int {
		$file = tempnam(sys_get_temp_dir(), 'lpapi-lane');
		file_put_contents($file, $php);
		exec('php -l ' . escapeshellarg($file) . ' 2>&1', $out, $status);
		unlink($file);
		return $status;
	}

	public function test_install_writes_the_loader_status_reports_it_and_remove_takes_it_away(): void {
		Lane_Loader::remove();
		$this->assertFileDoesNotExist(Lane_Loader::path());
		$this->assertSame(Lane_Loader::MISSING, Lane_Loader::status()['state']);

		$this->assertNull(Lane_Loader::install());
		$this->assertSame(Lane_Loader::contents(), file_get_contents(Lane_Loader::path()));
		$this->assertSame(defined(Lane::CONSTANT) && !constant(Lane::CONSTANT) ? Lane_Loader::TURNED_OFF : Lane_Loader::IN_PLACE, Lane_Loader::status()['state']);
		$this->assertSame(array(), glob(dirname(Lane_Loader::path()) . '/*.tmp'), 'no temporary file is left');

		if (!defined(Lane::CONSTANT)) {
			$this->updateSettings(array('lean_lane' => false));
			$this->assertSame(Lane_Loader::TURNED_OFF, Lane_Loader::status()['state']);
			$this->updateSettings(array('lean_lane' => true));
		}

		file_put_contents(Lane_Loader::path(), str_replace("'" . LPAPI_PLUGIN_VERSION . "'", "'0.0.1'", Lane_Loader::contents()));
		$this->assertSame(Lane_Loader::OUTDATED, Lane_Loader::status()['state']);

		Lane_Loader::remove();
		$this->assertFileDoesNotExist(Lane_Loader::path());
	}

	public function test_install_stores_an_english_sites_language_so_no_request_asks_the_database_for_it(): void {
		global $wpdb;
		$before = $wpdb->get_row("SELECT option_value, autoload FROM {$wpdb->options} WHERE option_name = 'WPLANG'", ARRAY_A);
		try {
			delete_option('WPLANG');
			Lane_Loader::install();
			$this->assertSame(array('option_value' => '', 'autoload' => 'yes'), $wpdb->get_row("SELECT option_value, autoload FROM {$wpdb->options} WHERE option_name = 'WPLANG'", ARRAY_A));
			$this->assertSame('en_US', get_locale() ?: 'en_US');
			// (update_option() would refuse a language that is not installed.)
			$wpdb->update($wpdb->options, array('option_value' => 'de_DE'), array('option_name' => 'WPLANG'));
			wp_cache_delete('alloptions', 'options');
			Lane_Loader::install();
			wp_cache_delete('alloptions', 'options');
			$this->assertSame('de_DE', get_option('WPLANG'), 'a language is left alone');
		} finally {
			delete_option('WPLANG');
			if (null !== $before) {
				add_option('WPLANG', $before['option_value'], '', $before['autoload']);
			}
		}
	}

	public function test_remove_leaves_a_file_of_the_same_name_that_is_not_the_loader(): void {
		file_put_contents(Lane_Loader::path(), "<?php\n// someone else's must-use plugin\n");
		Lane_Loader::remove();
		$this->assertFileExists(Lane_Loader::path());
	}

	public function test_maintain_rewrites_a_loader_of_another_version(): void {
		file_put_contents(Lane_Loader::path(), str_replace("'" . LPAPI_PLUGIN_VERSION . "'", "'0.0.1'", Lane_Loader::contents()));
		Lane_Loader::maintain();
		if (defined('LPAPI_LANE_LOADER_VERSION') && LPAPI_PLUGIN_VERSION === LPAPI_LANE_LOADER_VERSION) {
			// This process loaded the current loader: maintain() trusts it and costs nothing.
			$this->assertSame(Lane_Loader::OUTDATED, Lane_Loader::status()['state']);
			$this->assertNull(Lane_Loader::install());
		}
		$this->assertSame(Lane_Loader::contents(), file_get_contents(Lane_Loader::path()));
	}

	public function test_activation_installs_the_loader_and_deactivation_removes_it(): void {
		Lane_Loader::remove();
		try {
			Plugin::activate();
			$this->assertSame(Lane_Loader::contents(), file_get_contents(Lane_Loader::path()));
			Plugin::deactivate();
			$this->assertFileDoesNotExist(Lane_Loader::path());
		} finally {
			Plugin::activate();
		}
	}

	public function test_install_reports_a_loader_it_cannot_write(): void {
		Lane_Loader::remove();
		// A folder in the loader's place: no one, root included, can rename a file over it.
		mkdir(Lane_Loader::path());
		try {
			$why = Lane_Loader::install();
			$this->assertIsString($why);
			$this->assertStringContainsString(dirname(Lane_Loader::path()), $why);
			$this->assertSame(array(), glob(dirname(Lane_Loader::path()) . '/*.tmp'), 'no temporary file is left');
		} finally {
			rmdir(Lane_Loader::path());
		}
	}
}
