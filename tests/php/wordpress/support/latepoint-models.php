<?php
/**
 * Stand-ins for LatePoint's model classes (LatePoint cannot be installed
 * here): like the real ones, they are constructed with a row id. With them
 * defined, the plugin fires LatePoint's own hooks, which the tests listen to.
 */

if ( ! class_exists( 'OsBookingModel' ) ) {
	class OsBookingModel {
		/** @var int|false */
		public $id;
		/** @var ?array the row as it was when the model was made */
		public $row;
		public function __construct( $id = false ) {
			global $wpdb;
			$this->id  = $id;
			$this->row = $id ? $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$wpdb->prefix}latepoint_bookings WHERE id = %d", $id ), ARRAY_A ) : null;
		}
	}
}
if ( ! class_exists( 'OsCustomerModel' ) ) {
	class OsCustomerModel {
		/** @var int|false */
		public $id;
		/** @var ?array */
		public $row;
		public function __construct( $id = false ) {
			global $wpdb;
			$this->id  = $id;
			$this->row = $id ? $wpdb->get_row( $wpdb->prepare( "SELECT * FROM {$wpdb->prefix}latepoint_customers WHERE id = %d", $id ), ARRAY_A ) : null;
		}
	}
}
