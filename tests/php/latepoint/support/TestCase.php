<?php
/**
 * Base of the real-LatePoint tests (the PHPUnit process is plain PHP; every step in WordPress is a
 * case.php process, see support/Stack.php).
 *
 * assertSameEffects() is the suite's core: the same write done once through LatePoint's admin
 * controllers and once through the API, each on the fixture as the snapshot has it plus the same
 * preparation, and what each left compared after support/Normalizer.php. assertSameSlots() compares
 * the API's availability with LatePoint's engine.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

abstract class TestCase extends \PHPUnit\Framework\TestCase {

	protected function setUp(): void {
		parent::setUp();
		if (null !== Stack::$skipped) {
			$this->markTestSkipped(Stack::$skipped);
		}
	}

	/** @return array<string, mixed> */
	protected static function facts(): array {
		return Stack::$facts;
	}

	protected static function id(string $kind, string $name): int {
		return (int) Stack::$facts[ $kind ][ $name ];
	}

	protected static function day(int $n): string {
		return (string) Stack::$facts['days'][ $n ];
	}

	protected static function past(): string {
		return (string) Stack::$facts['past'];
	}

	/** A booking spec for the admin's create_booking (and the same body for POST /bookings). */
	protected static function booking(string $agent, string $service, string $location, string $date, string $time, string $customer = 'cee'): array {
		return array(
			'customer_id' => self::id('customers', $customer),
			'service_id'  => self::id('services', $service),
			'agent_id'    => self::id('agents', $agent),
			'location_id' => self::id('locations', $location),
			'start_date'  => $date,
			'start_time'  => $time,
		);
	}

	// ------------------------------------------------------------------------------------ writes

	/**
	 * The same write through LatePoint's admin and through the API leaves the same rows, meta, jobs,
	 * mails, hooks and activities.
	 *
	 * In $case: "prepare" (admin actions run before, on both sides, each in a process of its own),
	 * "admin" (action, args), "api" (method, path, body), and optionally "timezone", "settings"
	 * (LatePoint settings, name => value, on both sides) and "baseline_twice" (the admin's write on both sides). In args, paths and
	 * bodies, "{booking}", "{order}" and "{customer}" are the ids of the last booking, order and customer
	 * that "prepare" made.
	 */
	protected function assertSameEffects(array $case): void {
		$admin = $this->runSide('admin', $case);
		// "baseline_twice": the admin's write against itself, which must give no difference at all
		// (it checks that the normalisation leaves no run-to-run noise).
		$api = $this->runSide(empty($case['baseline_twice']) ? 'api' : 'admin', $case);
		$this->assertSame('success', $admin['result']['answer']['status'] ?? null, "LatePoint's admin (the baseline) did not succeed: " . json_encode($admin['result']['answer']));
		$this->assertSame($admin['refs'], $api['refs'], 'the two sides were prepared differently');

		$from = min($admin['started'], $api['started']);
		$to   = max((float) $admin['result']['ended'], (float) $api['result']['ended']);
		$a    = Normalizer::side($admin['result'], $from, $to);
		$b    = Normalizer::side($api['result'], $from, $to);
		$diff = Diff::sides($a, $b);
		if (!$diff) {
			$this->addToAssertionCount(1);
			return;
		}
		$answer = $api['result']['answer'];
		$report = array_merge(
			array(
				sprintf('%d difference line(s) between what LatePoint\'s admin and the API left (- admin, + API).', count($diff)),
				empty($case['baseline_twice'])
					? sprintf('API: %s %s -> %d %s', $case['api'][0], $this->resolve($case['api'][1], $api['refs']), $answer['status'], Diff::one_line(json_encode($answer['body'], JSON_UNESCAPED_SLASHES)))
					: 'Both sides are the admin\'s (baseline_twice): the normalisation leaves run-to-run noise.',
				'initiators (normalised away): admin [' . implode('; ', $a['initiators']) . '], API [' . implode('; ', $b['initiators']) . ']',
			),
			self::messages('admin', $admin['result']),
			self::messages('API', $api['result']),
			array(''),
			$diff
		);
		$this->fail(implode("\n", $report));
	}

	/** @return array{started: float, result: array<string, mixed>, refs: array<string, string>} */
	private function runSide(string $side, array $case): array {
		$started = microtime(true);
		Stack::run(array('command' => 'reset', 'timezone' => $case['timezone'] ?? 'UTC', 'settings' => $case['settings'] ?? array()));
		$refs = array();
		foreach ($case['prepare'] ?? array() as $step) {
			$done = Stack::run(array('command' => 'admin', 'action' => $step[0], 'args' => $this->resolve($step[1], $refs)));
			$this->assertSame('success', $done['answer']['status'] ?? null, "preparing ({$side} side), {$step[0]}: " . json_encode($done['answer']));
			foreach (array('booking' => 'latepoint_bookings', 'order' => 'latepoint_orders', 'customer' => 'latepoint_customers') as $name => $table) {
				$refs[ '{' . $name . '}' ] = (string) $done['after'][ $table ];
			}
		}
		if ('admin' === $side) {
			$request = array('command' => 'admin', 'action' => $case['admin'][0], 'args' => $this->resolve($case['admin'][1], $refs));
		} else {
			$request = array(
				'command' => 'api',
				'key'     => Stack::$key,
				'method'  => $case['api'][0],
				'path'    => $this->resolve($case['api'][1], $refs),
				'json'    => isset($case['api'][2]) ? $this->resolve($case['api'][2], $refs) : null,
			);
		}
		$request['record'] = true;
		return array('started' => $started, 'result' => Stack::run($request), 'refs' => $refs);
	}

	/**
	 * @param mixed $value
	 * @return mixed
	 */
	protected function resolve($value, array $refs) {
		if (is_array($value)) {
			return array_map(function ($v) use ($refs) {
				return $this->resolve($v, $refs);
			}, $value);
		}
		if (is_string($value) && $refs) {
			if (isset($refs[ $value ])) {
				return (int) $refs[ $value ];
			}
			return strtr($value, $refs);
		}
		return $value;
	}

	/** @return list<string> */
	private static function messages(string $side, array $result): array {
		$lines = array();
		foreach (preg_split('/\R/', (string) ($result['stderr'] ?? '')) as $line) {
			if (preg_match('/(Warning|Notice|Deprecated|Fatal error|Parse error):/', (string) $line)) {
				$lines[] = "PHP message on the {$side} side: " . trim((string) $line);
			}
		}
		if (!empty($result['stray_output'])) {
			$lines[] = "output on the {$side} side: " . Diff::one_line((string) $result['stray_output']);
		}
		return $lines;
	}

	// ------------------------------------------------------------------------------------ availability

	/**
	 * GET /availability answers LatePoint's own slots, slot by slot: per agent and location (each of
	 * LatePoint's resources), and, without agent_id, per start over all of them (LatePoint's "any agent",
	 * the most room of any resource).
	 *
	 * @param array{service_id: int, agent_id?: int, location_id?: int, date_from: string, date_to: string, attendees?: int} $query
	 * @param array{timezone?: string, settings?: array<string, string>, prepare?: list<array{0: string, 1: array}>} $case
	 * @return list<array<string, mixed>> the API's slots
	 */
	protected function assertSameSlots(array $query, array $case = array()): array {
		Stack::run(array('command' => 'reset', 'timezone' => $case['timezone'] ?? 'UTC', 'settings' => $case['settings'] ?? array()));
		foreach ($case['prepare'] ?? array() as $step) {
			$done = Stack::run(array('command' => 'admin', 'action' => $step[0], 'args' => $step[1]));
			$this->assertSame('success', $done['answer']['status'] ?? null, "preparing, {$step[0]}: " . json_encode($done['answer']));
		}
		$latepoint = Stack::run(array('command' => 'slots', 'query' => $query));

		$params = array('service_id' => $query['service_id'], 'date_from' => $query['date_from'], 'date_to' => $query['date_to']);
		foreach (array('agent_id', 'location_id') as $name) {
			if (isset($query[ $name ])) {
				$params[ $name ] = $query[ $name ];
			}
		}
		if (isset($query['attendees'])) {
			$params[ static::ATTENDEES_PARAM ] = $query['attendees'];
		}
		$api = Stack::run(array('command' => 'api', 'key' => Stack::$key, 'method' => 'GET', 'path' => '/availability', 'query' => $params));
		$answer = $api['answer'];
		$this->assertSame(200, $answer['status'], 'GET /availability?' . http_build_query($params) . ' -> ' . $answer['status'] . ' ' . json_encode($answer['body']));
		$slots = (array) ($answer['body']['data'] ?? array());

		$mine = array();
		foreach ($slots as $slot) {
			$mine[] = array(
				'date'          => $slot['start_date'] ?? null,
				'start_time'    => $slot['start_time'] ?? null,
				'end_time'      => $slot['end_time'] ?? null,
				'capacity_left' => isset($slot['capacity_left']) ? (int) $slot['capacity_left'] : null,
				'agent_id'      => isset($slot['agent_id']) ? (int) $slot['agent_id'] : null,
				'location_id'   => isset($slot['location_id']) ? (int) $slot['location_id'] : null,
			);
		}
		$line = static function (array $s): string {
			return sprintf('%s %s-%s agent %s location %s: %s left', $s['date'], $s['start_time'], $s['end_time'], $s['agent_id'] ?? '-', $s['location_id'] ?? '-', $s['capacity_left'] ?? '?');
		};
		$expected = array_map($line, $latepoint['per_resource']);
		$actual   = array_map($line, $mine);
		sort($expected);
		sort($actual);
		$report = array();
		$d      = Diff::lines($expected, $actual);
		if ($d) {
			$report[] = 'per agent and location (- LatePoint only, + API only):';
			$report   = array_merge($report, $d);
		}
		if (!isset($query['agent_id']) && !isset($query['location_id'])) {
			$best = array();
			foreach ($mine as $s) {
				$k          = $s['date'] . ' ' . $s['start_time'];
				$best[ $k ] = max($best[ $k ] ?? 0, (int) $s['capacity_left']);
			}
			$any_api = array();
			foreach ($best as $k => $left) {
				$any_api[] = "{$k}: {$left} left";
			}
			$any_lp = array_map(static function (array $s): string {
				return "{$s['date']} {$s['start_time']}: {$s['capacity_left']} left";
			}, $latepoint['any']);
			sort($any_api);
			sort($any_lp);
			$d = Diff::lines($any_lp, $any_api);
			if ($d) {
				$report[] = 'any agent, the most room per start (- LatePoint only, + API only):';
				$report   = array_merge($report, $d);
			}
		}
		if ($report) {
			$this->fail(sprintf(
				"GET /availability?%s differs from LatePoint's engine (LatePoint %d slots on %s; API %d):\n%s",
				http_build_query($params),
				count($latepoint['per_resource']),
				implode(', ', $latepoint['days']) ?: 'no day',
				count($mine),
				implode("\n", $report)
			));
		}
		$this->addToAssertionCount(1);
		return $slots;
	}

	/** The query parameter of GET /availability for the number of attendees. */
	const ATTENDEES_PARAM = 'attendees';
}
