<?php
/**
 * Every booking write through the API leaves what the same write through LatePoint's admin leaves
 * (support/AdminSide.php says which admin action is the baseline of each, and what it posts).
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class BookingWritesTest extends TestCase {

	public function testCreateBooking(): void {
		$spec = self::booking('ann', 'single', 'main', self::day(0), '10:00');
		$this->assertSameEffects(array(
			'admin' => array('create_booking', $spec),
			'api'   => array('POST', '/bookings', $spec),
		));
	}

	public function testCreateGroupBooking(): void {
		// Bob works 12:00-18:00 on Mondays; the group class runs every 45 minutes from there.
		$spec = self::booking('bob', 'group', 'annex', self::day(0), '12:45', 'gee');
		$this->assertSameEffects(array(
			'admin' => array('create_booking', $spec),
			'api'   => array('POST', '/bookings', $spec),
		));
	}

	public function testCreateBookingInBerlin(): void {
		$spec = self::booking('ann', 'single', 'main', self::day(1), '10:00');
		$this->assertSameEffects(array(
			'timezone' => 'Europe/Berlin',
			'admin'    => array('create_booking', $spec),
			'api'      => array('POST', '/bookings', $spec),
		));
	}

	public function testRescheduleBooking(): void {
		$this->assertSameEffects(array(
			'prepare' => array(array('create_booking', self::booking('ann', 'single', 'main', self::day(0), '10:00'))),
			'admin'   => array('update_booking', array('booking_id' => '{booking}', 'changes' => array('start_date' => self::day(1), 'start_time' => '14:30'))),
			'api'     => array('PATCH', '/bookings/{booking}', array('start_date' => self::day(1), 'start_time' => '14:30')),
		));
	}

	public function testMoveBookingToAnotherAgent(): void {
		$this->assertSameEffects(array(
			'prepare' => array(array('create_booking', self::booking('ann', 'single', 'main', self::day(1), '11:00'))),
			'admin'   => array('update_booking', array('booking_id' => '{booking}', 'changes' => array('agent_id' => self::id('agents', 'bob')))),
			'api'     => array('PATCH', '/bookings/{booking}', array('agent_id' => self::id('agents', 'bob'))),
		));
	}

	/** @return array<string, array{0: string, 1: string}> */
	public function statusChanges(): array {
		return array(
			'upcoming, to cancelled' => array('upcoming', 'cancelled'),
			'upcoming, to pending'   => array('upcoming', 'pending'),
			'past, to cancelled'     => array('past', 'cancelled'),
			'past, to completed'     => array('past', 'completed'),
			'past, to no_show'       => array('past', 'no_show'),
		);
	}

	/** @dataProvider statusChanges */
	public function testChangeStatus(string $when, string $status): void {
		$date = 'past' === $when ? self::past() : self::day(0);
		$this->assertSameEffects(array(
			'prepare' => array(array('create_booking', self::booking('ann', 'single', 'main', $date, '10:00'))),
			'admin'   => array('update_booking', array('booking_id' => '{booking}', 'changes' => array('status' => $status))),
			'api'     => array('PATCH', '/bookings/{booking}', array('status' => $status)),
		));
	}

	public function testDeleteBooking(): void {
		$this->assertSameEffects(array(
			'prepare' => array(array('create_booking', self::booking('ann', 'single', 'main', self::day(0), '10:00'))),
			'admin'   => array('delete_booking', array('booking_id' => '{booking}')),
			'api'     => array('DELETE', '/bookings/{booking}'),
		));
	}
}
