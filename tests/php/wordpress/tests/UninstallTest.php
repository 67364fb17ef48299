<?php
/**
 * Deactivation and uninstall (through WordPress's own uninstall_plugin(), which runs uninstall.php).
 * The plugin's tables, options and spool are saved first and put back afterwards, so the stack keeps
 * its keys.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Support\Core;
use LatePointApi\Lane\Lane_Loader;
use LatePointApi\Plugin;
use LatePointApi\Support\Schema;
use LatePointApi\Support\Settings;
use LatePointApi\Webhooks\Delivery_Runner;

final class UninstallTest extends TestCase {

	const PLUGIN = 'latepoint-api-keys/latepoint-api-keys.php';

	private static function tables(): array {
		return Schema::tables();
	}

	private static function backup_of(string $table): string {
		global $wpdb;
		return $wpdb->prefix . 'lpapiwptests_bak_' . substr($table, strlen($wpdb->prefix . 'lpapi_'));
	}

	private static function table_exists(string $table): bool {
		global $wpdb;
		return $table === $wpdb->get_var($wpdb->prepare('SHOW TABLES LIKE %s', $wpdb->esc_like($table)));
	}

	public function test_deactivation_flushes_the_spool_and_unschedules_the_jobs_and_activation_brings_them_back(): void {
		$k = $this->createKey(array('name' => 'deactivation'));
		$r = $this->api('GET', '/me', array('key' => $k['key']));
		$this->assertNotSame(array(), self::spooledRows());
		try {
			Plugin::deactivate();
			$this->assertSame(array(), self::spooledRows());
			$this->assertCount(1, $this->logRows(array('request_id' => $r->requestId())));
			$this->assertFalse(wp_next_scheduled(Plugin::CRON_FLUSH));
			$this->assertFalse(wp_next_scheduled(Plugin::CRON_MAINTENANCE));
			$this->assertFalse(wp_next_scheduled(Delivery_Runner::CRON_HOOK));
			$this->assertFileDoesNotExist(Lane_Loader::path(), 'the lean lane\'s loader is gone');
		} finally {
			Plugin::activate();
		}
		$this->assertFileExists(Lane_Loader::path(), 'activation puts the loader back');
		$this->assertNotFalse(wp_next_scheduled(Plugin::CRON_FLUSH));
		$this->assertNotFalse(wp_next_scheduled(Plugin::CRON_MAINTENANCE));
		$this->assertNotFalse(wp_next_scheduled(Delivery_Runner::CRON_HOOK));
		$this->assertSame('active', $this->keyRow($k['id'])['status'], 'activation keeps the data');
	}

	public function test_uninstall_drops_the_tables_options_jobs_and_spool(): void {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		if (defined('WP_UNINSTALL_PLUGIN')) {
			$this->markTestSkipped('WP_UNINSTALL_PLUGIN is already defined in this process');
		}
		$k = $this->createKey(array('name' => 'uninstall'));
		$this->api('GET', '/me', array('key' => $k['key']));
		Audit_Log::flush();
		$spool    = (string) Audit_Log::spool_dir();
		$options  = array(Settings::OPTION => get_option(Settings::OPTION, null), Schema::DB_VERSION_OPTION => get_option(Schema::DB_VERSION_OPTION, null));
		$this->updateSettings(array('retention_days' => 12)); // so there is a settings option to remove
		$generation = Core::info()['generation'];
		foreach (array(Schema::webhooks(), Schema::webhook_events(), Schema::webhook_deliveries(), Schema::webhook_attempts()) as $table) {
			$this->assertContains($table, self::tables(), 'the webhook tables are dropped too');
		}
		foreach (self::tables() as $table) {
			$backup = self::backup_of($table);
			$wpdb->query("DROP TABLE IF EXISTS {$backup}");
			$this->assertNotFalse($wpdb->query("CREATE TABLE {$backup} LIKE {$table}"), $wpdb->last_error);
			$this->assertNotFalse($wpdb->query("INSERT INTO {$backup} SELECT * FROM {$table}"), $wpdb->last_error);
		}
		try {
			$this->assertTrue(uninstall_plugin(self::PLUGIN));

			foreach (self::tables() as $table) {
				$this->assertFalse(self::table_exists($table), "{$table} is still there");
			}
			wp_cache_delete('alloptions', 'options');
			$this->assertFalse(get_option(Settings::OPTION));
			$this->assertFalse(get_option(Schema::DB_VERSION_OPTION));
			$this->assertSame(0, (int) $wpdb->get_var("SELECT COUNT(*) FROM {$wpdb->options} WHERE option_name LIKE 'lpapi\\_%'"), 'no option of the plugin is left');
			$this->assertFalse(wp_next_scheduled(Plugin::CRON_FLUSH));
			$this->assertFalse(wp_next_scheduled(Plugin::CRON_MAINTENANCE));
			$this->assertDirectoryDoesNotExist($spool);
			$this->assertFileDoesNotExist(Lane_Loader::path(), 'the lean lane\'s loader is gone');
			$this->assertGreaterThan($generation, Core::info()['generation'], 'every worker drops its cached keys');
		} finally {
			// Put the stack back as it was.
			Schema::install();
			foreach (self::tables() as $table) {
				$backup = self::backup_of($table);
				if (self::table_exists($backup)) {
					$wpdb->query("DELETE FROM {$table}");
					$wpdb->query("INSERT INTO {$table} SELECT * FROM {$backup}");
					$wpdb->query("DROP TABLE {$backup}");
				}
			}
			foreach ($options as $name => $value) {
				null === $value ? delete_option($name) : update_option($name, $value, true);
			}
			Plugin::schedule_events();
			Lane_Loader::install();
			wp_mkdir_p($spool);
			file_put_contents($spool . '/index.php', "<?php\n// Silence is golden.\n");
			file_put_contents($spool . '/.htaccess', "Require all denied\nDeny from all\n");
			Core::cache_invalidate();
		}
		$this->assertSame('active', $this->keyRow($k['id'])['status'], 'the stack got its keys back');
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])));
	}
}
