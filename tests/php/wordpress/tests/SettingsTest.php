<?php
/**
 * Settings: defaults, validation of every field, and that a refused update changes nothing.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Support\Settings;
use LatePointApi\Support\Validation_Error;

final class SettingsTest extends TestCase {

	public function test_defaults_apply_when_nothing_is_stored(): void {
		delete_option(Settings::OPTION);
		$this->assertSame(array(
			'live_per_minute'       => 60,
			'live_per_hour'         => 3600,
			'live_per_day'          => 0,
			'test_per_minute'       => 100,
			'test_per_hour'         => 1000,
			'test_per_day'          => 10000,
			'live_operation_limits' => array(),
			'test_operation_limits' => array(),
			'retention_days'        => 90,
			'key_cap'               => 50,
			'trusted_proxies'       => array(),
			'environment_type'      => '',
			'lean_lane'             => true,
		), Settings::all());
		$this->assertSame(array(60, 3600), Settings::default_limits('live'));
		$this->assertSame(array(100, 1000), Settings::default_limits('test'));
		$this->assertSame(array('per_minute' => 60, 'per_hour' => 3600, 'per_day' => null, 'operations' => array()), Settings::environment_limits('live'));
		$this->assertSame(array('per_minute' => 100, 'per_hour' => 1000, 'per_day' => 10000, 'operations' => array()), Settings::environment_limits('test'));
		$this->assertNull(Settings::get('nonexistent'));
	}

	public function test_the_lean_lane_setting_is_a_boolean(): void {
		foreach (array(array('0', false), array('1', true), array(false, false), array('on', true), array('off', false), array('', false)) as list($input, $stored)) {
			$this->assertSame($stored, $this->updateSettings(array('lean_lane' => $input))['lean_lane'], var_export($input, true));
			$this->assertSame($stored, Settings::get('lean_lane'));
		}
	}

	public function test_a_valid_update_changes_only_the_given_fields_and_stores_integers(): void {
		$before = Settings::all();
		$clean  = $this->updateSettings(array('key_cap' => '75', 'retention_days' => 30, 'trusted_proxies' => "10.0.0.0/8\n2001:DB8::1, 192.0.2.1"));
		$this->assertSame(75, $clean['key_cap']);
		$this->assertSame(30, $clean['retention_days']);
		$this->assertSame(array('10.0.0.0/8', '2001:db8::1', '192.0.2.1'), $clean['trusted_proxies']);
		$this->assertSame($before['live_per_minute'], $clean['live_per_minute']);
		$this->assertSame($clean, Settings::all());
		$this->assertSame($clean, get_option(Settings::OPTION));
		$this->assertSame(array(), $this->updateSettings(array('trusted_proxies' => ''))['trusted_proxies']);
	}

	/** @dataProvider invalid_values */
	public function test_invalid_values_are_refused_with_a_message_per_field_and_nothing_is_stored(string $field, $value): void {
		$before = Settings::all();
		try {
			// With a valid field beside the invalid one.
			$this->updateSettings(array($field => $value) + ('key_cap' === $field ? array('retention_days' => 7) : array('key_cap' => 77)));
			$this->fail("{$field} = " . var_export($value, true) . ' accepted');
		} catch (Validation_Error $e) {
			$this->assertSame(array($field), array_keys($e->fields()));
			$this->assertNotSame('', $e->fields()[ $field ]);
		}
		$this->assertSame($before, Settings::all(), 'a refused update stores nothing, not even its valid fields');
	}

	public function invalid_values(): array {
		return array(
			'cap 0'                 => array('key_cap', 0),
			'cap over 10000'        => array('key_cap', 10001),
			'cap negative'          => array('key_cap', '-1'),
			'cap not a number'      => array('key_cap', 'many'),
			'cap fraction'          => array('key_cap', '5.5'),
			'cap empty'             => array('key_cap', ''),
			'retention 0'           => array('retention_days', 0),
			'retention over 10 y'   => array('retention_days', 3651),
			'live minute 0'         => array('live_per_minute', 0),
			'live hour huge'        => array('live_per_hour', 100000001),
			'test minute array'     => array('test_per_minute', array(5)),
			'test hour null'        => array('test_per_hour', null),
			'proxy not an ip'       => array('trusted_proxies', 'proxy.example.com'),
			'proxy bad cidr'        => array('trusted_proxies', array('10.0.0.0/8', '10.0.0.0/40')),
		);
	}

	public function test_the_trusted_proxies_message_names_the_bad_entries(): void {
		try {
			$this->updateSettings(array('trusted_proxies' => '10.0.0.1, nope, 300.1.1.1'));
			$this->fail('accepted');
		} catch (Validation_Error $e) {
			$this->assertStringContainsString('nope', $e->fields()['trusted_proxies']);
			$this->assertStringContainsString('300.1.1.1', $e->fields()['trusted_proxies']);
			$this->assertStringNotContainsString('10.0.0.1', $e->fields()['trusted_proxies']);
		}
	}

	public function test_boundaries_are_accepted(): void {
		$clean = $this->updateSettings(array('key_cap' => 1, 'retention_days' => 3650, 'live_per_minute' => 1, 'live_per_hour' => 100000000, 'test_per_minute' => 1000000, 'test_per_hour' => 1));
		$this->assertSame(array(1, 3650, 1, 100000000, 1000000, 1), array($clean['key_cap'], $clean['retention_days'], $clean['live_per_minute'], $clean['live_per_hour'], $clean['test_per_minute'], $clean['test_per_hour']));
		$this->assertSame(array(1, 100000000), Settings::default_limits('live'));
	}
}
