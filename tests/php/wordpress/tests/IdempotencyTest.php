<?php
/**
 * docs/api.md "Idempotency-Key" in-process: a repeat of a resource POST with the same key and body gets
 * the first response again (Idempotent-Replayed: true), another body 422, a malformed header 400; no
 * header changes nothing; key management ignores the header; refusals before the handler (401, 403,
 * 429) are not kept; a claim with no response is taken over after 60 s; the daily maintenance deletes
 * rows older than 24 h.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Idempotency\Idempotency;
use LatePointApi\Keys\Key_Format;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Plugin;
use LatePointApi\Support\Core;
use LatePointApi\Support\Schema;

final class IdempotencyTest extends LatePointTestCase {

	private static function idem(): string {
		return 'idem-' . bin2hex(random_bytes(8));
	}

	private function customer(string $label): array {
		return array('first_name' => 'Idem', 'last_name' => $label, 'email' => $label . '.' . bin2hex(random_bytes(3)) . '.' . self::$run . '@example.com');
	}

	private function post(string $key, array $json, ?string $idem, string $path = '/customers'): Response {
		$o = array('key' => $key, 'json' => $json);
		if (null !== $idem) {
			$o['headers'] = array('Idempotency-Key' => $idem);
		}
		return $this->api('POST', $path, $o);
	}

	/** The table's rows of one Idempotency-Key. */
	private function rows(string $idem): array {
		global $wpdb;
		return $wpdb->get_results($wpdb->prepare('SELECT * FROM ' . Schema::idempotency() . ' WHERE key_hash = %s', hash('sha256', $idem)), ARRAY_A);
	}

	private function countRows(): int {
		global $wpdb;
		return (int) $wpdb->get_var('SELECT COUNT(*) FROM ' . Schema::idempotency());
	}

	private function customersWithEmail(string $email): int {
		global $wpdb;
		return (int) $wpdb->get_var($wpdb->prepare('SELECT COUNT(*) FROM ' . self::t('customers') . ' WHERE email = %s', $email));
	}

	public function test_a_repeat_gets_the_same_response_with_idempotent_replayed(): void {
		$k    = $this->createKey(array('name' => 'idem replay'));
		$idem = self::idem();
		$body = $this->customer('replay');

		$first = $this->post($k['key'], $body, $idem);
		$data  = $this->assertSuccess($first, 201);
		$this->assertNull($first->header('Idempotent-Replayed'), 'the first response is not a replay');

		$again = $this->post($k['key'], $body, $idem);
		$this->assertSame(201, $again->status, $again->describe());
		$this->assertSame('true', $again->header('Idempotent-Replayed'));
		$this->assertSame($first->json, $again->json, 'the same body, byte for byte');
		$this->assertNotSame($first->requestId(), $again->requestId(), 'a fresh X-Request-Id');
		$this->assertMatchesRegularExpression(self::REQUEST_ID, (string) $again->requestId());
		$this->assertNotNull($again->header('X-RateLimit-Remaining'), 'a replay carries this request\'s rate-limit headers');
		$this->assertSame((int) $first->header('X-RateLimit-Remaining') - 1, (int) $again->header('X-RateLimit-Remaining'), 'a replay counts against the rate limit');
		$this->assertSame(1, $this->customersWithEmail($body['email']), 'one customer, not two');
		$this->assertSame($data['id'], $again->data['data']['id']);

		$rows = $this->rows($idem);
		$this->assertCount(1, $rows);
		$this->assertSame('201', $rows[0]['response_status']);
		$this->assertSame((string) ($k['record']['counter_id'] ?? $k['id']), $rows[0]['scope_id']);
	}

	public function test_another_body_method_or_route_with_the_same_key_gets_422(): void {
		$k    = $this->createKey(array('name' => 'idem reuse'));
		$idem = self::idem();
		$body = $this->customer('reuse');
		$this->assertSuccess($this->post($k['key'], $body, $idem), 201);

		$other = $this->post($k['key'], array('last_name' => 'changed') + $body, $idem);
		$this->assertError($other, 422, 'idempotency_key_reused');
		$this->assertNull($other->header('Idempotent-Replayed'));
		// The fingerprint: method + route + SHA-256 of the raw body.
		$print = static function (string $method, string $route, string $raw): string {
			$request = new \WP_REST_Request($method, $route);
			$request->set_body($raw);
			return Idempotency::fingerprint($request);
		};
		$base = $print('POST', '/latepoint-api/v1/customers', '{"a":1}');
		$this->assertSame($base, $print('POST', '/latepoint-api/v1/customers', '{"a":1}'));
		$this->assertNotSame($base, $print('POST', '/latepoint-api/v1/bookings', '{"a":1}'));
		$this->assertNotSame($base, $print('PATCH', '/latepoint-api/v1/customers', '{"a":1}'));
		$this->assertNotSame($base, $print('POST', '/latepoint-api/v1/customers', '{"a": 1}'), 'the raw body, not its meaning');
		$this->assertSame(1, $this->customersWithEmail($body['email']));

		// Keys are per API key: another key may use the same value for its own request.
		$other_key = $this->createKey(array('name' => 'idem reuse other'));
		$body2     = $this->customer('reuse2');
		$this->assertSuccess($this->post($other_key['key'], $body2, $idem), 201);
		$this->assertCount(2, $this->rows($idem));
	}

	public function test_a_malformed_header_gets_400_and_nothing_is_written(): void {
		$k = $this->createKey(array('name' => 'idem malformed'));
		foreach (array('', 'with space', "tab\there", str_repeat('a', 256), "caf\u{e9}", "nul\0", "del\x7f") as $value) {
			$body = $this->customer('malformed');
			$r    = $this->post($k['key'], $body, $value);
			$this->assertError($r, 400, 'invalid_idempotency_key', var_export($value, true));
			$this->assertSame(0, $this->customersWithEmail($body['email']), 'the handler did not run');
			$this->assertSame(array(), $this->rows($value));
		}
		// The longest and the oddest valid values (unique to the run: rows live 24 h).
		foreach (array(str_repeat('z', 247), '!~"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}') as $value) {
			$value .= bin2hex(random_bytes(4));
			$r      = $this->post($k['key'], $this->customer('valid'), $value);
			$this->assertSuccess($r, 201);
			$this->assertCount(1, $this->rows($value), strlen($value) . ' characters');
		}
	}

	public function test_a_malformed_header_from_a_key_without_the_permission_gets_its_403(): void {
		$k = $this->createKey(array('name' => 'idem no permission', 'permissions' => array('customers:read')));
		$this->assertError($this->post($k['key'], $this->customer('noperm'), 'bad value'), 403, 'insufficient_permissions');
	}

	public function test_without_the_header_nothing_changes(): void {
		$k    = $this->createKey(array('name' => 'idem none'));
		$body = $this->customer('none');
		$r    = $this->post($k['key'], $body, null);
		$this->assertSuccess($r, 201);
		$this->assertNull($r->header('Idempotent-Replayed'));
		$this->assertSame(1, $this->customersWithEmail($body['email']));
		$before = $this->countRows();
		$this->assertSuccess($this->post($k['key'], $this->customer('none2'), null), 201);
		$this->assertSame($before, $this->countRows(), 'no row without the header');
		// GETs ignore the header.
		$get = $this->api('GET', '/me', array('key' => $k['key'], 'headers' => array('Idempotency-Key' => 'bad value')));
		$this->assertSuccess($get);
	}

	public function test_key_management_ignores_the_header_and_stores_nothing(): void {
		$idem   = self::idem();
		$before = $this->countRows();
		foreach (array(1, 2) as $i) {
			$r = $this->api('POST', '/keys', array(
				'user'    => $this->admin(),
				'headers' => array('Idempotency-Key' => $idem),
				'json'    => array('name' => self::name("idem admin {$i}"), 'permissions' => array('services:read')),
			));
			$data = $this->assertSuccess($r, 201);
			$this->assertMatchesRegularExpression(self::KEY_PATTERN, $data['key'], 'each a new key: the header played no part');
			$this->assertNull($r->header('Idempotent-Replayed'));
		}
		$bad = $this->api('POST', '/keys', array(
			'user'    => $this->admin(),
			'headers' => array('Idempotency-Key' => 'not valid here either'),
			'json'    => array('name' => self::name('idem admin bad'), 'permissions' => array('services:read')),
		));
		$this->assertSuccess($bad, 201);
		$this->assertSame($before, $this->countRows(), 'no row for key management (its responses hold keys)');
	}

	public function test_refusals_before_the_handler_are_not_kept(): void {
		self::awayFromMinuteEdge(10);
		$k    = $this->createKey(array('name' => 'idem refused', 'rate_limit_per_minute' => 1, 'rate_limit_per_hour' => 100));
		$idem = self::idem();
		$body = $this->customer('refused');
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'])));

		$this->assertError($this->post($k['key'], $body, $idem), 429, 'rate_limit_exceeded');
		$this->assertSame(array(), $this->rows($idem), 'a 429 is not kept');

		Key_Service::disable($k['id'], $this->admin());
		Core::rate_reset(Key_Format::rate_bucket($k['id']));
		$this->assertError($this->post($k['key'], $body, $idem), 401, 'key_disabled');
		$this->assertSame(array(), $this->rows($idem), 'a 401 is not kept');
		Key_Service::enable($k['id'], $this->admin());

		$this->assertError($this->post($k['key'], $body, $idem, '/bookings/0'), 404, 'not_found');
		$this->assertSame(array(), $this->rows($idem), 'no route: nothing reached a handler');

		Core::rate_reset(Key_Format::rate_bucket($k['id']));
		$ok = $this->post($k['key'], $body, $idem);
		$this->assertSuccess($ok, 201);
		$this->assertNull($ok->header('Idempotent-Replayed'), 'the first response that reached the handler');
		$this->assertSame('201', $this->rows($idem)[0]['response_status']);
		$this->assertSame(1, $this->customersWithEmail($body['email']));
	}

	public function test_a_rotated_key_and_its_replacement_share_their_idempotency_keys(): void {
		$k    = $this->createKey(array('name' => 'idem rotated'));
		$idem = self::idem();
		$body = $this->customer('rotated');
		$first = $this->post($k['key'], $body, $idem);
		$this->assertSuccess($first, 201);
		$rotated = Key_Service::rotate($k['id'], 3600, $this->admin());
		$again   = $this->post($rotated['key'], $body, $idem);
		$this->assertSame('true', $again->header('Idempotent-Replayed'), $again->describe());
		$this->assertSame($first->json, $again->json);
	}

	public function test_an_error_of_the_handler_is_kept_and_replayed_with_a_fresh_request_id(): void {
		$k    = $this->createKey(array('name' => 'idem handler error'));
		$idem = self::idem();
		// LatePoint's own validation (names are required by default): the handler ran and refused.
		$body  = array('email' => 'nameless.' . bin2hex(random_bytes(3)) . '.' . self::$run . '@example.com');
		$first = $this->post($k['key'], $body, $idem);
		$this->assertError($first, 422, 'validation_failed');
		$again = $this->post($k['key'], $body, $idem);
		$this->assertError($again, 422, 'validation_failed');
		$this->assertSame('true', $again->header('Idempotent-Replayed'));
		$this->assertArrayHasKey('customer', $again->data['error']['details']['fields']);
		$this->assertSame($first->data['error']['details'], $again->data['error']['details']);
		$this->assertSame($first->data['error']['message'], $again->data['error']['message']);
		$this->assertNotSame($first->requestId(), $again->requestId(), 'assertError checked that the envelope\'s request_id is the fresh X-Request-Id');

		// A request the route's own argument checks refuse never reached the handler: not kept.
		$schema = self::idem();
		$this->assertError($this->post($k['key'], array('email' => 'not an email'), $schema), 422, 'validation_failed');
		$this->assertSame(array(), $this->rows($schema));
	}

	public function test_a_claim_without_a_response_gets_409_and_is_taken_over_after_60_seconds(): void {
		global $wpdb;
		$k    = $this->createKey(array('name' => 'idem takeover'));
		$idem = self::idem();
		$body = $this->customer('takeover');
		// A first attempt that claimed the key and never answered (its worker died).
		$request = new \WP_REST_Request('POST', '/latepoint-api/v1/customers');
		$request->set_body((string) wp_json_encode($body));
		$this->assertSame(1, $wpdb->query($wpdb->prepare(
			'INSERT INTO ' . Schema::idempotency() . ' (scope_id, key_hash, fingerprint, claim_token, created_at, claimed_at) VALUES (%d, %s, %s, %s, UTC_TIMESTAMP(), UTC_TIMESTAMP())',
			(int) ($k['record']['counter_id'] ?? $k['id']),
			hash('sha256', $idem),
			Idempotency::fingerprint($request),
			str_repeat('0', 32)
		)), $wpdb->last_error);

		$this->assertError($this->post($k['key'], $body, $idem), 409, 'idempotency_in_progress');
		$this->assertSame(0, $this->customersWithEmail($body['email']));
		$this->assertError($this->post($k['key'], array('last_name' => 'x') + $body, $idem), 422, 'idempotency_key_reused');

		$wpdb->query($wpdb->prepare('UPDATE ' . Schema::idempotency() . ' SET claimed_at = claimed_at - INTERVAL %d SECOND WHERE key_hash = %s', 61, hash('sha256', $idem)));
		$taken = $this->post($k['key'], $body, $idem);
		$this->assertSuccess($taken, 201);
		$this->assertNull($taken->header('Idempotent-Replayed'), 'the handler ran');
		$this->assertSame(1, $this->customersWithEmail($body['email']));
		$rows = $this->rows($idem);
		$this->assertCount(1, $rows);
		$this->assertNotSame(str_repeat('0', 32), $rows[0]['claim_token'], 'the claim changed hands');
		$this->assertSame('201', $rows[0]['response_status']);

		// Answered now: even an old claim time is not taken over again.
		$wpdb->query($wpdb->prepare('UPDATE ' . Schema::idempotency() . ' SET claimed_at = claimed_at - INTERVAL %d SECOND WHERE key_hash = %s', 600, hash('sha256', $idem)));
		$replayed = $this->post($k['key'], $body, $idem);
		$this->assertSame('true', $replayed->header('Idempotent-Replayed'));
		$this->assertSame($taken->json, $replayed->json);
	}

	public function test_the_daily_maintenance_deletes_rows_older_than_24_hours(): void {
		global $wpdb;
		$k   = $this->createKey(array('name' => 'idem cleanup'));
		$old = self::idem();
		$new = self::idem();
		$this->assertSuccess($this->post($k['key'], $this->customer('old'), $old), 201);
		$this->assertSuccess($this->post($k['key'], $this->customer('new'), $new), 201);
		$wpdb->query($wpdb->prepare('UPDATE ' . Schema::idempotency() . ' SET created_at = created_at - INTERVAL %d SECOND, claimed_at = claimed_at - INTERVAL %d SECOND WHERE key_hash = %s', DAY_IN_SECONDS + 60, DAY_IN_SECONDS + 60, hash('sha256', $old)));
		$wpdb->query($wpdb->prepare('UPDATE ' . Schema::idempotency() . ' SET created_at = created_at - INTERVAL %d SECOND WHERE key_hash = %s', DAY_IN_SECONDS - 600, hash('sha256', $new)));

		do_action(Plugin::CRON_MAINTENANCE);

		$this->assertSame(array(), $this->rows($old), 'older than 24 h: deleted');
		$this->assertCount(1, $this->rows($new), 'younger: kept');
	}

	public function test_an_expired_row_not_yet_deleted_counts_as_absent(): void {
		global $wpdb;
		$k    = $this->createKey(array('name' => 'idem expired'));
		$idem = self::idem();
		$this->assertSuccess($this->post($k['key'], $this->customer('expired1'), $idem), 201);
		$wpdb->query($wpdb->prepare('UPDATE ' . Schema::idempotency() . ' SET created_at = created_at - INTERVAL %d SECOND WHERE key_hash = %s', DAY_IN_SECONDS + 60, hash('sha256', $idem)));
		$body = $this->customer('expired2');
		$r    = $this->post($k['key'], $body, $idem);
		$this->assertSuccess($r, 201);
		$this->assertNull($r->header('Idempotent-Replayed'), 'a new request, not a 422');
		$this->assertSame(1, $this->customersWithEmail($body['email']));
	}
}
