<?php
/**
 * Where webhook events come from: LatePoint's own hooks, so a write is seen
 * wherever it was made (this API, LatePoint's admin, its booking form, its
 * customer cabinet), and the daily check for keys about to expire.
 *
 *  - booking.created         latepoint_booking_created ($booking)
 *  - booking.updated         latepoint_booking_updated ($booking, $old_booking)
 *  - booking.status_changed  the same hook, when the status differs from the
 *                            old booking's (payload field previous_status);
 *                            latepoint_booking_change_status is not used, as
 *                            only some of LatePoint's paths fire it
 *  - booking.deleted         latepoint_booking_will_be_deleted ($id) keeps the
 *                            booking as it was; latepoint_model_deleted (an
 *                            OsBookingModel) or latepoint_booking_deleted
 *                            queues it once the row is gone
 *  - customer.created        latepoint_customer_created ($customer)
 *  - customer.updated        latepoint_customer_updated ($customer, $old)
 *  - customer.deleted        latepoint_model_deleted (an OsCustomerModel): the
 *                            customer as the model still holds it
 *  - order.created           latepoint_order_created ($order)
 *  - transaction.created     latepoint_transaction_created ($transaction)
 *  - key.expiring            daily: an active key that expires within 7 days,
 *                            once per key and expiry date
 *
 * `data` is what the API's GET of the object returns (Bookings::present(),
 * Customers::get(), Orders::one(), Key_Service::get(); a transaction as in
 * its order's `transactions`, with order_id). A listener never breaks the
 * write that fired it: what it cannot read or queue is skipped.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Webhooks;

use LatePointApi\Keys\Key_Service;
use LatePointApi\LatePoint\Bookings;
use LatePointApi\LatePoint\Customer_Fields;
use LatePointApi\LatePoint\Customers;
use LatePointApi\LatePoint\Orders;
use LatePointApi\LatePoint\Tables;
use LatePointApi\Support\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * LatePoint hook listeners.
 */
final class Events {

	const EXPIRING_WITHIN = 7 * DAY_IN_SECONDS;

	/** @var array<int, array> Bookings about to be deleted, as they were (by id). */
	private static $deleting = array();

	public static function register(): void {
		add_action( 'latepoint_booking_created', array( self::class, 'booking_created' ), 20, 1 );
		add_action( 'latepoint_booking_updated', array( self::class, 'booking_updated' ), 20, 2 );
		add_action( 'latepoint_booking_will_be_deleted', array( self::class, 'booking_will_be_deleted' ), 20, 1 );
		add_action( 'latepoint_booking_deleted', array( self::class, 'booking_deleted' ), 20, 1 );
		add_action( 'latepoint_model_deleted', array( self::class, 'model_deleted' ), 20, 2 );
		add_action( 'latepoint_customer_created', array( self::class, 'customer_created' ), 20, 1 );
		add_action( 'latepoint_customer_updated', array( self::class, 'customer_updated' ), 20, 1 );
		add_action( 'latepoint_order_created', array( self::class, 'order_created' ), 20, 1 );
		add_action( 'latepoint_transaction_created', array( self::class, 'transaction_created' ), 20, 1 );
	}

	/** @param object $booking OsBookingModel */
	public static function booking_created( $booking ): void {
		self::safely( static fn () => self::booking( 'booking.created', self::id_of( $booking ) ) );
	}

	/**
	 * @param object $booking     OsBookingModel
	 * @param object $old_booking OsBookingModel as it was
	 */
	public static function booking_updated( $booking, $old_booking = null ): void {
		$id = self::id_of( $booking );
		self::safely( static fn () => self::booking( 'booking.updated', $id ) );
		$old = is_object( $old_booking ) && isset( $old_booking->status ) ? (string) $old_booking->status : null;
		$new = is_object( $booking ) && isset( $booking->status ) ? (string) $booking->status : null;
		if ( null !== $old && null !== $new && $old !== $new ) {
			self::safely( static fn () => self::booking( 'booking.status_changed', $id, array( 'previous_status' => $old ) ) );
		}
	}

	/** @param mixed $id */
	public static function booking_will_be_deleted( $id ): void {
		$id = (int) $id;
		if ( $id <= 0 || ! Outbox::subscribers( 'booking.deleted' ) ) {
			return;
		}
		self::safely(
			static function () use ( $id ) {
				self::$deleting[ $id ] = Bookings::present( Bookings::row( $id ) );
			}
		);
	}

	/** @param mixed $id */
	public static function booking_deleted( $id ): void {
		self::booking_gone( (int) $id, null );
	}

	/**
	 * @param object $model An OsModel that was deleted.
	 * @param mixed  $id    Its id.
	 */
	public static function model_deleted( $model, $id ): void {
		if ( $model instanceof \OsBookingModel ) {
			self::booking_gone( (int) $id, $model );
		} elseif ( $model instanceof \OsCustomerModel ) {
			self::safely(
				static function () use ( $model, $id ) {
					$id  = (int) $id;
					$row = self::row_of( $model, self::blank_customer() ) + array( 'id' => $id );
					Outbox::add(
						'customer.deleted',
						$id,
						Customers::present( $row ) + array(
							'custom_fields' => (object) ( Customer_Fields::values( array( $id ) )[ $id ] ?? array() ),
							'stats'         => null,
						)
					);
				}
			);
		}
	}

	/** @param object $customer OsCustomerModel */
	public static function customer_created( $customer ): void {
		$id = self::id_of( $customer );
		self::safely( static fn () => Outbox::subscribers( 'customer.created' ) ? Outbox::add( 'customer.created', $id, Customers::get( $id ) ) : null );
	}

	/** @param object $customer OsCustomerModel (LatePoint also passes the old data, unused: data is the customer now) */
	public static function customer_updated( $customer ): void {
		$id = self::id_of( $customer );
		self::safely( static fn () => Outbox::subscribers( 'customer.updated' ) ? Outbox::add( 'customer.updated', $id, Customers::get( $id ) ) : null );
	}

	/** @param object $order OsOrderModel */
	public static function order_created( $order ): void {
		$id = self::id_of( $order );
		self::safely( static fn () => Outbox::subscribers( 'order.created' ) ? Outbox::add( 'order.created', $id, Orders::one( $id ) ) : null );
	}

	/** @param object $transaction OsTransactionModel */
	public static function transaction_created( $transaction ): void {
		$id = self::id_of( $transaction );
		self::safely( static fn () => Outbox::subscribers( 'transaction.created' ) ? Outbox::add( 'transaction.created', $id, Orders::transaction( $id ) ) : null );
	}

	/**
	 * Daily: key.expiring for every active key that expires within 7 days,
	 * once per key and expiry date (a key given a new expiry is told again).
	 *
	 * @return int events queued
	 */
	public static function keys_expiring(): int {
		if ( ! Outbox::subscribers( 'key.expiring' ) ) {
			return 0;
		}
		global $wpdb;
		$now    = time();
		$rows   = $wpdb->get_results(
			$wpdb->prepare(
				'SELECT id, expires_at FROM ' . Schema::keys() . ' WHERE status = %s AND expires_at IS NOT NULL AND expires_at > %s AND expires_at <= %s',
				'active',
				gmdate( 'Y-m-d H:i:s', $now ),
				gmdate( 'Y-m-d H:i:s', $now + self::EXPIRING_WITHIN )
			),
			ARRAY_A
		);
		$queued = 0;
		foreach ( (array) $rows as $row ) {
			$id   = (int) $row['id'];
			$data = Key_Service::get( $id );
			if ( null !== Outbox::add( 'key.expiring', $id, $data, array(), 'key.expiring:' . $id . ':' . $row['expires_at'] ) ) {
				++$queued;
			}
		}
		return $queued;
	}

	/** Forgets bookings kept for their deletion (tests). */
	public static function forget(): void {
		self::$deleting = array();
	}

	private static function booking( string $type, int $id, array $extra = array() ): void {
		if ( $id > 0 && Outbox::subscribers( $type ) ) {
			Outbox::add( $type, $id, Bookings::present( Bookings::row( $id ) ), $extra );
		}
	}

	/** booking.deleted, with the booking as it was before (or as the model held it). */
	private static function booking_gone( int $id, ?object $model ): void {
		if ( $id <= 0 || ! Outbox::subscribers( 'booking.deleted' ) ) {
			return;
		}
		self::safely(
			static function () use ( $id, $model ) {
				global $wpdb;
				// Still there: the delete failed (or is yet to happen); the later hook queues it.
				if ( Tables::exist() && $wpdb->get_var( $wpdb->prepare( 'SELECT id FROM ' . Tables::name( 'bookings' ) . ' WHERE id = %d', $id ) ) ) {
					return;
				}
				$data = self::$deleting[ $id ] ?? ( null !== $model ? Bookings::present( self::row_of( $model, self::blank_booking() ) + array( 'id' => $id ) ) : null );
				if ( null !== $data ) {
					Outbox::add( 'booking.deleted', $id, $data );
				}
			}
		);
	}

	/** A model's column values over a row of nulls with the keys present() reads. */
	private static function row_of( object $model, array $blank ): array {
		$row = $blank;
		foreach ( array_keys( $blank ) as $column ) {
			if ( isset( $model->$column ) && is_scalar( $model->$column ) ) {
				$row[ $column ] = $model->$column;
			}
		}
		return $row;
	}

	private static function blank_booking(): array {
		return array_fill_keys( array( 'id', 'booking_code', 'confirmation_code', 'status', 'customer_id', 'service_id', 'agent_id', 'location_id', 'order_id', 'order_item_id', 'start_date', 'start_time', 'end_date', 'end_time', 'start_datetime_utc', 'end_datetime_utc', 'duration', 'buffer_before', 'buffer_after', 'total_attendees', 'payment_status', 'customer_comment', 'item_subtotal', 'item_total', 'created_at', 'updated_at' ), null );
	}

	private static function blank_customer(): array {
		return array_fill_keys( array( 'id', 'first_name', 'last_name', 'email', 'phone', 'status', 'is_guest', 'wordpress_user_id', 'notes', 'admin_notes', 'created_at', 'updated_at' ), null );
	}

	/** @param mixed $model */
	private static function id_of( $model ): int {
		return is_object( $model ) && isset( $model->id ) && is_numeric( $model->id ) ? (int) $model->id : 0;
	}

	/** Runs a listener; whatever it throws stays here (the write that fired the hook goes on). */
	private static function safely( callable $listener ): void {
		try {
			$listener();
		} catch ( \Throwable $e ) {
			return;
		}
	}
}
