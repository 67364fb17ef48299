<?php
/**
 * Schema: dbDelta installs are idempotent, upgrades bring an older table up to date without losing
 * rows, every table (the webhook ones included) is there, and the key hash is unique.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Support\Schema;

final class SchemaTest extends TestCase {

	private static function tables(): array {
		return Schema::tables();
	}

	private static function create_statements(): array {
		global $wpdb;
		$out = array();
		foreach (self::tables() as $table) {
			$row = $wpdb->get_row("SHOW CREATE TABLE {$table}", ARRAY_N);
			// AUTO_INCREMENT moves with every insert; the definition is the rest.
			$out[ $table ] = preg_replace('/ AUTO_INCREMENT=\d+/', '', (string) $row[1]);
		}
		return $out;
	}

	/** Runs $fn and returns the SQL statements it sent. */
	private function queries_of(callable $fn): array {
		$queries = array();
		$record  = static function ($query) use (&$queries) {
			$queries[] = $query;
			return $query;
		};
		add_filter('query', $record);
		try {
			$fn();
		} finally {
			remove_filter('query', $record);
		}
		return $queries;
	}

	public function test_installing_again_changes_nothing(): void {
		$before  = self::create_statements();
		$queries = $this->queries_of(array(Schema::class, 'install'));
		$this->assertNotSame(array(), $queries, 'install looked at the tables');
		$changes = preg_grep('/^\s*(ALTER|CREATE|DROP)\s+TABLE/i', $queries);
		$this->assertSame(array(), array_values($changes), 'dbDelta found differences in an up-to-date schema');
		$this->assertSame($before, self::create_statements());
		$this->assertSame(Schema::DB_VERSION, get_option(Schema::DB_VERSION_OPTION));
	}

	public function test_maybe_upgrade_runs_only_when_the_stored_version_differs(): void {
		$this->assertSame(array(), $this->queries_of(array(Schema::class, 'maybe_upgrade')), 'an up-to-date site pays nothing');
		update_option(Schema::DB_VERSION_OPTION, '0');
		$queries = $this->queries_of(array(Schema::class, 'maybe_upgrade'));
		$this->assertNotSame(array(), preg_grep('/^\s*DESCRIBE /i', $queries), 'an older version runs dbDelta');
		$this->assertSame(Schema::DB_VERSION, get_option(Schema::DB_VERSION_OPTION));
		$this->assertSame(10, has_action('plugins_loaded', array(Schema::class, 'maybe_upgrade')), 'checked on every load');
	}

	public function test_an_older_table_is_brought_up_to_date_without_losing_rows(): void {
		global $wpdb;
		$keys = Schema::keys();
		$log  = Schema::audit_log();
		$this->createKey(array('name' => 'survives the upgrade'));
		$count   = (int) $wpdb->get_var("SELECT COUNT(*) FROM {$keys}");
		$graces  = $wpdb->get_results("SELECT id, grace_until FROM {$keys} WHERE grace_until IS NOT NULL", ARRAY_A);
		$before  = self::create_statements();
		try {
			$this->assertNotFalse($wpdb->query("ALTER TABLE {$keys} DROP COLUMN grace_until, DROP INDEX status"));
			$this->assertNotFalse($wpdb->query("ALTER TABLE {$log} DROP INDEX key_time"));
			update_option(Schema::DB_VERSION_OPTION, '0');
			Schema::maybe_upgrade();

			$columns = $wpdb->get_col("SHOW COLUMNS FROM {$keys}");
			$this->assertContains('grace_until', $columns);
			$this->assertNotSame(array(), $wpdb->get_results("SHOW INDEX FROM {$keys} WHERE Key_name = 'status'"));
			$this->assertNotSame(array(), $wpdb->get_results("SHOW INDEX FROM {$log} WHERE Key_name = 'key_time'"));
			$this->assertSame($count, (int) $wpdb->get_var("SELECT COUNT(*) FROM {$keys}"));
		} finally {
			Schema::install();
			foreach ($graces as $row) {
				$wpdb->update($keys, array('grace_until' => $row['grace_until']), array('id' => $row['id']));
			}
		}
		$this->assertSame(array_keys($before), array_keys(self::create_statements()));
		foreach ($before as $table => $statement) {
			// The re-added column goes to the end; every column and index is back.
			$lines = static fn (string $sql): array => array_map(static fn (string $line): string => rtrim(trim($line), ','), explode("\n", $sql));
			$this->assertEqualsCanonicalizing($lines($statement), $lines(self::create_statements()[ $table ]), $table);
		}
	}

	public function test_every_table_exists_after_install_the_webhook_ones_included(): void {
		global $wpdb;
		$tables = Schema::tables();
		foreach (array(Schema::webhooks(), Schema::webhook_events(), Schema::webhook_deliveries(), Schema::webhook_attempts()) as $table) {
			$this->assertContains($table, $tables);
		}
		$this->assertSame('7', Schema::DB_VERSION);
		foreach ($tables as $table) {
			$this->assertSame($table, $wpdb->get_var($wpdb->prepare('SHOW TABLES LIKE %s', $wpdb->esc_like($table))), "{$table} is missing");
		}
		$this->assertNotSame(array(), $wpdb->get_results('SHOW INDEX FROM ' . Schema::webhook_deliveries() . " WHERE Key_name = 'due'"), 'the runner finds due deliveries by index');
		$unique = $wpdb->get_col('SHOW INDEX FROM ' . Schema::webhook_events() . ' WHERE Non_unique = 0', 2);
		$this->assertEqualsCanonicalizing(array('PRIMARY', 'message_id', 'dedupe'), array_values(array_unique($unique)));
	}

	public function test_the_key_hash_is_unique(): void {
		global $wpdb;
		$k = $this->createKey(array('name' => 'unique hash'));
		$row = $this->keyRow($k['id']);
		unset($row['id']);
		$row['name'] = self::name('duplicate hash');
		$suppress    = $wpdb->suppress_errors(true);
		$inserted    = $wpdb->insert(Schema::keys(), $row);
		$wpdb->suppress_errors($suppress);
		$this->assertFalse($inserted, 'a second row with the same key hash was accepted');
		$this->assertStringContainsString('Duplicate', $wpdb->last_error);
	}
}
