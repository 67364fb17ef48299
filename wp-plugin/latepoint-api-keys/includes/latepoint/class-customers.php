<?php
/**
 * The customer data layer over LatePoint's customers table: read, list
 * (search by name, email, phone), create, update, delete. Emails are unique
 * (Conflict_Error email_taken); a customer with bookings cannot be deleted
 * (Conflict_Error customer_has_bookings), since LatePoint's own delete would
 * cascade to them. A customer comes with its custom fields (Customer_Fields)
 * and stats (Customer_Stats). Lists are newest first, or, with updated_since,
 * by (updated_at, id) ascending with a cursor naming both. Knows nothing of
 * REST.
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

	const FIELDS = array( 'first_name', 'last_name', 'email', 'phone', 'notes', 'admin_notes', 'status', 'is_guest', 'custom_fields' );


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

	/**
	 * Customers as the API returns them: present() plus custom_fields and stats.
	 *
	 * @param array[] $rows customers rows
	 * @return array[]
	 */
	public static function present_all( array $rows ): array {
		$ids    = array_map( static fn ( $row ) => (int) $row['id'], $rows );
		$fields = Customer_Fields::values( $ids );
		$stats  = Customer_Stats::of( $ids );
		$out    = array();
		foreach ( $rows as $row ) {
			$id    = (int) $row['id'];
			$out[] = self::present( $row ) + array(
				'custom_fields' => (object) ( $fields[ $id ] ?? array() ),
				'stats'         => $stats[ $id ] ?? null,
			);
		}
		return $out;
	}

	/** The customer with this id, as the API returns it (404 when there is none). */
	public static function get( int $id ): array {
		return self::present_all( array( self::row( $id ) ) )[0];
	}

	/** @return array{items: array[], total: int} newest first */
	public static function query( array $filters, int $offset, int $limit, ?int $before_id ): array {
		list( $where, $args ) = self::where( $filters );
		$page                 = Paged_Query::newest_first( Tables::name( 'customers' ), $where, $args, $offset, $limit, $before_id );
		return array(
			'items' => self::present_all( $page['rows'] ),
			'total' => $page['total'],
		);
	}

	/**
	 * Customers changed since $filters['updated_since'] (site-local "Y-m-d H:i:s", included), by
	 * (updated_at, id) ascending; $after is the (updated_at, id) of the last row of the previous page.
	 *
	 * @param ?array{0: string, 1: int} $after
	 * @return array{items: array[], total: int}
	 */
	public static function changed_since( array $filters, int $offset, int $limit, ?array $after ): array {
		global $wpdb;
		$table                = Tables::name( 'customers' );
		list( $where, $args ) = self::where( $filters );
		$count                = "SELECT COUNT(*) FROM {$table}{$where}";
		$total                = (int) $wpdb->get_var( $wpdb->prepare( $count, $args ) ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- literal SQL over Tables::name() with the placeholders of where().
		if ( null !== $after ) {
			$where .= ' AND (updated_at > %s OR (updated_at = %s AND id > %d))';
			array_push( $args, $after[0], $after[0], $after[1] );
			$offset = 0;
		}
		array_push( $args, $limit, $offset );
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table}{$where} ORDER BY updated_at ASC, id ASC LIMIT %d OFFSET %d", $args ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.InterpolatedVariable -- $table is Tables::name() and $where holds only placeholders.
		return array(
			'items' => self::present_all( $rows ?: array() ),
			'total' => $total,
		);
	}

	/**
	 * An updated_since value as LatePoint stores updated_at (site-local "Y-m-d H:i:s"), or null when it
	 * is not an ISO 8601 date or date-time (with Z or an offset, or site-local without).
	 */
	public static function parse_since( $value ): ?string {
		if ( ! is_string( $value ) || ! preg_match( '/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/', $value ) || ! Dates::is_date( substr( $value, 0, 10 ) ) ) {
			return null;
		}
		try {
			$when = new \DateTimeImmutable( $value, wp_timezone() );
		} catch ( \Exception $e ) {
			return null;
		}
		$errors = \DateTimeImmutable::getLastErrors();
		if ( $errors && ( $errors['warning_count'] || $errors['error_count'] ) ) {
			return null;
		}
		return $when->setTimezone( wp_timezone() )->format( 'Y-m-d H:i:s' );
	}

	/** @return array{0: string, 1: array} the WHERE of a list and its placeholders' values */
	private static function where( array $filters ): array {
		global $wpdb;
		$clauses = array();
		$args    = array();
		if ( isset( $filters['updated_since'] ) ) {
			$clauses[] = 'updated_at >= %s';
			$args[]    = (string) self::parse_since( $filters['updated_since'] );
		}
		if ( isset( $filters['search'] ) ) {
			$like      = '%' . $wpdb->esc_like( $filters['search'] ) . '%';
			$clauses[] = "(first_name LIKE %s OR last_name LIKE %s OR CONCAT(first_name, ' ', last_name) LIKE %s OR email LIKE %s OR phone LIKE %s)";
			array_push( $args, $like, $like, $like, $like, $like );
		}
		if ( isset( $filters['status'] ) ) {
			$clauses[] = 'status = %s';
			$args[]    = $filters['status'];
		}
		return array( $clauses ? ' WHERE ' . implode( ' AND ', $clauses ) : '', $args );
	}

	/** Throws 409 email_taken when another customer has the email. */
	private static function assert_email_free( string $email, ?int $except ): void {
		global $wpdb;
		// The caller holds the email's lock (Inline_Customer::locked) until its transaction has committed,
		// so a plain read is exact. A locking read (FOR UPDATE) would take a gap lock, and two creates of
		// different emails in one gap then deadlock on their INSERTs.
		$other = $wpdb->get_var( $wpdb->prepare( 'SELECT id FROM ' . Tables::name( 'customers' ) . ' WHERE email = %s AND id <> %d LIMIT 1', $email, (int) $except ) );
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
		if ( array_key_exists( 'custom_fields', $input ) ) {
			try {
				$row['custom_fields'] = Customer_Fields::clean( $input['custom_fields'] );
			} catch ( Validation_Error $e ) {
				$errors += $e->fields();
			}
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
		$id        = Inline_Customer::locked(
			$row['email'],
			static fn () => Api_Author::during(
				static fn () => Tables::transaction(
					static function () use ( $row ) {
						self::assert_email_free( $row['email'], null );
						$customer = self::model( new \OsCustomerModel(), $row );
						Models::save_valid( $customer, 'customer' );
						Customer_Fields::save( $customer, $row['custom_fields'] ?? array() );
						do_action( 'latepoint_customer_created', $customer );
						return (int) $customer->id;
					}
				)
			)
		);
		$presented = self::get( $id );
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
		$old       = self::get( $id );
		$row       = self::clean( $input, false );
		$write     = static fn () => Api_Author::during(
			static fn () => Tables::transaction(
				static function () use ( $id, $row ) {
					if ( isset( $row['email'] ) ) {
						self::assert_email_free( $row['email'], $id );
					}
					$customer = new \OsCustomerModel( $id );
					$old_data = $customer->get_data_vars();
					self::model( $customer, $row );
					Models::save_valid( $customer, 'customer' );
					Customer_Fields::save( $customer, $row['custom_fields'] ?? array() );
					do_action( 'latepoint_customer_updated', $customer, $old_data );
				}
			)
		);
		isset( $row['email'] ) ? Inline_Customer::locked( $row['email'], $write ) : $write();
		$presented = self::get( $id );
		/**
		 * A customer was changed through the API (after the transaction committed).
		 *
		 * @param array $customer     The customer now.
		 * @param array $old_customer As it was before.
		 */
		do_action( 'lpapi_customer_updated', $presented, $old );
		return $presented;
	}

	/**
	 * Deletes a customer without bookings or orders (409 otherwise: LatePoint's
	 * own delete would take them along) through LatePoint's model, which also
	 * removes the customer's meta. LatePoint's admin fires no hook for it.
	 */
	public static function delete( int $id ): array {
		Models::require_active();
		$old = self::get( $id );
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
		$presented = $old;
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
		$customer->set_data( array_diff_key( $row, array( 'status' => true, 'custom_fields' => true ) ) + array( 'avatar_image_id' => (string) ( $customer->avatar_image_id ?? '' ) ) );
		if ( isset( $row['status'] ) ) {
			$customer->status = $row['status'];
		}
		if ( isset( $row['is_guest'] ) ) {
			$customer->is_guest = (bool) $row['is_guest'];
		}
		return $customer;
	}
}
