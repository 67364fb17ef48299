<?php
/**
 * Every customer write through the API leaves what the same write through LatePoint's customer form
 * (OsCustomersController create, update, destroy) leaves.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class CustomerWritesTest extends TestCase {

	public function testCreateCustomer(): void {
		$fields = array(
			'first_name'  => 'Eve',
			'last_name'   => 'Example',
			'email'       => 'eve.example@example.com',
			'phone'       => '+1 555 0300',
			'notes'       => 'Prefers mornings.',
			'admin_notes' => 'Met at the open day.',
		);
		$this->assertSameEffects(array(
			'admin' => array('create_customer', array('fields' => $fields)),
			'api'   => array('POST', '/customers', $fields),
		));
	}

	public function testUpdateCustomer(): void {
		$changes = array('first_name' => 'Cecilia', 'phone' => '+1 555 0299', 'admin_notes' => 'Moved to the yearly plan.');
		$this->assertSameEffects(array(
			'admin' => array('update_customer', array('customer_id' => self::id('customers', 'cee'), 'fields' => $changes)),
			'api'   => array('PATCH', '/customers/' . self::id('customers', 'cee'), $changes),
		));
	}

	public function testDeleteCustomer(): void {
		// Dee has never booked (the API refuses to delete a customer with bookings or orders).
		$this->assertSameEffects(array(
			'admin' => array('delete_customer', array('customer_id' => self::id('customers', 'dee'))),
			'api'   => array('DELETE', '/customers/' . self::id('customers', 'dee')),
		));
	}
}
