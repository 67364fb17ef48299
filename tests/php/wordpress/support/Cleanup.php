<?php
/**
 * Removes what the suite wrote, when the PHPUnit process ends (after the last test, so the final
 * leak scan sees everything): every key whose name starts with TestCase::NAME_PREFIX (also those of an
 * earlier run that crashed), their log and usage rows and rate counters, and the log rows of the
 * requests the suite made without a known key. Set LPAPI_WPTESTS_KEEP=1 to keep it all for a look.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Support\Core;
use LatePointApi\Support\Schema;

final class Cleanup {

	/** @var string[] request ids of the suite's requests */
	private static $request_ids = array();

	public static function register(): void {
		register_shutdown_function(array(self::class, 'run'));
	}

	public static function track_request(?string $request_id): void {
		if (is_string($request_id) && $request_id !== '') {
			self::$request_ids[] = $request_id;
		}
	}

	public static function run(): void {
		global $wpdb;
		if (getenv('LPAPI_WPTESTS_KEEP') === '1' || !isset($wpdb)) {
			return;
		}
		$suppress = $wpdb->suppress_errors(true);
		if ($wpdb->get_var($wpdb->prepare('SHOW TABLES LIKE %s', Schema::keys())) !== Schema::keys()) {
			$wpdb->suppress_errors($suppress);
			return; // A test that drops the tables failed before restoring them: nothing to clean.
		}
		Audit_Log::flush();
		$ids = array_map('intval', $wpdb->get_col($wpdb->prepare(
			'SELECT id FROM ' . Schema::keys() . ' WHERE name LIKE %s',
			$wpdb->esc_like(TestCase::NAME_PREFIX) . '%'
		)));
		foreach (array_chunk($ids, 200) as $chunk) {
			$in = implode(',', $chunk);
			$wpdb->query('DELETE FROM ' . Schema::audit_log() . " WHERE key_id IN ({$in})");
			$wpdb->query('DELETE FROM ' . Schema::usage_daily() . " WHERE key_id IN ({$in})");
			$wpdb->query('DELETE FROM ' . Schema::keys() . " WHERE id IN ({$in})");
			$buckets = array_map(static fn (int $id): string => "'" . hash('sha256', \LatePointApi\Keys\Key_Format::rate_bucket($id)) . "'", $chunk);
			$wpdb->query('DELETE FROM ' . Schema::rate_counters() . ' WHERE bucket IN (' . implode(',', $buckets) . ')');
		}
		foreach (array_chunk(array_unique(self::$request_ids), 200) as $chunk) {
			$wpdb->query($wpdb->prepare(
				'DELETE FROM ' . Schema::audit_log() . ' WHERE request_id IN (' . implode(',', array_fill(0, count($chunk), '%s')) . ')',
				$chunk
			));
		}
		$wpdb->suppress_errors($suppress);
		Core::cache_invalidate();
	}
}
