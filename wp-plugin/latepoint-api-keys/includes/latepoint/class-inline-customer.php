<?php
/**
 * The new customer of a booking create (`customer: {first_name, last_name,
 * email, phone}`), made as LatePoint's order form makes a new customer:
 * through OsCustomerModel (LatePoint's validation inside save()), then
 * latepoint_customer_created( customer ) in place of customer_updated. When
 * a customer already has the email, the booking takes that customer and
 * nothing of it changes.
 *
 * LatePoint's customers.email is not unique, so parallel creates with one new
 * email are serialised by a named database lock on the email (taken before
 * the write's transaction, released after its commit): the second sees the
 * first one's customer. Knows nothing of REST.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Storage_Error;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Inline customer.
 */
final class Inline_Customer {

	const FIELDS = array( 'first_name', 'last_name', 'email', 'phone' );

	/** Seconds a create waits for another one with the same email. */
	const LOCK_WAIT = 10;

	/**
	 * The checked fields; a 422 names each bad one as customer.<field>.
	 *
	 * @param mixed $input the body's `customer`.
	 * @return array{first_name?: string, last_name?: string, email: string, phone?: string}
	 */
	public static function clean( $input ): array {
		if ( ! is_array( $input ) || ( array() !== $input && array_keys( $input ) === range( 0, count( $input ) - 1 ) ) ) {
			throw new Validation_Error( array( 'customer' => __( 'Must be an object with first_name, last_name, email and phone.', 'latepoint-api-keys' ) ) );
		}
		$errors = array();
		foreach ( array_diff( array_map( 'strval', array_keys( $input ) ), self::FIELDS ) as $unknown ) {
			$errors[ 'customer.' . substr( $unknown, 0, 100 ) ] = __( 'Unknown field.', 'latepoint-api-keys' );
		}
		$row = array();
		foreach ( self::FIELDS as $field ) {
			if ( ! array_key_exists( $field, $input ) || null === $input[ $field ] ) {
				continue;
			}
			if ( ! is_string( $input[ $field ] ) ) {
				$errors[ 'customer.' . $field ] = __( 'Must be a string.', 'latepoint-api-keys' );
				continue;
			}
			$row[ $field ] = trim( sanitize_text_field( $input[ $field ] ) );
		}
		$email = $row['email'] ?? '';
		if ( ! isset( $errors['customer.email'] ) && ( '' === $email || strlen( $email ) > 110 || ! is_email( $email ) ) ) {
			$errors['customer.email'] = __( 'A valid email address is required.', 'latepoint-api-keys' );
		}
		foreach ( array( 'first_name', 'last_name' ) as $field ) {
			if ( isset( $row[ $field ] ) && strlen( $row[ $field ] ) > 255 ) {
				$errors[ 'customer.' . $field ] = __( 'At most 255 characters.', 'latepoint-api-keys' );
			}
		}
		if ( isset( $row['phone'] ) && ( strlen( $row['phone'] ) > 50 || ! preg_match( '/^[0-9+().\/\- ]*$/', $row['phone'] ) ) ) {
			$errors['customer.phone'] = __( 'At most 50 characters of digits, spaces and + ( ) . / -.', 'latepoint-api-keys' );
		}
		if ( $errors ) {
			throw new Validation_Error( $errors );
		}
		return $row;
	}

	/**
	 * Runs $work holding the email's lock (503 when another write keeps it
	 * longer than LOCK_WAIT seconds).
	 *
	 * @return mixed what $work returns
	 */
	public static function locked( string $email, callable $work ) {
		global $wpdb;
		$name = 'lpapi_customer_' . md5( $wpdb->prefix . '|' . strtolower( $email ) );
		if ( '1' !== (string) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, %d)', $name, self::LOCK_WAIT ) ) ) {
			throw new Storage_Error( 'The customer email lock was not granted.' );
		}
		try {
			return $work();
		} finally {
			$wpdb->get_var( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $name ) );
		}
	}

	/** The id of the first customer with this email, or null. */
	public static function existing( string $email ): ?int {
		global $wpdb;
		$id = $wpdb->get_var( $wpdb->prepare( 'SELECT id FROM ' . Tables::name( 'customers' ) . ' WHERE email = %s ORDER BY id ASC LIMIT 1', $email ) );
		return null === $id ? null : (int) $id;
	}

	/**
	 * Makes the customer as LatePoint's order form makes a new one: the model,
	 * its validation inside save() (422 under `customer`), then
	 * latepoint_customer_created.
	 */
	public static function create( array $row ): int {
		$customer = new \OsCustomerModel();
		// The order form's customer fields, posted empty when not filled in (it has no avatar field).
		$customer->set_data( $row + array_fill_keys( array( 'first_name', 'last_name', 'email', 'phone', 'notes', 'admin_notes' ), '' ) );
		Models::save_valid( $customer, 'customer' );
		do_action( 'latepoint_customer_created', $customer );
		return (int) $customer->id;
	}
}
