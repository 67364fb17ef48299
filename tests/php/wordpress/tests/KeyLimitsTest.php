<?php
/**
 * docs/api.md "Limits": the day window and the per-operation limits of a key. Validation (each refusal
 * names its field), the merge over the environment's defaults (Key_Service::effective_limits), rotation
 * copying them, the settings that hold the defaults, and the database upgrade that adds the columns.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Admin\Limit_Fields;
use LatePointApi\Keys\Key_Limits;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Keys\Key_Validator;
use LatePointApi\Support\Schema;
use LatePointApi\Support\Settings;
use LatePointApi\Support\Validation_Error;

final class KeyLimitsTest extends TestCase {

	const WRITES = array('bookings:create', 'bookings:update', 'bookings:delete', 'customers:create', 'customers:update', 'customers:delete');

	/** The fields => messages a create with $fields is refused with. */
	private function refusal(array $fields): array {
		try {
			Key_Validator::validate(array('name' => self::name('refused'), 'permissions' => array('bookings:read')) + $fields, null);
		} catch (Validation_Error $e) {
			return $e->fields();
		}
		$this->fail('accepted: ' . wp_json_encode($fields));
	}

	public function test_the_operations_are_exactly_the_write_permissions(): void {
		$this->assertSame(self::WRITES, Key_Limits::operations());
	}

	/** @dataProvider invalid_operation_limits */
	public function test_invalid_operation_limits_are_refused_with_a_message_naming_the_field($value, string $field, string $says): void {
		$errors = $this->refusal(array('operation_limits' => $value));
		$this->assertSame(array($field), array_keys($errors), wp_json_encode($errors));
		$this->assertStringContainsString($says, $errors[ $field ]);
		if ('operation_limits' !== $field) {
			$this->assertStringStartsWith($field . ':', $errors[ $field ], 'the message names the field');
		}
	}

	public function invalid_operation_limits(): array {
		return array(
			'a string'                => array('30/minute', 'operation_limits', 'Must be an object'),
			'a number'                => array(30, 'operation_limits', 'Must be an object'),
			'true'                    => array(true, 'operation_limits', 'Must be an object'),
			'a read permission'       => array(array('bookings:read' => array('per_minute' => 5)), 'operation_limits.bookings:read', 'not an operation that can be limited'),
			'an unknown operation'    => array(array('bookings:explode' => array('per_minute' => 5)), 'operation_limits.bookings:explode', 'Known: bookings:create'),
			'a list'                  => array(array(array('per_minute' => 5)), 'operation_limits.0', 'not an operation'),
			'an entry that is a number' => array(array('bookings:create' => 30), 'operation_limits.bookings:create', 'must be an object'),
			'an entry that is a string' => array(array('bookings:create' => '30'), 'operation_limits.bookings:create', 'must be an object'),
			'an empty entry'          => array(array('bookings:create' => array()), 'operation_limits.bookings:create', 'at least one'),
			'an all-null entry'       => array(array('customers:delete' => array('per_minute' => null, 'per_hour' => null, 'per_day' => null)), 'operation_limits.customers:delete', 'at least one'),
			'an unknown window'       => array(array('bookings:create' => array('per_minute' => 5, 'per_week' => 9)), 'operation_limits.bookings:create.per_week', 'unknown field'),
			'minute 0'                => array(array('bookings:create' => array('per_minute' => 0)), 'operation_limits.bookings:create.per_minute', 'from 1 to 1000000'),
			'minute negative'         => array(array('bookings:create' => array('per_minute' => -1)), 'operation_limits.bookings:create.per_minute', 'whole number'),
			'minute over the maximum' => array(array('bookings:create' => array('per_minute' => Settings::MAX_PER_MINUTE + 1)), 'operation_limits.bookings:create.per_minute', 'from 1 to 1000000'),
			'hour over the maximum'   => array(array('bookings:update' => array('per_hour' => Settings::MAX_PER_HOUR + 1)), 'operation_limits.bookings:update.per_hour', 'from 1 to 100000000'),
			'day over the maximum'    => array(array('customers:create' => array('per_day' => Settings::MAX_PER_DAY + 1)), 'operation_limits.customers:create.per_day', 'from 1 to 1000000000'),
			'a fraction'              => array(array('bookings:create' => array('per_minute' => 1.5)), 'operation_limits.bookings:create.per_minute', 'whole number'),
			'a float that is whole'   => array(array('bookings:create' => array('per_minute' => 5.0)), 'operation_limits.bookings:create.per_minute', 'whole number'),
			'a word'                  => array(array('bookings:create' => array('per_hour' => 'many')), 'operation_limits.bookings:create.per_hour', 'whole number'),
			'a boolean'               => array(array('bookings:create' => array('per_day' => true)), 'operation_limits.bookings:create.per_day', 'whole number'),
			'an array'                => array(array('bookings:create' => array('per_day' => array(5))), 'operation_limits.bookings:create.per_day', 'whole number'),
		);
	}

	public function test_every_invalid_entry_is_named_at_once(): void {
		$errors = $this->refusal(array('operation_limits' => array(
			'bookings:read'   => array('per_minute' => 1),
			'bookings:create' => array('per_minute' => 0, 'per_day' => 'x'),
			'customers:create' => array('per_minute' => 5),
		)));
		$this->assertSame(array('operation_limits.bookings:read', 'operation_limits.bookings:create.per_minute', 'operation_limits.bookings:create.per_day'), array_keys($errors));
	}

	/** @dataProvider invalid_days */
	public function test_an_invalid_rate_limit_per_day_is_refused($value, string $says): void {
		$errors = $this->refusal(array('rate_limit_per_day' => $value));
		$this->assertSame(array('rate_limit_per_day'), array_keys($errors));
		$this->assertStringContainsString($says, $errors['rate_limit_per_day']);
	}

	public function invalid_days(): array {
		return array(
			'0'            => array(0, 'from 1 to 1000000000'),
			'over the max' => array(Settings::MAX_PER_DAY + 1, 'from 1 to 1000000000'),
			'negative'     => array(-5, 'from 1 to 1000000000'),
			'a fraction'   => array(2.5, 'whole number'),
			'a word'       => array('lots', 'whole number'),
			'an array'     => array(array(100), 'whole number'),
		);
	}

	public function test_valid_limits_are_accepted_normalised_and_stored(): void {
		$clean = Key_Validator::validate(array(
			'name'               => self::name('valid'),
			'permissions'        => array('bookings:create'),
			'rate_limit_per_day' => '250',
			'operation_limits'   => array(
				'customers:delete' => null,
				'bookings:create'  => array('per_minute' => 30, 'per_day' => '100'),
				'bookings:update'  => array('per_hour' => Settings::MAX_PER_HOUR, 'per_minute' => '', 'per_day' => Settings::MAX_PER_DAY),
			),
		), null);
		$this->assertSame(250, $clean['rate_limit_per_day']);
		// Canonical order, every window present.
		$this->assertSame(array(
			'bookings:create'  => array('per_minute' => 30, 'per_hour' => null, 'per_day' => 100),
			'bookings:update'  => array('per_minute' => null, 'per_hour' => Settings::MAX_PER_HOUR, 'per_day' => Settings::MAX_PER_DAY),
			'customers:delete' => null,
		), $clean['operation_limits']);

		$accepted = array(
			array(null, null),
			array(array(), array()),
			array(array('bookings:delete' => array('per_minute' => Settings::MAX_PER_MINUTE)), array('bookings:delete' => array('per_minute' => Settings::MAX_PER_MINUTE, 'per_hour' => null, 'per_day' => null))),
		);
		foreach ($accepted as list($value, $clean)) {
			$this->assertSame($clean, Key_Validator::validate(array('operation_limits' => $value), array('environment' => 'live'))['operation_limits']);
		}
		$this->assertNull(Key_Validator::validate(array('rate_limit_per_day' => null), array('environment' => 'live'))['rate_limit_per_day']);
		$this->assertNull(Key_Validator::validate(array('rate_limit_per_day' => ''), array('environment' => 'live'))['rate_limit_per_day']);
		$this->assertSame(Settings::MAX_PER_DAY, Key_Validator::validate(array('rate_limit_per_day' => Settings::MAX_PER_DAY), array('environment' => 'live'))['rate_limit_per_day']);

		$k   = $this->createKey(array('name' => 'stored limits', 'rate_limit_per_day' => 250, 'operation_limits' => array('customers:delete' => null, 'bookings:create' => array('per_minute' => 30))));
		$row = $this->keyRow($k['id']);
		$this->assertSame('250', $row['rate_limit_per_day']);
		$this->assertSame('{"bookings:create":{"per_minute":30,"per_hour":null,"per_day":null},"customers:delete":null}', $row['operation_limits']);
		$empty = $this->createKey(array('name' => 'empty map', 'operation_limits' => array()));
		$this->assertSame('{}', $this->keyRow($empty['id'])['operation_limits'], 'an empty map is stored as a JSON object');
		$this->assertSame(array(), $empty['record']['operation_limits']);
		$none = $this->createKey(array('name' => 'no map'));
		$this->assertNull($this->keyRow($none['id'])['operation_limits']);
		$this->assertNull($none['record']['operation_limits']);
		$this->assertNull($none['record']['rate_limit_per_day']);
	}

	public function test_an_update_changes_only_the_limits_it_names(): void {
		$k = $this->createKey(array('name' => 'update limits', 'rate_limit_per_day' => 50, 'operation_limits' => array('bookings:create' => array('per_minute' => 3))));
		$r = Key_Service::update($k['id'], array('description' => 'other'), $this->admin());
		$this->assertSame(50, $r['rate_limit_per_day']);
		$this->assertSame(array('bookings:create' => array('per_minute' => 3, 'per_hour' => null, 'per_day' => null)), $r['operation_limits']);
		$r = Key_Service::update($k['id'], array('operation_limits' => null, 'rate_limit_per_day' => null), $this->admin());
		$this->assertNull($r['operation_limits']);
		$this->assertNull($r['rate_limit_per_day']);
		try {
			Key_Service::update($k['id'], array('operation_limits' => array('orders:read' => array('per_day' => 1))), $this->admin());
			$this->fail('a read permission was accepted');
		} catch (Validation_Error $e) {
			$this->assertSame(array('operation_limits.orders:read'), array_keys($e->fields()));
		}
		$this->assertNull(Key_Service::get($k['id'])['operation_limits'], 'a refused update changes nothing');
	}

	// ------------------------------------------------------------------------------------ effective limits

	public function test_with_nothing_set_a_test_key_gets_10000_a_day_and_a_live_key_no_daily_limit(): void {
		delete_option(Settings::OPTION);
		$expect = array(
			'live' => array('per_minute' => 60, 'per_hour' => 3600, 'per_day' => null, 'operations' => array()),
			'test' => array('per_minute' => 100, 'per_hour' => 1000, 'per_day' => 10000, 'operations' => array()),
		);
		foreach ($expect as $environment => $limits) {
			$k = $this->createKey(array('name' => "defaults {$environment}", 'environment' => $environment));
			$this->assertSame($limits, $k['record']['limits'], $environment);
			$this->assertSame($limits, Key_Service::effective_limits(array('environment' => $environment)), 'a record without the new fields');
			$this->assertSame(array('per_minute', 'per_hour', 'per_day', 'operations'), array_keys($k['record']['limits']));
		}
	}

	public function test_operation_limits_merge_over_the_defaults_per_operation(): void {
		$this->updateSettings(array(
			'live_per_day'          => 5000,
			'live_operation_limits' => array(
				'customers:delete' => array('per_day' => 10),
				'bookings:create'  => array('per_minute' => 30, 'per_day' => 100),
				'bookings:update'  => array('per_hour' => 200),
			),
			'test_per_day'          => 0,
			'test_operation_limits' => array('bookings:delete' => array('per_minute' => 2)),
		));
		$live = array(
			'bookings:create'  => array('per_minute' => 30, 'per_hour' => null, 'per_day' => 100),
			'bookings:update'  => array('per_minute' => null, 'per_hour' => 200, 'per_day' => null),
			'customers:delete' => array('per_minute' => null, 'per_hour' => null, 'per_day' => 10),
		);
		$record = static fn (array $own): array => $own + array('environment' => 'live', 'rate_limit_per_minute' => null, 'rate_limit_per_hour' => null, 'rate_limit_per_day' => null, 'operation_limits' => null);

		// null: the defaults, in Permissions::ALL order.
		$defaults = Key_Service::effective_limits($record(array()));
		$this->assertSame(array('per_minute' => 60, 'per_hour' => 3600, 'per_day' => 5000, 'operations' => $live), $defaults);
		$this->assertSame(array_keys($live), array_keys($defaults['operations']));
		$this->assertSame($live, Key_Service::effective_limits($record(array('operation_limits' => array())))['operations'], 'an empty map keeps every default');

		// A key's entry replaces the default's entry (not window by window); null lifts a default; new ones add.
		$merged = Key_Service::effective_limits($record(array(
			'rate_limit_per_minute' => 7,
			'rate_limit_per_day'    => 99,
			'operation_limits'      => array(
				'bookings:create'  => array('per_minute' => 5, 'per_hour' => null, 'per_day' => null),
				'customers:delete' => null,
				'customers:create' => array('per_minute' => null, 'per_hour' => null, 'per_day' => 3),
			),
		)));
		$this->assertSame(array(
			'per_minute' => 7,
			'per_hour'   => 3600,
			'per_day'    => 99,
			'operations' => array(
				'bookings:create'  => array('per_minute' => 5, 'per_hour' => null, 'per_day' => null),
				'bookings:update'  => $live['bookings:update'],
				'customers:create' => array('per_minute' => null, 'per_hour' => null, 'per_day' => 3),
			),
		), $merged);

		// Lifting every default leaves nothing limited; lifting what has no default changes nothing.
		$this->assertSame(array(), Key_Service::effective_limits($record(array('operation_limits' => array_fill_keys(self::WRITES, null))))['operations']);
		// The test environment has its own defaults, and 0 there means no daily limit.
		$this->assertSame(
			array('per_minute' => 100, 'per_hour' => 1000, 'per_day' => null, 'operations' => array('bookings:delete' => array('per_minute' => 2, 'per_hour' => null, 'per_day' => null))),
			Key_Service::effective_limits($record(array('environment' => 'test')))
		);

		// The same through stored keys.
		$k = $this->createKey(array('name' => 'merged', 'operation_limits' => array('customers:delete' => null, 'bookings:create' => array('per_day' => 1))));
		$this->assertSame(array('bookings:create' => array('per_minute' => null, 'per_hour' => null, 'per_day' => 1), 'bookings:update' => $live['bookings:update']), $k['record']['limits']['operations']);
		$this->assertSame(array('bookings:create' => array('per_minute' => null, 'per_hour' => null, 'per_day' => 1), 'customers:delete' => null), $k['record']['operation_limits'], 'present() shows the key\'s own value');
	}

	public function test_the_authentication_record_carries_the_limits_as_plain_arrays(): void {
		$k = $this->createKey(array('name' => 'auth record', 'rate_limit_per_day' => 77, 'operation_limits' => array('bookings:delete' => array('per_hour' => 4), 'customers:update' => null)));
		foreach (array('first read', 'from the cache') as $when) {
			$record = Key_Service::find_for_auth(hash('sha256', $k['key']));
			$this->assertSame(77, $record['rate_limit_per_day'], $when);
			$this->assertSame(array('bookings:delete' => array('per_minute' => null, 'per_hour' => 4, 'per_day' => null), 'customers:update' => null), $record['operation_limits'], $when);
			$this->assertSame(array('bookings:delete' => array('per_minute' => null, 'per_hour' => 4, 'per_day' => null)), Key_Service::effective_limits($record)['operations'], $when);
		}
	}

	public function test_rotation_copies_the_day_limit_and_the_operation_limits(): void {
		$own = array('bookings:create' => array('per_minute' => 30, 'per_hour' => null, 'per_day' => 100), 'customers:delete' => null);
		$old = $this->createKey(array('name' => 'rotate limits', 'rate_limit_per_day' => 1234, 'operation_limits' => $own));
		$new = Key_Service::rotate($old['id'], 0, $this->admin())['record'];
		$this->assertSame(1234, $new['rate_limit_per_day']);
		$this->assertSame($own, $new['operation_limits']);
		$this->assertSame($old['record']['limits'], $new['limits']);
		$this->assertSame($this->keyRow($old['id'])['operation_limits'], $this->keyRow($new['id'])['operation_limits']);

		$plain = $this->createKey(array('name' => 'rotate no limits', 'operation_limits' => array()));
		$again = Key_Service::rotate($plain['id'], 0, $this->admin())['record'];
		$this->assertNull($again['rate_limit_per_day']);
		$this->assertSame(array(), $again['operation_limits'], 'an empty map stays an empty map, not null');
	}

	// ------------------------------------------------------------------------------------ settings

	public function test_the_day_and_operation_settings_are_validated_and_stored(): void {
		$clean = $this->updateSettings(array(
			'live_per_day'          => '0',
			'test_per_day'          => Settings::MAX_PER_DAY,
			'live_operation_limits' => array('customers:update' => array('per_minute' => '9', 'per_hour' => '', 'per_day' => ''), 'bookings:create' => null),
			'test_operation_limits' => array(),
		));
		$this->assertSame(0, $clean['live_per_day']);
		$this->assertSame(Settings::MAX_PER_DAY, $clean['test_per_day']);
		$this->assertSame(array('customers:update' => array('per_minute' => 9, 'per_hour' => null, 'per_day' => null)), $clean['live_operation_limits'], 'a null entry limits nothing and is dropped');
		$this->assertSame(array(), $clean['test_operation_limits']);
		$this->assertSame($clean, get_option(Settings::OPTION));
		$this->assertNull(Settings::environment_limits('live')['per_day']);
		$this->assertSame(Settings::MAX_PER_DAY, Settings::environment_limits('test')['per_day']);
	}

	/** @dataProvider invalid_settings */
	public function test_invalid_day_and_operation_settings_are_refused_and_nothing_is_stored(array $input, string $field): void {
		$before = Settings::all();
		try {
			$this->updateSettings($input + array('key_cap' => 77));
			$this->fail('accepted: ' . wp_json_encode($input));
		} catch (Validation_Error $e) {
			$this->assertSame(array($field), array_keys($e->fields()));
			$this->assertNotSame('', $e->fields()[ $field ]);
		}
		$this->assertSame($before, Settings::all());
	}

	public function invalid_settings(): array {
		return array(
			'live day negative'       => array(array('live_per_day' => -1), 'live_per_day'),
			'test day over the max'   => array(array('test_per_day' => Settings::MAX_PER_DAY + 1), 'test_per_day'),
			'test day a word'         => array(array('test_per_day' => 'none'), 'test_per_day'),
			'live day empty'          => array(array('live_per_day' => ''), 'live_per_day'),
			'operations a string'     => array(array('live_operation_limits' => 'bookings:create=5'), 'live_operation_limits'),
			'a read operation'        => array(array('test_operation_limits' => array('orders:read' => array('per_day' => 5))), 'test_operation_limits.orders:read'),
			'a zero window'           => array(array('live_operation_limits' => array('bookings:create' => array('per_minute' => '0'))), 'live_operation_limits.bookings:create.per_minute'),
			'an empty entry'          => array(array('test_operation_limits' => array('bookings:create' => array('per_minute' => ''))), 'test_operation_limits.bookings:create'),
			'a day over the max'      => array(array('live_operation_limits' => array('customers:delete' => array('per_day' => Settings::MAX_PER_DAY + 1))), 'live_operation_limits.customers:delete.per_day'),
		);
	}

	public function test_the_admin_tables_keep_only_filled_rows_of_known_operations(): void {
		$this->assertSame(
			array('bookings:create' => array('per_minute' => '30', 'per_hour' => '', 'per_day' => '100'), 'customers:delete' => array('per_minute' => '', 'per_hour' => '', 'per_day' => 'x')),
			Limit_Fields::read(array(
				'bookings:read'    => array('per_minute' => '5'),
				'bookings:create'  => array('per_minute' => ' 30 ', 'per_hour' => '', 'per_day' => '100', 'per_week' => '1'),
				'bookings:update'  => array('per_minute' => '', 'per_hour' => '', 'per_day' => ''),
				'customers:delete' => array('per_day' => 'x'),
				'customers:create' => 'junk',
			))
		);
		$this->assertSame(array(), Limit_Fields::read('junk'));
		$this->assertSame('30/min, 100/day', Limit_Fields::describe(array('per_minute' => 30, 'per_hour' => null, 'per_day' => 100)));
		$this->assertSame('no limit', Limit_Fields::describe(null));
	}

	// ------------------------------------------------------------------------------------ upgrade

	public function test_upgrading_from_db_version_3_adds_the_columns_and_keeps_the_keys(): void {
		global $wpdb;
		$keys = Schema::keys();
		$this->assertSame('7', Schema::DB_VERSION);
		$k     = $this->createKey(array('name' => 'before the upgrade', 'environment' => 'test', 'rate_limit_per_minute' => 9));
		$before = preg_replace('/ AUTO_INCREMENT=\d+/', '', (string) $wpdb->get_row("SHOW CREATE TABLE {$keys}", ARRAY_N)[1]);
		$saved = $wpdb->get_results("SELECT id, rate_limit_per_day, operation_limits FROM {$keys} WHERE rate_limit_per_day IS NOT NULL OR operation_limits IS NOT NULL", ARRAY_A);
		try {
			// A version-3 keys table: neither column.
			$this->assertNotFalse($wpdb->query("ALTER TABLE {$keys} DROP COLUMN rate_limit_per_day, DROP COLUMN operation_limits"));
			$this->assertNotContains('operation_limits', $wpdb->get_col("SHOW COLUMNS FROM {$keys}"));
			update_option(Schema::DB_VERSION_OPTION, '3');
			Schema::maybe_upgrade();

			$this->assertSame('7', get_option(Schema::DB_VERSION_OPTION));
			$columns = array_column($wpdb->get_results("SHOW COLUMNS FROM {$keys}", ARRAY_A), null, 'Field');
			$this->assertSame('int(10) unsigned', $columns['rate_limit_per_day']['Type']);
			$this->assertSame('YES', $columns['rate_limit_per_day']['Null']);
			$this->assertSame('text', $columns['operation_limits']['Type']);
			$this->assertSame('YES', $columns['operation_limits']['Null']);
			$record = Key_Service::get($k['id']);
			$this->assertNull($record['rate_limit_per_day']);
			$this->assertNull($record['operation_limits']);
			$this->assertSame(array('per_minute' => 9, 'per_hour' => 1000, 'per_day' => (int) Settings::get('test_per_day') ?: null, 'operations' => Settings::environment_limits('test')['operations']), $record['limits']);
			$updated = Key_Service::update($k['id'], array('rate_limit_per_day' => 12, 'operation_limits' => array('bookings:create' => array('per_hour' => 1))), $this->admin());
			$this->assertSame(12, $updated['rate_limit_per_day']);
		} finally {
			Schema::install();
			// dbDelta added them last; put them back where a fresh install has them (other tests copy rows with SELECT *).
			$wpdb->query("ALTER TABLE {$keys} MODIFY COLUMN rate_limit_per_day int(10) unsigned NULL AFTER rate_limit_per_hour, MODIFY COLUMN operation_limits text NULL AFTER rate_limit_per_day");
			foreach ($saved as $row) {
				$wpdb->update($keys, array('rate_limit_per_day' => $row['rate_limit_per_day'], 'operation_limits' => $row['operation_limits']), array('id' => $row['id']));
			}
		}
		$this->assertSame(12, Key_Service::get($k['id'])['rate_limit_per_day'], 'the value written after the upgrade stays');
		$this->assertSame($before, preg_replace('/ AUTO_INCREMENT=\d+/', '', (string) $wpdb->get_row("SHOW CREATE TABLE {$keys}", ARRAY_N)[1]), 'the table is as a fresh install makes it');
	}
}
