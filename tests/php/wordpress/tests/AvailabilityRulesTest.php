<?php
/**
 * The availability engine's rules in-process (the HTTP side is tests/e2e/availability.test.mjs):
 * LatePoint's resolution of work periods (Schedule, on hand-made rows), the capacities, LatePoint's
 * own filters for add-ons (latepoint_blocked_periods_for_range, latepoint_get_booked_periods,
 * latepoint_get_timeslot_blocking_statuses), the fixed number of queries, and the row locks of the
 * booking check. LatePoint is not loaded here: where the engine hands LatePoint's own objects to
 * those filters, small test doubles of them stand in (defined below only when LatePoint is absent).
 */

declare(strict_types=1);

namespace LatePoint\Misc {

	if (!class_exists(Filter::class)) {
		/** Test double of LatePoint's Filter: public properties set from the constructor's array. */
		class Filter {
			public $service_id = 0;
			public $agent_id = 0;
			public $location_id = 0;
			public $connections = array();
			public $date_from = null;
			public $date_to = null;
			public $statuses = array();
			public $exclude_booking_ids = array();

			public function __construct(array $args = array()) {
				foreach ($args as $name => $value) {
					if (property_exists($this, $name)) {
						$this->$name = $value;
					}
				}
			}
		}
	}
	if (!class_exists(BlockedPeriod::class)) {
		/** Test double of LatePoint's BlockedPeriod. */
		class BlockedPeriod {
			public $start_date = '';
			public $end_date = '';
			public $start_time = 0;
			public $end_time = 0;
			public $service_id = 0;
			public $agent_id = 0;
			public $location_id = 0;

			public function __construct(array $args = array()) {
				foreach ($args as $name => $value) {
					if (property_exists($this, $name)) {
						$this->$name = $value;
					}
				}
			}
		}
	}
	if (!class_exists(BookedPeriod::class)) {
		/** Test double of LatePoint's BookedPeriod. */
		class BookedPeriod extends BlockedPeriod {
			public $buffer_before = 0;
			public $buffer_after = 0;
			public $total_attendees = 1;
		}
	}
}

namespace {

	if (!class_exists('OsConnectorModel')) {
		/** Test double of LatePoint's agent/service/location connection model. */
		class OsConnectorModel {
			public $agent_id;
			public $service_id;
			public $location_id;
		}
	}
}

namespace LatePointApi\Tests\WordPress {

	use LatePointApi\LatePoint\Availability;
	use LatePointApi\LatePoint\Booking_Slots;
	use LatePointApi\LatePoint\Schedule;
	use LatePointApi\LatePoint\Tables;
	use LatePointApi\Support\Conflict_Error;

	final class AvailabilityRulesTest extends TestCase {

		/** @var array<string, int> */
		private static $d = array();
		/** @var string a free day, far ahead (a Wednesday) */
		private static $date = '';

		private static function t(string $table): string {
			global $wpdb;
			return $wpdb->prefix . 'latepoint_' . $table;
		}

		public static function setUpBeforeClass(): void {
			global $wpdb;
			parent::setUpBeforeClass();
			if (!Tables::exist()) {
				return; // setUp says so
			}
			$r          = bin2hex(random_bytes(4));
			$day        = strtotime('2031-01-01 UTC') + random_int(0, 2000) * 7 * DAY_IN_SECONDS; // 2031-01-01 is a Wednesday
			self::$date = gmdate('Y-m-d', $day);
			$now        = current_time('mysql');
			$insert     = static function (string $table, array $row) use ($wpdb, $now): int {
				$wpdb->insert(self::t($table), $row + array('created_at' => $now, 'updated_at' => $now));
				return (int) $wpdb->insert_id;
			};
			self::$d = array(
				'agent'    => $insert('agents', array('first_name' => "Rules{$r}", 'email' => "rules.{$r}@example.com", 'status' => 'active')),
				'agent2'   => $insert('agents', array('first_name' => "Rules2{$r}", 'email' => "rules2.{$r}@example.com", 'status' => 'active')),
				'service'  => $insert('services', array('name' => "Rules {$r}", 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 0, 'timeblock_interval' => 30, 'capacity_min' => 1, 'capacity_max' => 1, 'status' => 'active', 'visibility' => 'visible')),
				'location' => $insert('locations', array('name' => "Rules {$r}", 'status' => 'active')),
			);
			foreach (array('agent', 'agent2') as $agent) {
				$insert('agents_services', array('agent_id' => self::$d[ $agent ], 'service_id' => self::$d['service'], 'location_id' => self::$d['location']));
				for ($wd = 1; $wd <= 7; $wd++) {
					$insert('work_periods', array('agent_id' => self::$d[ $agent ], 'service_id' => 0, 'location_id' => 0, 'start_time' => 540, 'end_time' => 1020, 'week_day' => $wd));
				}
			}
		}

		public static function tearDownAfterClass(): void {
			global $wpdb;
			if (self::$d) {
				$agents = (int) self::$d['agent'] . ',' . (int) self::$d['agent2'];
				$wpdb->query('DELETE FROM ' . self::t('bookings') . " WHERE agent_id IN ({$agents})");
				$wpdb->query('DELETE FROM ' . self::t('work_periods') . " WHERE agent_id IN ({$agents})");
				$wpdb->query('DELETE FROM ' . self::t('agents_services') . " WHERE agent_id IN ({$agents})");
				$wpdb->query('DELETE FROM ' . self::t('agents') . " WHERE id IN ({$agents})");
				$wpdb->delete(self::t('services'), array('id' => self::$d['service']));
				$wpdb->delete(self::t('locations'), array('id' => self::$d['location']));
			}
			parent::tearDownAfterClass();
		}

		// ------------------------------------------------------------------ work periods (no database)

		/** A work period row: agent, service, location, start, end, weekday (1 = Monday), custom date. */
		private static function row(int $agent, int $service, int $location, int $start, int $end, int $week_day, ?string $date = null): array {
			static $id = 0;
			return array('id' => ++$id, 'agent_id' => $agent, 'service_id' => $service, 'location_id' => $location, 'start_time' => $start, 'end_time' => $end, 'week_day' => $week_day, 'custom_date' => $date);
		}

		/** The general row LatePoint always has (any agent, service, location), here Monday 11:00-17:00. */
		private static function general(): array {
			return self::row(0, 0, 0, 660, 1020, 1);
		}

		public function test_the_first_applicable_row_fixes_the_weight(): void {
			// LatePoint's own example: agent 1, service 1, location 1 on a Saturday with custom rows.
			$date = '2031-01-04'; // a Saturday (week_day 6)
			$rows = array(
				self::row(1, 1, 1, 420, 1080, 6, $date), // weight 6
				self::row(1, 0, 1, 480, 840, 6, $date),  // 5
				self::row(1, 0, 0, 480, 840, 6, $date),  // 4
				self::row(0, 0, 1, 660, 720, 6, $date),  // 4
				self::row(0, 0, 0, 660, 720, 6, $date),  // 3
				self::row(1, 0, 1, 0, 0, 6),             // 2
				self::row(1, 0, 0, 540, 720, 6),         // 1
				self::row(0, 0, 0, 660, 1020, 6),        // 0
			);
			$this->assertSame(array(array(420, 1080)), (new Schedule($rows, 1))->periods(1, 1, $date));
			// For another service the first row does not apply: the next weight wins alone.
			$this->assertSame(array(array(480, 840)), (new Schedule($rows, 2))->periods(1, 1, $date));
			// Another location: agent 1's custom row (weight 4) and nothing of the location's.
			$this->assertSame(array(array(480, 840)), (new Schedule($rows, 2))->periods(1, 2, $date));
			// Another Saturday: no custom rows; agent 1 at location 1 has the 0-0 row (weight 2): a day off.
			$this->assertSame(array(), (new Schedule($rows, 1))->periods(1, 1, '2031-01-11'));
			$this->assertSame(array(array(540, 720)), (new Schedule($rows, 1))->periods(1, 2, '2031-01-11'));
			$this->assertSame(array(array(660, 1020)), (new Schedule($rows, 1))->periods(2, 2, '2031-01-11'));
			// The order decides, not the highest weight: an agent's own row (weight 1) comes before a
			// service + location row (weight 2), so it wins, and the rows after the weight changed count for nothing.
			$rows = array(self::general(), self::row(7, 0, 0, 600, 840, 1), self::row(0, 5, 3, 540, 720, 1), self::row(0, 0, 3, 660, 1020, 1));
			$this->assertSame(array(array(600, 840)), (new Schedule($rows, 5))->periods(7, 3, '2031-01-06'));
			$this->assertSame(array(array(540, 720)), (new Schedule($rows, 5))->periods(8, 3, '2031-01-06'));
		}

		public function test_rows_of_the_same_weight_but_another_combination_are_intersected(): void {
			$monday = '2031-01-06';
			$rows   = array(self::general(), self::row(7, 0, 0, 600, 840, 1), self::row(0, 0, 3, 540, 720, 1));
			$this->assertSame(array(array(600, 720)), (new Schedule($rows, 1))->periods(7, 3, $monday));
			$this->assertSame(array(array(600, 840)), (new Schedule($rows, 1))->periods(7, 4, $monday), 'the location row does not apply elsewhere');
			$this->assertSame(array(array(540, 720)), (new Schedule($rows, 1))->periods(8, 3, $monday));
			// A service row and an agent row, weight 1 each.
			$rows = array(self::general(), self::row(0, 5, 0, 540, 720, 1), self::row(7, 0, 0, 660, 900, 1));
			$this->assertSame(array(array(660, 720)), (new Schedule($rows, 5))->periods(7, 3, $monday));
			// Periods that only touch leave nothing.
			$rows = array(self::general(), self::row(7, 0, 0, 540, 720, 1), self::row(0, 0, 3, 720, 1020, 1));
			$this->assertSame(array(), (new Schedule($rows, 1))->periods(7, 3, $monday));
			// The general custom-date row weighs 3, as an agent + service + location weekly row: intersected.
			$rows = array(self::general(), self::row(0, 0, 0, 600, 960, 1, $monday), self::row(7, 5, 3, 540, 720, 1));
			$this->assertSame(array(array(600, 720)), (new Schedule($rows, 5))->periods(7, 3, $monday));
			$this->assertSame(array(array(540, 720)), (new Schedule($rows, 5))->periods(7, 3, '2031-01-13'));
		}

		public function test_periods_of_one_combination_stay_side_by_side(): void {
			$rows     = array(self::general(), self::row(7, 0, 0, 780, 1020, 1), self::row(7, 0, 0, 540, 720, 1));
			$schedule = new Schedule($rows, 1);
			$this->assertSame(array(array(540, 720), array(780, 1020)), $schedule->periods(7, 3, '2031-01-06'));
			$this->assertTrue($schedule->covers(7, 3, '2031-01-06', 660, 60));
			$this->assertFalse($schedule->covers(7, 3, '2031-01-06', 690, 60), 'across the lunch break');
		}

		public function test_a_0_0_row_of_the_winning_weight_is_a_day_off_a_lower_one_is_not(): void {
			$monday = '2031-01-06';
			$this->assertSame(array(), (new Schedule(array(self::general(), self::row(7, 0, 0, 540, 1020, 1), self::row(0, 0, 3, 0, 0, 1)), 1))->periods(7, 3, $monday));
			$this->assertSame(array(array(540, 1020)), (new Schedule(array(self::row(7, 0, 0, 540, 1020, 1), self::row(0, 0, 0, 0, 0, 1)), 1))->periods(7, 3, $monday));
			$this->assertSame(array(), (new Schedule(array(self::general(), self::row(7, 0, 0, 0, 0, 1, $monday)), 1))->periods(7, 3, $monday), 'a holiday');
		}

		public function test_a_custom_date_row_counts_only_on_its_date_and_its_weekday(): void {
			$rows = array(self::general(), self::row(7, 0, 0, 600, 660, 1, '2031-01-06'), self::row(7, 0, 0, 600, 660, 2, '2031-01-13'), self::row(7, 0, 0, 600, 660, 1, '0000-00-00'));
			$schedule = new Schedule($rows, 1);
			$this->assertSame(array(array(600, 660)), $schedule->periods(7, 3, '2031-01-06'));
			$this->assertSame(array(array(660, 1020)), $schedule->periods(7, 3, '2031-01-13'), 'its week_day (Tuesday) is not that date\'s: LatePoint never sees it');
			$this->assertSame(array('2031-01-06' => array(array(600, 660))), $schedule->custom_dates(7, 3));
			$this->assertSame(array(array(660, 1020)), $schedule->weekday_periods(7, 3, 1));
		}

		public function test_without_general_rows_latepoint_default_hours_apply(): void {
			// No row for any agent, service and location: LatePoint writes 8:00-17:00 for every weekday.
			$schedule = new Schedule(array(self::row(7, 0, 0, 600, 660, 1)), 1);
			$this->assertSame(array(array(480, 1020)), $schedule->periods(8, 3, '2031-01-06'));
			$this->assertSame(array(array(480, 1020)), $schedule->periods(8, 3, '2031-01-12'), 'Sunday too');
			$this->assertSame(array(array(600, 660)), $schedule->periods(7, 3, '2031-01-06'), 'a weight-1 row beats them');
			// One general row (Monday): the other weekdays are days off.
			$schedule = new Schedule(array(self::general()), 1);
			$this->assertSame(array(array(660, 1020)), $schedule->periods(8, 3, '2031-01-06'));
			$this->assertSame(array(), $schedule->periods(8, 3, '2031-01-07'));
			// A general custom date is not a general weekly row.
			$schedule = new Schedule(array(self::row(0, 0, 0, 600, 660, 1, '2031-01-06')), 1);
			$this->assertSame(array(array(480, 1020)), $schedule->periods(8, 3, '2031-01-07'));
		}

		// ------------------------------------------------------------------ capacity

		public function test_capacities(): void {
			$service = static function (?int $min, ?int $max, ?string $meta): array {
				return array('capacity_min' => $min, 'capacity_max' => $max, 'block_meta' => $meta);
			};
			$this->assertSame(array('max' => 3, 'min' => 2, 'blocking' => 3), Availability::capacity($service(2, 3, null)));
			$this->assertSame(array('max' => 3, 'min' => 2, 'blocking' => 2), Availability::capacity($service(2, 3, 'on')));
			$this->assertSame(array('max' => 3, 'min' => 1, 'blocking' => 1), Availability::capacity($service(null, 3, 'on')));
			$this->assertSame(array('max' => 3, 'min' => 2, 'blocking' => 3), Availability::capacity($service(2, 3, 'off')));
			$this->assertSame(1, Availability::capacity($service(1, null, null))['max'], "NULL: LatePoint's model default");
			$slot = array('booked' => 1);
			$this->assertTrue(Availability::offers($slot, Availability::capacity($service(2, 3, null)), 2));
			$this->assertFalse(Availability::offers($slot, Availability::capacity($service(2, 3, null)), 3));
			$this->assertFalse(Availability::offers(array('booked' => 2), Availability::capacity($service(2, 3, 'on')), 1), 'the minimum is reached');
			$this->assertTrue(Availability::offers(array('booked' => 1), Availability::capacity($service(2, 3, 'on')), 1));
			$this->assertFalse(Availability::offers(array('booked' => 0), Availability::capacity($service(1, 0, null)), 1), 'capacity_max 0 holds no one');
		}

		// ------------------------------------------------------------------ LatePoint's filters

		protected function setUp(): void {
			parent::setUp();
			if (str_starts_with($this->getName(), 'test_db_')) {
				$this->assertNotSame(array(), self::$d, 'LatePoint\'s tables (scripts/stack/latepoint-fixture.php) are missing');
			}
		}

		/** @return string[] this agent's free starts on the test day */
		private function starts(string $agent = 'agent'): array {
			$slots = Availability::slots(self::$d['service'], self::$date, self::$date, self::$d[ $agent ], self::$d['location'])['slots'];
			return array_column($slots, 'start_time');
		}

		private function proposal(string $time, string $agent = 'agent'): array {
			list($h, $m) = array_map('intval', explode(':', $time));
			return array('agent_id' => self::$d[ $agent ], 'service_id' => self::$d['service'], 'location_id' => self::$d['location'], 'start_date' => self::$date, 'start_time' => $h * 60 + $m, 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 0, 'total_attendees' => 1);
		}

		public function test_db_an_add_ons_blocked_periods_from_latepoint_blocked_periods_for_range(): void {
			$all   = $this->starts();
			$given = array();
			$this->filter('latepoint_blocked_periods_for_range', function ($grouped, $filter) use (&$given) {
				$given = array($grouped, $filter);
				$grouped[ self::$date ][] = new \LatePoint\Misc\BlockedPeriod(array('start_date' => self::$date, 'end_date' => self::$date, 'start_time' => 720, 'end_time' => 780, 'agent_id' => self::$d['agent']));
				return $grouped;
			}, 10, 2);
			$this->assertSame(array_values(array_diff($all, array('11:30', '12:00', '12:30'))), $this->starts(), '12:00-13:00 blocked; 11:00 and 13:00 only touch it');
			$this->assertSame(array(self::$date => array()), $given[0], 'the range, and no earliest-booking block so far ahead');
			$this->assertInstanceOf(\LatePoint\Misc\Filter::class, $given[1]);
			$this->assertSame(array(self::$date, self::$date), array($given[1]->date_from, $given[1]->date_to));
			$this->assertSame(array(array(self::$d['agent'], self::$d['service'], self::$d['location'])), array_map(static function ($c) {
				return array((int) $c->agent_id, (int) $c->service_id, (int) $c->location_id);
			}, $given[1]->connections));
			$this->assertSame($all, $this->starts('agent2'), 'a period of another agent');
			$this->assertSame('blocked', Booking_Slots::refusal($this->proposal('12:00'))['details']['reason']);
			$this->assertNull(Booking_Slots::refusal($this->proposal('13:00')));
		}

		public function test_db_an_add_ons_booked_periods_from_latepoint_get_booked_periods(): void {
			$all = $this->starts();
			$this->filter('latepoint_get_booked_periods', function ($periods) {
				$periods[] = new \LatePoint\Misc\BookedPeriod(array('start_date' => self::$date, 'end_date' => self::$date, 'start_time' => 900, 'end_time' => 960, 'agent_id' => self::$d['agent'], 'service_id' => 0, 'location_id' => self::$d['location'], 'total_attendees' => 1));
				return $periods;
			});
			$this->assertSame(array_values(array_diff($all, array('14:30', '15:00', '15:30'))), $this->starts());
			$refusal = Booking_Slots::refusal($this->proposal('15:00'));
			$this->assertSame(array('reason' => 'overlap'), $refusal['details'], 'no booking of LatePoint\'s own to name');
		}

		public function test_db_latepoint_get_timeslot_blocking_statuses(): void {
			global $wpdb;
			$wpdb->insert(self::t('bookings'), array('booking_code' => 'RULES', 'start_date' => self::$date, 'end_date' => self::$date, 'start_time' => 600, 'end_time' => 660, 'duration' => 60, 'buffer_before' => 0, 'buffer_after' => 0, 'status' => 'pending', 'customer_id' => 0, 'service_id' => self::$d['service'], 'agent_id' => self::$d['agent'], 'location_id' => self::$d['location'], 'total_attendees' => 1));
			$id = (int) $wpdb->insert_id;
			try {
				$this->assertContains('10:00', $this->starts(), 'pending does not block by default');
				$this->filter('latepoint_get_timeslot_blocking_statuses', static function ($statuses) {
					return array_merge($statuses, array('pending'));
				});
				$this->assertNotContains('10:00', $this->starts());
				$this->assertSame('capacity', Booking_Slots::refusal($this->proposal('10:00'))['details']['reason']);
			} finally {
				$wpdb->delete(self::t('bookings'), array('id' => $id));
			}
		}

		// ------------------------------------------------------------------ queries and locks

		/** @return string[] the SQL $run sends */
		private function queries(callable $run): array {
			$seen = array();
			$this->filter('query', static function ($query) use (&$seen) {
				$seen[] = $query;
				return $query;
			});
			$run();
			return $seen;
		}

		public function test_db_a_fixed_number_of_queries_whatever_the_range(): void {
			$to    = gmdate('Y-m-d', strtotime(self::$date . ' UTC') + 30 * DAY_IN_SECONDS);
			$one   = $this->queries(static function () {
				Availability::slots(self::$d['service'], self::$date, self::$date, self::$d['agent'], self::$d['location'], 1);
			});
			$month = $this->queries(static function () use ($to) {
				Availability::slots(self::$d['service'], self::$date, $to, self::$d['agent'], self::$d['location'], 1);
			});
			$this->assertCount(count($one), $month);
			$this->assertLessThanOrEqual(6, count($one), implode("\n", $one));
			$check = $this->queries(function () {
				Booking_Slots::refusal($this->proposal('10:00'));
			});
			$this->assertLessThanOrEqual(9, count($check), implode("\n", $check));
		}

		public function test_db_the_check_locks_the_agent_and_its_bookings_and_refuses_with_a_reason(): void {
			global $wpdb;
			$wpdb->query('START TRANSACTION');
			try {
				$sql = $this->queries(function () {
					Booking_Slots::check($this->proposal('10:00'), array('duration' => 60), null);
				});
			} finally {
				$wpdb->query('ROLLBACK');
			}
			$locks = array_values(array_filter($sql, static function ($q) {
				return false !== stripos($q, 'FOR UPDATE');
			}));
			$this->assertCount(2, $locks, implode("\n", $sql));
			$this->assertStringContainsString(self::t('agents'), $locks[0]);
			$this->assertStringContainsString(self::t('bookings'), $locks[1]);
			$this->assertNotContains(true, array_map(static function ($q) {
				return false !== stripos($q, 'FOR UPDATE');
			}, $this->queries(function () {
				Availability::slots(self::$d['service'], self::$date, self::$date);
			})), 'reads lock nothing');

			try {
				Booking_Slots::check($this->proposal('10:10'), array('duration' => 60), null);
				$this->fail('10:10 is not on the 30-minute grid');
			} catch (Conflict_Error $e) {
				$this->assertSame('slot_unavailable', $e->error_code());
				$this->assertSame(array('reason' => 'not_on_grid', 'interval' => 30), $e->details());
			}
			// A booking without its own duration takes the service's.
			$proposal = $this->proposal('16:00');
			unset($proposal['duration']);
			Booking_Slots::check($proposal, array('duration' => 60), null);
			$this->expectException(Conflict_Error::class);
			Booking_Slots::check($proposal, array('duration' => 90), null);
		}
	}
}
