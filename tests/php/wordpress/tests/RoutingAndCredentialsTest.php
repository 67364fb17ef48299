<?php
/**
 * The namespace as WordPress routes it (case-insensitively), keys hidden anywhere in the query, and
 * ambiguous credentials: found by an outside attack, each refused the way the API documents.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Auth\Credentials;

final class RoutingAndCredentialsTest extends TestCase {

	/** @dataProvider namespace_spellings */
	public function test_the_namespace_in_any_case_goes_through_the_whole_pipeline(string $namespace): void {
		$k = $this->createKey(array('name' => 'case', 'permissions' => array('services:read'), 'rate_limit_per_minute' => 40));
		$r = $this->api('GET', '/me', array('key' => $k['key'], 'namespace' => $namespace));
		$data = $this->assertSuccess($r);
		$this->assertSame($k['id'], $data['id']);
		$this->assertRateHeaders($r, 40, 3600);
		$this->assertSame(array($r->requestId()), array_column(array_filter(self::spooledRows(), static fn ($row) => $row['request_id'] === $r->requestId()), 'request_id'), 'an audit row');

		$this->assertError($this->api('GET', '/me', array('namespace' => $namespace)), 401, 'missing_api_key', 'no key: the envelope');
		$this->assertError($this->api('GET', '/bookings', array('key' => $k['key'], 'namespace' => $namespace)), 403, 'insufficient_permissions');
		$this->assertError($this->api('GET', '/keys', array('key' => $k['key'], 'namespace' => $namespace)), 403, 'insufficient_permissions', 'admin routes refuse keys in any case');
	}

	public function namespace_spellings(): array {
		return array(
			'capitals'   => array('LATEPOINT-API/v1'),
			'mixed'      => array('LatePoint-Api/v1'),
			'version V1' => array('latepoint-api/V1'),
		);
	}

	/** @dataProvider nested_query_cases */
	public function test_a_key_anywhere_in_the_query_is_refused_with_400_key_in_query(string $query_string, bool $header_too): void {
		$k = $this->createKey(array('name' => 'nested query'));
		parse_str(str_replace('KEY', $k['key'], $query_string), $query);
		$r = $this->api('GET', '/me', array('query' => $query) + ($header_too ? array('key' => $k['key']) : array()));
		$this->assertError($r, 400, 'key_in_query', $query_string);
		$this->assertStringNotContainsString($k['key'], $r->json);
		$this->assertNoRateHeaders($r);
	}

	public function nested_query_cases(): array {
		return array(
			'a list value'           => array('a[]=KEY', true),
			'a list value, no header' => array('a[]=KEY', false),
			'deeply nested'          => array('a[b][c]=KEY', true),
			'deeply nested, no header' => array('a[b][c]=KEY', false),
			'the key as a name'      => array('KEY=1', true),
			'the key as a name, no header' => array('KEY=1', false),
			'the key as a nested name' => array('a[KEY]=1', true),
			'inside a longer value'  => array('q=see%20KEY%20here', true),
		);
	}

	public function test_nested_ordinary_parameters_are_not_mistaken_for_keys(): void {
		$k = $this->createKey(array('name' => 'nested harmless'));
		$this->assertSuccess($this->api('GET', '/me', array('key' => $k['key'], 'query' => array('a' => array('key' => 'x', 'b' => array('lp_live_abcd'))))));
	}

	public function test_x_api_key_and_a_different_bearer_are_refused_with_400_ambiguous_credentials(): void {
		$one = $this->createKey(array('name' => 'ambiguous one'));
		$two = $this->createKey(array('name' => 'ambiguous two'));
		$r   = $this->api('GET', '/me', array('key' => $one['key'], 'bearer' => $two['key']));
		$this->assertError($r, 400, 'ambiguous_credentials');
		$this->assertNoRateHeaders($r);
		$this->assertStringNotContainsString($one['key'], $r->json);
		$this->assertError($this->api('GET', '/me', array('key' => $one['key'], 'bearer' => 'not-a-key')), 400, 'ambiguous_credentials', 'whatever the bearer holds');
		$this->assertError($this->api('GET', '/me', array('key' => 'garbage', 'bearer' => 'other-garbage')), 400, 'ambiguous_credentials', 'before the key is parsed');

		$same = $this->api('GET', '/me', array('key' => $one['key'], 'bearer' => $one['key']));
		$this->assertSame($one['id'], $this->assertSuccess($same)['id'], 'the same key twice is one credential');
	}

	public function test_ambiguous_credentials_come_right_after_key_in_query(): void {
		$one = $this->createKey(array('name' => 'order one'));
		$two = $this->createKey(array('name' => 'order two'));
		$this->assertError($this->api('GET', '/me', array('key' => $one['key'], 'bearer' => $two['key'], 'query' => array('api_key' => 'x'))), 400, 'key_in_query');
	}

	/** @dataProvider joined_values */
	public function test_a_header_holding_several_values_is_ambiguous(string $header, string $template): void {
		$one   = $this->createKey(array('name' => 'joined one'));
		$two   = $this->createKey(array('name' => 'joined two'));
		$value = str_replace(array('ONE', 'TWO'), array($one['key'], $two['key']), $template);
		$this->assertError($this->api('GET', '/me', array('headers' => array($header => $value))), 400, 'ambiguous_credentials', $template);
	}

	public function joined_values(): array {
		return array(
			'two X-API-Key lines joined by the server' => array('X-API-Key', 'ONE, TWO'),
			'joined without a space'                   => array('X-API-Key', 'ONE,TWO'),
			'two Bearer tokens joined'                 => array('Authorization', 'Bearer ONE, Bearer TWO'),
		);
	}

	public function test_the_same_key_sent_twice_is_one_credential(): void {
		$one = $this->createKey(array('name' => 'twice'));
		foreach (array('X-API-Key' => "{$one['key']}, {$one['key']}", 'Authorization' => "Bearer {$one['key']}, Bearer {$one['key']}") as $header => $value) {
			$this->assertSame($one['id'], $this->assertSuccess($this->api('GET', '/me', array('headers' => array($header => $value))))['id'], $header);
		}
	}

	public function test_a_first_copy_the_web_server_passes_that_differs_is_ambiguous(): void {
		$one = $this->createKey(array('name' => 'first copy one'));
		$two = $this->createKey(array('name' => 'first copy two'));
		// nginx 1.22 with the documented fastcgi_param: PHP sees the last copy, the variable the first.
		$server = array('HTTP_X_API_KEY' => $two['key'], Credentials::FIRST_X_API_KEY => $one['key']);
		$this->assertError($this->api('GET', '/me', array('key' => $two['key'], 'server' => $server)), 400, 'ambiguous_credentials');
		$server = array('HTTP_X_API_KEY' => $two['key'], Credentials::FIRST_X_API_KEY => $two['key']);
		$this->assertSuccess($this->api('GET', '/me', array('key' => $two['key'], 'server' => $server)));
		// A request dispatched inside another one is not judged by the outer request's headers.
		$server = array('HTTP_X_API_KEY' => 'something else', Credentials::FIRST_X_API_KEY => $one['key']);
		$this->assertSuccess($this->api('GET', '/me', array('key' => $two['key'], 'server' => $server)));
	}

	public function test_the_reader_itself(): void {
		$k = 'lp_live_' . str_repeat('A', 38);
		$this->assertSame(array('key' => $k, 'ambiguous' => false), Credentials::read($k, null));
		$this->assertSame(array('key' => $k, 'ambiguous' => false), Credentials::read(" {$k} ", 'Basic eDp5'));
		$this->assertSame(array('key' => $k, 'ambiguous' => false), Credentials::read(null, "bearer  {$k}"));
		$this->assertSame(array('key' => null, 'ambiguous' => false), Credentials::read('  ', 'Bearer'));
		$this->assertSame(array('key' => null, 'ambiguous' => true), Credentials::read("{$k}, x", null));
		$this->assertSame(array('key' => null, 'ambiguous' => true), Credentials::read(null, "Bearer {$k},Bearer y"));
	}
}
