<?php
/**
 * docs/api.md: rate_limit_per_day and operation_limits over the key REST API (create, PATCH, GET, list,
 * rotate) and in /me, with an empty map always a JSON object (`{}`), never `[]`.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Support\Settings;

final class KeyLimitsRestTest extends TestCase {

	private function admin_api(string $method, string $path, array $o = array()): Response {
		return $this->api($method, $path, $o + array('user' => $this->admin()));
	}

	/** The JSON of the response's data, decoded to objects (so {} and [] differ). */
	private static function raw(Response $r): \stdClass {
		return json_decode($r->json)->data;
	}

	public function test_create_patch_and_get_round_trip_the_limits(): void {
		$this->updateSettings(array('test_per_day' => 10000, 'test_operation_limits' => array('customers:create' => array('per_hour' => 50))));
		$r    = $this->admin_api('POST', '/keys', array('json' => array(
			'name'               => self::name('rest limits'),
			'environment'        => 'test',
			'permissions'        => array('bookings:create', 'customers:create'),
			'rate_limit_per_day' => 2000,
			'operation_limits'   => array('bookings:create' => array('per_minute' => 30, 'per_day' => 100), 'customers:create' => null),
		)));
		$data = $this->assertSuccess($r, 201);
		$this->assertSame(2000, $data['rate_limit_per_day']);
		$this->assertSame(array('bookings:create' => array('per_minute' => 30, 'per_hour' => null, 'per_day' => 100), 'customers:create' => null), $data['operation_limits']);
		$this->assertSame(array(
			'per_minute' => 100,
			'per_hour'   => 1000,
			'per_day'    => 2000,
			'operations' => array('bookings:create' => array('per_minute' => 30, 'per_hour' => null, 'per_day' => 100)),
		), $data['limits'], 'customers:create\'s default is lifted by the key');
		$id = $data['id'];

		$get = $this->assertSuccess($this->admin_api('GET', "/keys/{$id}"));
		$this->assertSame($data['operation_limits'], $get['operation_limits']);
		$this->assertSame($data['limits'], $get['limits']);

		// PATCH to an empty map: the defaults again, and {} in JSON both for the key's own value and the effective ones.
		$this->updateSettings(array('test_operation_limits' => array()));
		$p = $this->admin_api('PATCH', "/keys/{$id}", array('json' => array('operation_limits' => new \stdClass(), 'rate_limit_per_day' => null)));
		$patched = $this->assertSuccess($p);
		$this->assertNull($patched['rate_limit_per_day']);
		$this->assertSame(10000, $patched['limits']['per_day']);
		$this->assertStringContainsString('"operation_limits":{}', $p->json);
		$this->assertStringContainsString('"operations":{}', $p->json);
		$this->assertInstanceOf(\stdClass::class, self::raw($p)->operation_limits);
		$this->assertInstanceOf(\stdClass::class, self::raw($p)->limits->operations);

		$g = $this->admin_api('GET', "/keys/{$id}");
		$this->assertInstanceOf(\stdClass::class, self::raw($g)->operation_limits);
		$this->assertSame(array(), (array) self::raw($g)->operation_limits);
		$list = $this->admin_api('GET', '/keys', array('query' => array('search' => $data['name'])));
		$this->assertSuccess($list);
		$items = json_decode($list->json)->data;
		$this->assertCount(1, $items);
		$this->assertInstanceOf(\stdClass::class, $items[0]->operation_limits);
		$this->assertInstanceOf(\stdClass::class, $items[0]->limits->operations);

		// PATCH back to null: the environment's defaults, shown as null.
		$n = $this->admin_api('PATCH', "/keys/{$id}", array('json' => array('operation_limits' => null)));
		$this->assertNull($this->assertSuccess($n)['operation_limits']);
		$this->assertStringContainsString('"operation_limits":null', $n->json);

		// Rotation answers the copy, and previous in meta, in the same shape.
		$this->admin_api('PATCH', "/keys/{$id}", array('json' => array('operation_limits' => array())));
		$rot = $this->admin_api('POST', "/keys/{$id}/rotate", array('json' => array('grace_seconds' => 0)));
		$this->assertSuccess($rot, 201);
		$this->assertInstanceOf(\stdClass::class, self::raw($rot)->operation_limits);
		$this->assertInstanceOf(\stdClass::class, json_decode($rot->json)->meta->previous->operation_limits);
	}

	public function test_a_key_without_its_own_operation_limits_shows_null_and_the_defaults(): void {
		$this->updateSettings(array('live_per_day' => 0, 'live_operation_limits' => array('bookings:delete' => array('per_day' => 5))));
		$r    = $this->admin_api('POST', '/keys', array('json' => array('name' => self::name('rest plain'), 'permissions' => array('bookings:read'))));
		$data = $this->assertSuccess($r, 201);
		$this->assertNull($data['rate_limit_per_day']);
		$this->assertNull($data['operation_limits']);
		$this->assertSame(array('per_minute' => 60, 'per_hour' => 3600, 'per_day' => null, 'operations' => array('bookings:delete' => array('per_minute' => null, 'per_hour' => null, 'per_day' => 5))), $data['limits']);
		$this->assertStringContainsString('"per_day":null', $r->json);
	}

	public function test_invalid_limits_are_a_422_naming_the_field(): void {
		$cases = array(
			array(array('operation_limits' => array('bookings:read' => array('per_minute' => 1))), 'operation_limits.bookings:read'),
			array(array('operation_limits' => array('bookings:create' => array('per_hour' => 0))), 'operation_limits.bookings:create.per_hour'),
			array(array('operation_limits' => array('customers:update' => array('per_day' => '1e3'))), 'operation_limits.customers:update.per_day'),
			array(array('operation_limits' => array('customers:update' => array())), 'operation_limits.customers:update'),
		);
		$k = $this->createKey(array('name' => 'rest invalid'));
		foreach ($cases as list($body, $field)) {
			foreach (array(array('POST', '/keys', $body + array('name' => self::name('rest refused'), 'permissions' => array('bookings:read'))), array('PATCH', "/keys/{$k['id']}", $body)) as list($method, $path, $json)) {
				$r = $this->admin_api($method, $path, array('json' => $json));
				$this->assertError($r, 422, 'validation_failed', "{$method} {$field}");
				$this->assertSame(array($field), array_keys($r->data['error']['details']['fields']), $r->describe());
				$this->assertStringStartsWith($field . ':', $r->data['error']['details']['fields'][ $field ]);
			}
		}
		$this->assertNull($this->keyRow($k['id'])['operation_limits'], 'no refused PATCH stored anything');
		// Wrong JSON types and ranges are refused by the route's argument schema, as a 422 naming the field too.
		foreach (array(array('rate_limit_per_day' => 0), array('rate_limit_per_day' => Settings::MAX_PER_DAY + 1), array('rate_limit_per_day' => 'ten'), array('operation_limits' => 'none'), array('operation_limits' => 5)) as $body) {
			$r = $this->admin_api('PATCH', "/keys/{$k['id']}", array('json' => $body));
			$this->assertError($r, 422, 'validation_failed', wp_json_encode($body));
			$this->assertSame(array_keys($body), array_keys($r->data['error']['details']['fields']), $r->describe());
		}
		$this->assertNull($this->keyRow($k['id'])['rate_limit_per_day']);
	}

	public function test_me_shows_the_day_and_operation_limits(): void {
		$this->updateSettings(array('test_per_day' => 10000, 'test_operation_limits' => array()));
		$plain = $this->createKey(array('name' => 'me plain', 'environment' => 'test'));
		$me    = $this->api('GET', '/me', array('key' => $plain['key']));
		$data  = $this->assertSuccess($me);
		$this->assertSame(array('per_minute' => 100, 'per_hour' => 1000, 'per_day' => 10000, 'operations' => array()), $data['limits']);
		$this->assertInstanceOf(\stdClass::class, self::raw($me)->limits->operations, 'no operation limits: {} not []');

		$own = $this->createKey(array('name' => 'me own', 'rate_limit_per_day' => 40, 'operation_limits' => array('customers:create' => array('per_minute' => 2))));
		foreach (array('first', 'cached') as $when) {
			$data = $this->assertSuccess($this->api('GET', '/me', array('key' => $own['key'])));
			$this->assertSame(40, $data['limits']['per_day'], $when);
			$this->assertSame(array('customers:create' => array('per_minute' => 2, 'per_hour' => null, 'per_day' => null)), $data['limits']['operations'], $when);
		}
	}
}
