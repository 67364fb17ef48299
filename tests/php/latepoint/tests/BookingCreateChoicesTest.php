<?php
/**
 * The create's choices against real LatePoint: a new customer inline leaves what LatePoint's admin
 * order form leaves when its new-customer part is filled in (the customer made by LatePoint's model,
 * latepoint_customer_created, then the booking and the order), and agent_id "any" books the agent
 * LatePoint's rule (its setting any_agent_order, OsBookingHelper::get_any_agent_for_booking_by_rule)
 * picks, leaving what the admin leaves when it books that agent.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class BookingCreateChoicesTest extends TestCase {

	const NEW_CUSTOMER = array('first_name' => 'Nia', 'last_name' => 'Newcomer', 'email' => 'nia.newcomer@example.com', 'phone' => '+1 555 0300');

	public function testCreateBookingWithANewCustomer(): void {
		$spec = self::booking('ann', 'single', 'main', self::day(0), '11:00');
		$api  = $spec;
		unset($api['customer_id']);
		$this->assertSameEffects(array(
			'admin' => array('create_booking', array('customer_id' => '', 'customer' => self::NEW_CUSTOMER) + $spec),
			'api'   => array('POST', '/bookings', array('customer' => self::NEW_CUSTOMER) + $api),
		));
	}

	public function testCreateBookingWithTheEmailOfACustomer(): void {
		// An existing customer's email: the booking is that customer's, saved unchanged as the form
		// saves the order's customer.
		$spec = self::booking('ann', 'single', 'main', self::day(0), '11:00', 'dee');
		$api  = $spec;
		unset($api['customer_id']);
		$this->assertSameEffects(array(
			'admin' => array('create_booking', $spec),
			'api'   => array('POST', '/bookings', array('customer' => array('email' => 'dee.customer@example.com', 'first_name' => 'Not', 'last_name' => 'Used')) + $api),
		));
	}

	/** @return array<string, array{0: string, 1: string}> the rule, and the agent it picks */
	public function anyAgentRules(): array {
		// Ann has a booking that Monday (09:00), Bob none; both are free at 14:00 at the main location.
		return array(
			'busy_low: the agent with the fewest bookings that day' => array('busy_low', 'bob'),
			'busy_high: the agent with the most bookings that day'  => array('busy_high', 'ann'),
		);
	}

	/** @dataProvider anyAgentRules */
	public function testCreateBookingForAnyAgent(string $rule, string $agent): void {
		$prepare = array(array('create_booking', self::booking('ann', 'single', 'main', self::day(0), '09:00', 'gee')));
		$spec    = self::booking($agent, 'single', 'main', self::day(0), '14:00');
		$this->assertSameEffects(array(
			'settings' => array('any_agent_order' => $rule),
			'prepare'  => $prepare,
			'admin'    => array('create_booking', $spec),
			'api'      => array('POST', '/bookings', array('agent_id' => 'any') + $spec),
		));
	}
}
