<?php
/**
 * docs/api.md: GET /logs for administrators: flushes the spool first, filters, page and cursor paging.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

final class LogsRestTest extends TestCase {

	private function logs(array $query): Response {
		return $this->api('GET', '/logs', array('user' => $this->admin(), 'query' => $query));
	}

	public function test_logs_of_a_key_newest_first_with_page_and_cursor_paging(): void {
		self::awayFromMinuteEdge(5);
		$k = $this->createKey(array('name' => 'logs paging', 'permissions' => array('services:read')));
		$requests = array();
		foreach (array('/me', '/bookings', '/me', '/nowhere', '/me') as $path) {
			$requests[] = $this->api('GET', $path, array('key' => $k['key']));
		}
		$this->assertNotSame(array(), self::spooledRows(), 'still in the spool');
		$want = array_reverse(array_map(static fn (Response $r) => $r->requestId(), $requests));

		$first = $this->logs(array('key_id' => $k['id'], 'event' => 'request', 'per_page' => 2));
		$items = $this->assertSuccess($first);
		$this->assertSame(array(), self::spooledRows(), 'the logs route flushes the spool');
		$this->assertSame(5, $first->data['meta']['total']);
		$this->assertSame(3, $first->data['meta']['total_pages']);
		$this->assertSame(array_slice($want, 0, 2), array_column($items, 'request_id'));
		$this->assertSame(array('id', 'time', 'request_id', 'event', 'key_id', 'key_prefix', 'actor_user_id', 'method', 'route', 'status', 'error_code', 'client_ip', 'user_agent', 'duration_ms'), array_keys($items[0]));
		$this->assertSame($k['id'], $items[0]['key_id']);
		$this->assertSame($k['record']['prefix'], $items[0]['key_prefix']);
		$this->assertMatchesRegularExpression('/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/', $items[0]['time']);
		$this->assertSame(404, $items[1]['status']);
		$this->assertSame('not_found', $items[1]['error_code']);

		$seen   = array_column($items, 'request_id');
		$cursor = $first->data['meta']['next_cursor'];
		while (null !== $cursor) {
			$r      = $this->logs(array('key_id' => $k['id'], 'event' => 'request', 'per_page' => 2, 'cursor' => $cursor));
			$seen   = array_merge($seen, array_column($this->assertSuccess($r), 'request_id'));
			$cursor = $r->data['meta']['next_cursor'];
			$this->assertLessThanOrEqual(5, count($seen));
		}
		$this->assertSame($want, $seen);
		$this->assertSame(array_slice($want, 4), array_column($this->assertSuccess($this->logs(array('key_id' => $k['id'], 'event' => 'request', 'per_page' => 2, 'page' => 3))), 'request_id'));
	}

	public function test_logs_filter_by_status_event_and_date(): void {
		$k = $this->createKey(array('name' => 'logs filters', 'permissions' => array('services:read')));
		$ok        = $this->api('GET', '/me', array('key' => $k['key']));
		$forbidden = $this->api('GET', '/bookings', array('key' => $k['key']));
		$ids       = static fn (Response $r): array => array_column($r->data['data'], 'request_id');

		$this->assertSame(array($forbidden->requestId()), $ids($this->logs(array('key_id' => $k['id'], 'status' => '4xx'))));
		$this->assertSame(array($forbidden->requestId()), $ids($this->logs(array('key_id' => $k['id'], 'status' => '403'))));
		$this->assertSame(array($forbidden->requestId()), $ids($this->logs(array('key_id' => $k['id'], 'status' => 'errors'))));
		$this->assertSame(array($ok->requestId()), $ids($this->logs(array('key_id' => $k['id'], 'status' => '2xx'))));
		$admin = $this->logs(array('key_id' => $k['id'], 'event' => 'admin_action'));
		$this->assertSame(array('created'), array_column($admin->data['data'], 'error_code'));
		$this->assertSame($this->admin(), $admin->data['data'][0]['actor_user_id']);

		$today = gmdate('Y-m-d');
		$this->assertCount(3, $this->logs(array('key_id' => $k['id'], 'date_from' => $today, 'date_to' => $today))->data['data']);
		$this->assertCount(0, $this->logs(array('key_id' => $k['id'], 'date_to' => gmdate('Y-m-d', time() - DAY_IN_SECONDS)))->data['data']);
		$this->assertCount(0, $this->logs(array('key_id' => $k['id'], 'date_from' => gmdate('Y-m-d', time() + DAY_IN_SECONDS)))->data['data']);

		foreach (array(array('status' => '4x'), array('status' => '600'), array('event' => 'coffee'), array('date_from' => 'yesterday'), array('key_id' => 0)) as $bad) {
			$r = $this->logs($bad);
			$this->assertError($r, 422, 'validation_failed', (string) wp_json_encode($bad));
			$this->assertSame(array_keys($bad), array_keys($r->data['error']['details']['fields']));
		}
	}
}
