<?php
/**
 * Against real LatePoint: customer custom fields are written through its customer model as its meta
 * rows; prices are formatted by its OsMoneyHelper as the API documents; GET /agents/availability names
 * exactly the agents LatePoint's engine offers at that start.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class CustomersCatalogTest extends TestCase {

	const FIELDS = array(
		'cf_company' => array('id' => 'cf_company', 'label' => 'Company', 'type' => 'text', 'required' => 'off'),
		'cf_plan'    => array('id' => 'cf_plan', 'label' => 'Plan', 'type' => 'select', 'options' => "Basic\nPro", 'required' => 'off'),
	);

	private static function api(string $method, string $path, ?array $json = null, array $query = array(), bool $record = false): array {
		return Stack::run(array('command' => 'api', 'key' => Stack::$key, 'method' => $method, 'path' => $path, 'json' => $json, 'query' => $query, 'record' => $record));
	}

	public function testCustomFieldsAreCustomerMetaWrittenByLatePointsModel(): void {
		Stack::run(array('command' => 'reset', 'settings' => array('custom_fields_for_customer' => json_encode(self::FIELDS))));
		$id   = self::id('customers', 'cee');
		$done = self::api('PATCH', "/customers/{$id}", array('custom_fields' => array('cf_company' => 'Acme', 'cf_plan' => 'Pro')), array(), true);
		$this->assertSame(200, $done['answer']['status'], json_encode($done['answer']['body']));
		$this->assertSame(array('cf_company' => 'Acme', 'cf_plan' => 'Pro'), $done['answer']['body']['data']['custom_fields']);
		$rows = array_values(array_filter($done['state']['latepoint_customer_meta'], static fn (array $r): bool => (int) $r['object_id'] === $id && str_starts_with($r['meta_key'], 'cf_')));
		$this->assertSame(array('cf_company' => 'Acme', 'cf_plan' => 'Pro'), array_column($rows, 'meta_value', 'meta_key'));
		foreach ($rows as $row) {
			// LatePoint's model stamps its meta rows.
			$this->assertNotEmpty($row['created_at']);
			$this->assertNotEmpty($row['updated_at']);
		}

		// A change updates LatePoint's row in place; null deletes it; an unknown field writes nothing.
		$again = self::api('PATCH', "/customers/{$id}", array('custom_fields' => array('cf_company' => 'Acme Two', 'cf_plan' => null)), array(), true);
		$this->assertSame(200, $again['answer']['status'], json_encode($again['answer']['body']));
		$after = array_values(array_filter($again['state']['latepoint_customer_meta'], static fn (array $r): bool => (int) $r['object_id'] === $id && str_starts_with($r['meta_key'], 'cf_')));
		$this->assertCount(1, $after);
		$this->assertSame(array($rows[0]['id'], 'cf_company', 'Acme Two'), array($after[0]['id'], $after[0]['meta_key'], $after[0]['meta_value']));
		$bad = self::api('PATCH', "/customers/{$id}", array('custom_fields' => array('cf_unknown' => 'x')), array(), true);
		$this->assertSame(422, $bad['answer']['status']);
		$this->assertSame(array('custom_fields.cf_unknown'), array_keys($bad['answer']['body']['error']['details']['fields']));
		$this->assertSame($bad['state_before'], $bad['state']);

		// A customer created with fields: the meta belongs to the new customer.
		$made = self::api('POST', '/customers', array('first_name' => 'Fay', 'last_name' => 'Fields', 'email' => 'fay.fields@example.com', 'custom_fields' => array('cf_plan' => 'Basic')), array(), true);
		$this->assertSame(201, $made['answer']['status'], json_encode($made['answer']['body']));
		$new = (int) $made['answer']['body']['data']['id'];
		$meta = array_values(array_filter($made['state']['latepoint_customer_meta'], static fn (array $r): bool => (int) $r['object_id'] === $new));
		$this->assertSame(array('cf_plan' => 'Basic'), array_column($meta, 'meta_value', 'meta_key'));
	}

	/** @return array<string, array{0: array<string, string>, 1: string}> settings => how 60.0000 shows */
	public function priceSettings(): array {
		return array(
			'defaults'                    => array(array(), '$60'),
			'euro, comma decimals'        => array(array('currency_symbol_before' => '€ ', 'decimal_separator' => ',', 'thousand_separator' => '.'), '€ 60'),
			'symbol after, three places'  => array(array('currency_symbol_before' => '', 'currency_symbol_after' => ' kr', 'number_of_decimals' => '3'), '60 kr'),
			'no decimals'                 => array(array('number_of_decimals' => '0'), '$60'),
		);
	}

	/**
	 * LatePoint's own formatting gives what the API documents (and computes without LatePoint).
	 *
	 * @dataProvider priceSettings
	 */
	public function testPricesAreFormattedAsLatePointShowsThem(array $settings, string $expected): void {
		Stack::run(array('command' => 'reset', 'settings' => $settings));
		$res = self::api('GET', '/services/' . self::id('services', 'single'));
		$this->assertSame(200, $res['answer']['status'], json_encode($res['answer']['body']));
		$prices = $res['answer']['body']['data']['prices_formatted'];
		$this->assertSame($expected, $prices['price_min']);
		$this->assertSame($expected, $prices['display']);
		$this->assertFalse($prices['is_starting_price']);
	}

	/** @return array<string, array{0: int, 1: string}> */
	public function starts(): array {
		return array(
			'Monday 09:00'    => array(0, '09:00'),
			'Monday 13:00'    => array(0, '13:00'),
			'Tuesday 10:30'   => array(1, '10:30'),
			'Wednesday 11:00' => array(2, '11:00'),
			'holiday 10:00'   => array(3, '10:00'),
			'Friday 13:30'    => array(4, '13:30'),
		);
	}

	/**
	 * The agents GET /agents/availability names are those LatePoint's engine offers at that start.
	 *
	 * @dataProvider starts
	 */
	public function testFreeAgentsMatchLatePointsEngine(int $day, string $time): void {
		Stack::run(array('command' => 'reset'));
		$booking = self::booking('ann', 'single', 'main', self::day(0), '13:00');
		$done    = Stack::run(array('command' => 'admin', 'action' => 'create_booking', 'args' => $booking));
		$this->assertSame('success', $done['answer']['status'] ?? null, json_encode($done['answer']));
		$service   = self::id('services', 'single');
		$date      = self::day($day);
		$latepoint = Stack::run(array('command' => 'slots', 'query' => array('service_id' => $service, 'date_from' => $date, 'date_to' => $date)));
		$expected  = array();
		foreach ($latepoint['per_resource'] as $slot) {
			if ($slot['start_time'] === $time) {
				$expected[] = sprintf('agent %d location %d: %d left', $slot['agent_id'], $slot['location_id'], $slot['capacity_left']);
			}
		}
		$res = self::api('GET', '/agents/availability', null, array('service_id' => $service, 'date' => $date, 'time' => $time));
		$this->assertSame(200, $res['answer']['status'], json_encode($res['answer']['body']));
		$actual = array_map(static fn (array $f): string => sprintf('agent %d location %d: %d left', $f['agent_id'], $f['location_id'], $f['capacity_left']), $res['answer']['body']['data']);
		sort($expected);
		sort($actual);
		$this->assertSame($expected, $actual, "{$date} {$time}");
	}
}
