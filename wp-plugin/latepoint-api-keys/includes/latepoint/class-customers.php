<?php
/**
 * The customer data layer over LatePoint's customers table: read, list
 * (search by name, email, phone), create, update, delete. Emails are unique
 * (Conflict_Error email_taken); a customer with bookings cannot be deleted
 * (Conflict_Error customer_has_bookings), since LatePoint's own delete would
 * cascade to them. Knows nothing of REST.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Conflict_Error;
use LatePointApi\Support\Storage_Error;
use LatePointApi\Support\Dates;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Paged_Query;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Customers.
 */
final class Customers {

	const FIELDS = array( 'first_name', 'last_name', 'email', 'phone', 'notes', 'admin_notes', 'status', 'is_guest' );


	public static function row( int $id ): array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . Tables::name( 'customers' ) . ' WHERE id = %d', $id ), ARRAY_A );
		if ( ! $row ) {
			throw new Not_Found_Error( __( 'No customer with this id.', 'latepoint-api-keys' ) );
		}
		return $row;
	}

	/** The API representation (never password, activation key or nonce). */
	public static function present( array $row ): array {
		return array(
			'id'                => (int) $row['id'],
			'first_name'        => (string) $row['first_name'],
			'last_name'         => (string) $row['last_name'],
			'full_name'         => trim( $row['first_name'] . ' ' . $row['last_name'] ),
			'email'             => $row['email'],
			'phone'             => (string) $row['phone'],
			'status'            => $row['status'],
			'is_guest'          => (bool) $row['is_guest'],
			'wordpress_user_id' => $row['wordpress_user_id'] ? (int) $row['wordpress_user_id'] : null,
			'notes'             => (string) $row['notes'],
			'admin_notes'       => (string) $row['admin_notes'],
			'created_at'        => Dates::iso_local( $row['created_at'] ),
			'updated_at'        => Dates::iso_local( $row['updated_at'] ),
		);
	}

	/** @return array{items: array[], total: int} newest first */
	public static function query( array $filters, int $offset, int $limit, ?int $before_id ): array {
		global $wpdb;
		$table   = Tables::name( 'customers' );
		$clauses = array();
		$args    = array();
		if ( isset( $filters['search'] ) ) {
			$like      = '%' . $wpdb->esc_like( $filters['search'] ) . '%';
			$clauses[] = "(first_name LIKE %s OR last_name LIKE %s OR CONCAT(first_name, ' ', last_name) LIKE %s OR email LIKE %s OR phone LIKE %s)";
			array_push( $args, $like, $like, $like, $like, $like );
		}
		if ( isset( $filters['status'] ) ) {
			$clauses[] = 'status = %s';
			$args[]    = $filters['status'];
		}
		$where = $clauses ? ' WHERE ' . implode( ' AND ', $clauses ) : '';
		$page  = Paged_Query::newest_first( $table, $where, $args, $offset, $limit, $before_id );
		return array(
			'items' => array_map( array( self::class, 'present' ), $page['rows'] ),
			'total' => $page['total'],
		);
	}

	/** Throws 409 email_taken when another customer has the email (locks the email's index range). */
	private static function assert_email_free( string $email, ?int $except ): void {
		global $wpdb;
		$other = $wpdb->get_var( $wpdb->prepare( 'SELECT id FROM ' . Tables::name( 'customers' ) . ' WHERE email = %s AND id <> %d LIMIT 1 FOR UPDATE', $email, (int) $except ) );
		if ( null !== $other ) {
			throw new Conflict_Error( 'email_taken', __( 'Another customer already has this email.', 'latepoint-api-keys' ), array( 'field' => 'email' ) );
		}
	}

	/** Checks and normalises the writable fields. */
	private static function clean( array $input, bool $creating ): array {
		$row    = array();
		$errors = array();
		if ( array_key_exists( 'email', $input ) || $creating ) {
			$email = trim( (string) ( $input['email'] ?? '' ) );
			if ( '' === $email || ! is_email( $email ) || strlen( $email ) > 110 ) {
				$errors['email'] = __( 'A valid email address is required.', 'latepoint-api-keys' );
			}
			$row['email'] = $email;
		}
		foreach ( array( 'first_name', 'last_name', 'phone', 'status' ) as $field ) {
			if ( array_key_exists( $field, $input ) ) {
				$row[ $field ] = sanitize_text_field( (string) $input[ $field ] );
			}
		}
		foreach ( array( 'notes', 'admin_notes' ) as $field ) {
			if ( array_key_exists( $field, $input ) ) {
				$row[ $field ] = sanitize_textarea_field( (string) $input[ $field ] );
			}
		}
		if ( array_key_exists( 'is_guest', $input ) ) {
			$row['is_guest'] = rest_sanitize_boolean( $input['is_guest'] ) ? 1 : 0;
		}
		if ( array_key_exists( 'status', $row ) && '' === $row['status'] ) {
			$errors['status'] = __( 'Must not be empty.', 'latepoint-api-keys' );
		}
		if ( $errors ) {
			throw new Validation_Error( $errors );
		}
		return $row;
	}

	/**
	 * Creates a customer through LatePoint's model (which fills its password
	 * hash, activation key and account nonce) and fires
	 * latepoint_customer_created, as LatePoint's admin does.
	 */
	public static function create( array $input ): array {
		Models::require_active();
		$row       = self::clean( $input, true );
		$id        = Api_Author::during(
			static fn () => Tables::transaction(
				static function () use ( $row ) {
					self::assert_email_free( $row['email'], null );
					$customer = self::model( new \OsCustomerModel(), $row );
					Models::save_valid( $customer, 'customer' );
					do_action( 'latepoint_customer_created', $customer );
					return (int) $customer->id;
				}
			)
		);
		$presented = self::present( self::row( $id ) );
		/**
		 * A customer was created through the API (after the transaction committed).
		 *
		 * @param array $customer The customer as the API presents it.
		 */
		do_action( 'lpapi_customer_created', $presented );
		return $presented;
	}

	/** Changes a customer through LatePoint's model; fires latepoint_customer_updated( customer, old data ). */
	public static function update( int $id, array $input ): array {
		Models::require_active();
		$old = self::row( $id );
		$row = self::clean( $input, false );
		Api_Author::during(
			static fn () => Tables::transaction(
				static function () use ( $id, $row ) {
					if ( isset( $row['email'] ) ) {
						self::assert_email_free( $row['email'], $id );
					}
					$customer = new \OsCustomerModel( $id );
					$old_data = $customer->get_data_vars();
					self::model( $customer, $row );
					Models::save_valid( $customer, 'customer' );
					do_action( 'latepoint_customer_updated', $customer, $old_data );
				}
			)
		);
		$presented = self::present( self::row( $id ) );
		/**
		 * A customer was changed through the API (after the transaction committed).
		 *
		 * @param array $customer     The customer now.
		 * @param array $old_customer As it was before.
		 */
		do_action( 'lpapi_customer_updated', $presented, self::present( $old ) );
		return $presented;
	}

	/**
	 * Deletes a customer without bookings or orders (409 otherwise: LatePoint's
	 * own delete would take them along) through LatePoint's model, which also
	 * removes the customer's meta. LatePoint's admin fires no hook for it.
	 */
	public static function delete( int $id ): array {
		Models::require_active();
		$old = self::row( $id );
		Api_Author::during(
			static fn () => Tables::transaction(
				static function () use ( $id ) {
					global $wpdb;
					$bookings = (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . Tables::name( 'bookings' ) . ' WHERE customer_id = %d FOR UPDATE', $id ) );
					$orders   = (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . Tables::name( 'orders' ) . ' WHERE customer_id = %d', $id ) );
					if ( $bookings > 0 || $orders > 0 ) {
						throw new Conflict_Error( 'customer_has_bookings', __( 'This customer has bookings; delete or move them first.', 'latepoint-api-keys' ), array( 'bookings' => $bookings, 'orders' => $orders ) );
					}
					if ( ! ( new \OsCustomerModel( $id ) )->delete() ) {
						throw new Storage_Error( 'LatePoint could not delete the customer.' );
					}
				}
			)
		);
		$presented = self::present( $old );
		/**
		 * A customer was deleted through the API (after the transaction committed).
		 *
		 * @param array $customer The customer as it was.
		 */
		do_action( 'lpapi_customer_deleted', $presented );
		return $presented;
	}

	/** Sets the API's fields on LatePoint's model (status is not among its settable params: set directly). */
	private static function model( \OsCustomerModel $customer, array $row ): \OsCustomerModel {
		// LatePoint's customer form always posts its avatar field (empty when there is none, which LatePoint stores as 0).
		$customer->set_data( array_diff_key( $row, array( 'status' => true ) ) + array( 'avatar_image_id' => (string) ( $customer->avatar_image_id ?? '' ) ) );
		if ( isset( $row['status'] ) ) {
			$customer->status = $row['status'];
		}
		if ( isset( $row['is_guest'] ) ) {
			$customer->is_guest = (bool) $row['is_guest'];
		}
		return $customer;
	}
}
