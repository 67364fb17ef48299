<?php
/**
 * GET /status (no key, nothing secret, 503 when the database, the limiter or LatePoint is not usable,
 * and the db-error drop-in's document while the database is down), the Site Health tests with their
 * recommendations, the Info section, and the refusal of an extension older than the plugin needs.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Admin\Site_Health;
use LatePointApi\Audit\Db_Outage;
use LatePointApi\Lane\Lane_Loader;
use LatePointApi\Plugin;
use LatePointApi\Rest\Status_Controller;
use LatePointApi\Support\Core;

final class StatusAndSiteHealthTest extends TestCase {

	public function test_status_needs_no_key_and_says_what_is_usable(): void {
		$r = $this->api('GET', '/status');
		$expected_latepoint = Plugin::latepoint_active();
		$this->assertSame($expected_latepoint ? 200 : 503, $r->status, $r->describe());
		$this->assertSame(array('status', 'version', 'checks'), array_keys($r->data));
		$this->assertSame(LPAPI_PLUGIN_VERSION, $r->data['version']);
		$this->assertSame(array('database' => true, 'limiter' => true, 'latepoint' => $expected_latepoint), $r->data['checks']);
		$this->assertSame($expected_latepoint ? 'ok' : 'unavailable', $r->data['status']);
		$this->assertNull($r->header('X-RateLimit-Limit'), 'not rate-limited');
		$this->assertSame($expected_latepoint ? null : '30', $r->header('Retry-After'));
		$this->assertSame(array(), $this->logRows(array('request_id' => $r->requestId())), 'a public route is not logged as a request');
	}

	public function test_status_is_503_with_the_failing_check_when_the_database_fails(): void {
		$this->failQueries(static fn (string $q) => false !== strpos($q, 'lpapi_keys'));
		$r = $this->api('GET', '/status');
		$this->assertSame(503, $r->status);
		$this->assertSame('unavailable', $r->data['status']);
		$this->assertFalse($r->data['checks']['database']);
		$this->assertFalse($r->data['checks']['latepoint'], 'nothing is known of LatePoint without the database');
		$this->assertSame('30', $r->header('Retry-After'));
		$this->assertStringNotContainsString('lpapi_wptests', $r->json, 'no SQL or error text');
	}

	public function test_the_db_error_drop_in_answers_status_with_the_database_down(): void {
		ob_start();
		Db_Outage::answer(array('REQUEST_URI' => '/wp-json/latepoint-api/v1/Status', 'REQUEST_METHOD' => 'GET'), array());
		$body = (string) ob_get_clean();
		$this->assertSame(Status_Controller::outage(), json_decode($body, true));
		$this->assertSame(array('database' => false, 'limiter' => null, 'latepoint' => null), json_decode($body, true)['checks']);
		$this->assertSame(LPAPI_PLUGIN_VERSION, json_decode($body, true)['version']);
	}

	public function test_status_is_in_the_openapi_document_as_a_public_route(): void {
		$doc = $this->api('GET', '/openapi.json')->data;
		$op  = $doc['paths']['/status']['get'] ?? null;
		$this->assertNotNull($op);
		$this->assertSame(array(), $op['security']);
		$this->assertSame(Status_Controller::SCHEMA, $op['responses']['503']['content']['application/json']['schema']);
	}

	public function test_every_site_health_test_is_registered_and_answers_in_site_healths_shape(): void {
		$tests = Site_Health::tests(array('direct' => array(), 'async' => array()));
		$this->assertCount(count(Site_Health::TESTS), $tests['direct']);
		foreach ($tests['direct'] as $id => $test) {
			$result = call_user_func($test['test']);
			$this->assertSame($id, $result['test']);
			$this->assertContains($result['status'], array('good', 'recommended', 'critical'), $id);
			$this->assertNotSame('', $result['label'], $id);
			$this->assertStringStartsWith('<p>', $result['description'], $id);
			if ('good' !== $result['status']) {
				$this->assertNotSame('', $result['actions'], "{$id}: a recommendation with what to do");
			}
		}
	}

	public function test_the_extension_test_matches_what_the_plugin_uses(): void {
		$result = Site_Health::run('extension');
		if (Core::native()) {
			$this->assertSame('good', $result['status'], 'the CLI loaded it as php.ini does');
			$this->assertStringContainsString(phpversion('lpapi'), $result['description']);
		} else {
			$this->assertSame('recommended', $result['status']);
			$this->assertStringContainsString('php8.2-lpapi', $result['actions']);
		}
	}

	public function test_the_lean_lane_test_follows_the_loader(): void {
		Lane_Loader::install();
		$this->assertSame('good', Site_Health::run('lean_lane')['status']);
		$before = file_get_contents(Lane_Loader::path());
		try {
			file_put_contents(Lane_Loader::path(), str_replace("'" . LPAPI_PLUGIN_VERSION . "'", "'0.0.1'", Lane_Loader::contents()));
			$result = Site_Health::run('lean_lane');
			if (defined('LPAPI_LEAN_LANE') && !LPAPI_LEAN_LANE) {
				$this->assertSame('good', $result['status'], 'off: nothing to put in place');
			} else {
				$this->assertSame('recommended', $result['status']);
			}
		} finally {
			file_put_contents(Lane_Loader::path(), $before);
		}
	}

	public function test_test_keys_on_a_production_site_are_a_recommendation(): void {
		$this->updateSettings(array('environment_type' => 'staging'));
		$this->assertSame('good', Site_Health::run('test_keys')['status']);
		$this->updateSettings(array('environment_type' => 'production'));
		$k = $this->createKey(array('name' => 'test key in production', 'environment' => 'test'));
		$result = Site_Health::run('test_keys');
		$this->assertSame('recommended', $result['status']);
		$this->assertMatchesRegularExpression('/\d+ test keys? (is|are) active/', $result['description']);
		\LatePointApi\Keys\Key_Service::revoke($k['id'], $this->admin());
	}

	public function test_a_late_flush_says_wp_cron_does_not_run(): void {
		$next = wp_next_scheduled(Plugin::CRON_FLUSH);
		$this->assertNotFalse($next);
		$this->assertSame('good', Site_Health::run('cron')['status']);
		wp_unschedule_event($next, Plugin::CRON_FLUSH);
		wp_schedule_event(time() - 3600, Plugin::CRON_SCHEDULE, Plugin::CRON_FLUSH);
		try {
			$result = Site_Health::run('cron');
			$this->assertSame('recommended', $result['status']);
			$this->assertStringContainsString('60 minutes ago', $result['description']);
		} finally {
			wp_clear_scheduled_hook(Plugin::CRON_FLUSH);
			Plugin::schedule_events();
		}
	}

	public function test_a_spool_inside_the_web_root_is_a_recommendation(): void {
		$this->assertTrue(Site_Health::inside_web_root(WP_CONTENT_DIR . '/uploads'));
		$this->assertTrue(Site_Health::inside_web_root(ABSPATH));
		$this->assertFalse(Site_Health::inside_web_root(sys_get_temp_dir()));
	}

	public function test_the_info_section_names_the_implementation_and_hides_the_spool_path(): void {
		$info   = Site_Health::debug_information(array());
		$fields = $info['latepoint-api-keys']['fields'];
		$this->assertSame(LPAPI_PLUGIN_VERSION, $fields['version']['value']);
		$this->assertSame(Core::native() ? 'native lpapi ' . phpversion('lpapi') : 'pure PHP', $fields['implementation']['value']);
		$this->assertTrue($fields['spool']['private'], 'a path stays out of the copied report');
		$this->assertFalse($fields['version']['private']);
	}
}
