<?php
/**
 * The times of slots on the days a site's clock changes (docs/api.md, GET /availability: start_datetime
 * carries the offset of that moment, start_datetime_utc the same moment in UTC): on an ordinary day they
 * are computed by arithmetic, on a clock-change day by the time zone's rules; both must agree with PHP's
 * own DateTime.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\LatePoint\Availability;

final class AvailabilityClockTest extends LatePointTestCase {

	/** @var mixed the site's time zone before the test */
	private $timezone_before;

	protected function setUp(): void {
		parent::setUp();
		$this->timezone_before = get_option('timezone_string');
		update_option('timezone_string', 'Europe/Berlin');
	}

	protected function tearDown(): void {
		update_option('timezone_string', $this->timezone_before);
		parent::tearDown();
	}

	/** @return array<string, array{0: string}> */
	public function days(): array {
		return array(
			'summer time starts' => array('2031-03-30'),
			'summer time ends'   => array('2031-10-26'),
			'a winter day'       => array('2031-01-15'),
			'a summer day'       => array('2031-07-15'),
		);
	}

	/** @dataProvider days */
	public function test_every_slot_carries_the_offset_and_utc_of_its_moment(string $date): void {
		$slots = Availability::slots(self::$d['service'], $date, $date, self::$d['agent'])['slots'];
		$this->assertGreaterThan(20, count($slots), 'the agent works all day');
		$zone = new \DateTimeZone('Europe/Berlin');
		$seen = array();
		foreach ($slots as $slot) {
			$expected = new \DateTimeImmutable($date . ' ' . $slot['start_time'], $zone);
			$this->assertSame($expected->format('c'), $slot['start_datetime'], $slot['start_time']);
			$this->assertSame($expected->setTimezone(new \DateTimeZone('UTC'))->format('Y-m-d\TH:i:s\Z'), $slot['start_datetime_utc'], $slot['start_time']);
			$seen[] = $slot['start_datetime_utc'];
		}
		$sorted = $seen;
		sort($sorted);
		$this->assertSame($sorted, $seen, 'slots in the order of their moments');
	}
}
