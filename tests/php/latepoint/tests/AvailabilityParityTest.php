<?php
/**
 * GET /availability offers exactly the slots LatePoint's own engine offers (support/LatePointSlots.php),
 * slot by slot, with the same room left.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class AvailabilityParityTest extends TestCase {

	/** The whole fixture week: the general hours, Bob's own Monday, Ann's day off, the holiday, Ann's custom hours, Saturday, Sunday. */
	public function testSingleServiceWeekWithCustomDaysOff(): void {
		$slots = $this->assertSameSlots(array('service_id' => self::id('services', 'single'), 'date_from' => self::day(0), 'date_to' => self::day(6)));
		$days  = array_unique(array_column($slots, 'start_date'));
		$this->assertNotContains(self::day(3), $days, 'the holiday has no slots');
		$this->assertNotContains(self::day(6), $days, 'Sunday has no slots');
	}

	public function testSingleServiceAroundBookings(): void {
		$this->assertSameSlots(
			array('service_id' => self::id('services', 'single'), 'date_from' => self::day(0), 'date_to' => self::day(1)),
			array('prepare' => array(
				array('create_booking', self::booking('ann', 'single', 'main', self::day(0), '10:00')),
				// Another service of the same agent and location blocks her whole slot.
				array('create_booking', self::booking('ann', 'group', 'main', self::day(0), '13:30', 'gee')),
				array('create_booking', self::booking('bob', 'single', 'annex', self::day(1), '09:30', 'dee')),
			))
		);
	}

	public function testOneAgentAtOneLocation(): void {
		$this->assertSameSlots(array(
			'service_id'  => self::id('services', 'single'),
			'agent_id'    => self::id('agents', 'bob'),
			'location_id' => self::id('locations', 'annex'),
			'date_from'   => self::day(0),
			'date_to'     => self::day(4),
		));
	}

	/** @return array<string, array{0: int}> */
	public function attendees(): array {
		return array('1 attendee' => array(1), '2 attendees' => array(2), '3 attendees' => array(3));
	}

	/**
	 * The group class (capacity 3) with a 2-attendee booking: it uses 2 places of every slot its
	 * buffered time overlaps.
	 *
	 * @dataProvider attendees
	 */
	public function testGroupServiceWithATwoAttendeeBooking(int $attendees): void {
		$booking = self::booking('ann', 'group', 'main', self::day(0), '10:30', 'gee') + array('total_attendees' => 2);
		$this->assertSameSlots(
			array('service_id' => self::id('services', 'group'), 'date_from' => self::day(0), 'date_to' => self::day(1), 'attendees' => $attendees),
			array('prepare' => array(array('create_booking', $booking)))
		);
	}

	public function testEuropeBerlin(): void {
		$slots = $this->assertSameSlots(
			array('service_id' => self::id('services', 'single'), 'date_from' => self::day(0), 'date_to' => self::day(2)),
			array(
				'timezone' => 'Europe/Berlin',
				'prepare'  => array(array('create_booking', self::booking('bob', 'single', 'main', self::day(0), '15:00'))),
			)
		);
		$this->assertNotEmpty($slots);
		foreach ($slots as $slot) {
			$local = new \DateTimeImmutable($slot['start_date'] . ' ' . $slot['start_time'], new \DateTimeZone('Europe/Berlin'));
			$this->assertSame($local->setTimezone(new \DateTimeZone('UTC'))->format('Y-m-d\TH:i:s\Z'), $slot['start_datetime_utc'] ?? null, 'start_datetime_utc of ' . json_encode($slot));
			$this->assertSame($local->format('Y-m-d\TH:i:sP'), $slot['start_datetime'] ?? null, 'start_datetime of ' . json_encode($slot));
		}
	}

	/** LatePoint's latest possible booking ends the range by date. */
	public function testLatestPossibleBooking(): void {
		$today = new \DateTimeImmutable('today', new \DateTimeZone('UTC'));
		$days  = (int) $today->diff(new \DateTimeImmutable(self::day(2), new \DateTimeZone('UTC')))->format('%a');
		$this->assertSameSlots(
			array('service_id' => self::id('services', 'single'), 'date_from' => self::day(0), 'date_to' => self::day(5)),
			array('settings' => array('latest_possible_booking' => "+{$days} days"))
		);
	}
}
