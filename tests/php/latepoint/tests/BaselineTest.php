<?php
/**
 * The baseline against itself: the same admin write, run twice from the same fixture, leaves no
 * difference once normalised. So every difference the other tests report comes from the API, not from
 * run-to-run noise (random codes and keys, times, ids) the normalisation missed.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class BaselineTest extends TestCase {

	public function testCreateBookingTwice(): void {
		$this->assertSameEffects(array(
			'baseline_twice' => true,
			'admin'          => array('create_booking', self::booking('ann', 'single', 'main', self::day(0), '10:00')),
		));
	}

	public function testRescheduleAndCancelTwice(): void {
		$this->assertSameEffects(array(
			'baseline_twice' => true,
			'timezone'       => 'Europe/Berlin',
			'prepare'        => array(array('create_booking', self::booking('bob', 'group', 'annex', self::day(0), '12:45', 'gee'))),
			'admin'          => array('update_booking', array('booking_id' => '{booking}', 'changes' => array('start_date' => self::day(1), 'start_time' => '13:30', 'status' => 'cancelled'))),
		));
	}

	public function testDeleteBookingTwice(): void {
		$this->assertSameEffects(array(
			'baseline_twice' => true,
			'prepare'        => array(array('create_booking', self::booking('ann', 'single', 'main', self::day(0), '10:00'))),
			'admin'          => array('delete_booking', array('booking_id' => '{booking}')),
		));
	}

	public function testCreateCustomerTwice(): void {
		$this->assertSameEffects(array(
			'baseline_twice' => true,
			'admin'          => array('create_customer', array('fields' => array('first_name' => 'Eve', 'last_name' => 'Example', 'email' => 'eve.example@example.com', 'phone' => '', 'notes' => '', 'admin_notes' => ''))),
		));
	}
}
