<?php
/**
 * Booking writes, made the way LatePoint's own admin makes them: through its
 * models (OsOrderModel, OsOrderItemModel, OsBookingModel, OsCustomerModel),
 * with LatePoint's price calculation, firing the hooks its order form fires,
 * in their order and with their arguments. LatePoint's listeners then write
 * its activities, plan its process jobs and send its mails; the API writes no
 * activity of its own beyond the ones LatePoint's admin writes itself
 * (status change, deletion). Knows nothing of REST.
 *
 * Everything the API checks (ids, times, the free slot) and LatePoint's own
 * validation run before the first save: hooks and mails cannot be rolled
 * back. The rows are written in one transaction.
 *
 * Sequence of a create, as LatePoint's order form:
 *   customer saved, latepoint_customer_updated( customer, old data );
 *   order saved; order item saved; booking saved; order item saved with its
 *   item_data and prices; latepoint_booking_created( booking );
 *   latepoint_order_created( order ).
 * An update: customer as above; order saved; order item saved; booking saved;
 * order item re-priced; latepoint_booking_updated( booking, old booking );
 * when the status changed, latepoint_booking_change_status( booking, old ) and
 * LatePoint's status-change activity; latepoint_order_updated( order, old ).
 * A delete: latepoint_booking_will_be_deleted( id ); the booking with its meta
 * and process jobs (OsBookingModel::delete()); latepoint_booking_deleted( id );
 * LatePoint's booking_deleted activity; then its order item
 * (latepoint_order_item_will_be_deleted / _deleted), and its order when that
 * is left empty (OsOrderModel::delete()), else the order re-priced and
 * latepoint_order_updated.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Dates;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Writes of bookings.
 */
final class Booking_Writes {

	/** Creates order + order item + booking; returns the presented booking. */
	public static function create( array $input ): array {
		Models::require_active();
		$customer_row = self::referenced( 'customers', (int) $input['customer_id'], 'customer_id' );
		$service      = self::referenced( 'services', (int) $input['service_id'], 'service_id' );
		self::referenced( 'agents', (int) $input['agent_id'], 'agent_id' );
		if ( isset( $input['location_id'] ) ) {
			self::referenced( 'locations', (int) $input['location_id'], 'location_id' );
		}
		$status = (string) ( $input['status'] ?? '' );
		if ( '' === $status ) {
			$status = (string) \OsBookingHelper::get_default_booking_status( (int) $service['id'] );
		}
		$fields = array(
			'customer_id'     => (int) $customer_row['id'],
			'service_id'      => (int) $service['id'],
			'agent_id'        => (int) $input['agent_id'],
			'status'          => $status,
			'buffer_before'   => (int) $service['buffer_before'],
			'buffer_after'    => (int) $service['buffer_after'],
			'total_attendees' => (int) ( $input['total_attendees'] ?? 1 ),
		) + Booking_Slots::times( $input['start_date'], Dates::minutes( $input['start_time'] ), $service );

		$id        = Api_Author::during(
			static fn () => Tables::transaction(
				static function () use ( $fields, $service, $input ) {
					$fields['location_id'] = isset( $input['location_id'] ) ? (int) $input['location_id'] : Locations::default_id( (int) $fields['agent_id'], (int) $fields['service_id'] );
					Booking_Slots::check( $fields, $service, null );

					$booking = self::booking_model( new \OsBookingModel(), $fields );
					Models::validate( $booking, 'booking', array( 'order_item_id' ) );
					$order = new \OsOrderModel();
					$order->set_data(
						array(
							'customer_id'      => $fields['customer_id'],
							'customer_comment' => (string) ( $input['customer_comment'] ?? '' ),
						)
					);

					// As the order form: the customer is saved with the order.
					self::save_customer( $fields['customer_id'] );
					$item          = new \OsOrderItemModel();
					$item->variant = 'booking';
					self::price( $order, $item, $booking );
					Models::save( $order );
					$item->order_id  = $order->id;
					$item->item_data = null;
					Models::save( $item );
					$booking->order_item_id = $item->id;
					Models::save( $booking );
					$item->item_data = $booking->generate_item_data();
					$item->recalculate_prices();
					Models::save( $item );

					do_action( 'latepoint_booking_created', $booking );
					do_action( 'latepoint_order_created', $order );
					return (int) $booking->id;
				}
			)
		);
		$presented = Bookings::present( Bookings::row( $id ) );
		/**
		 * A booking was created through the API (after the transaction committed).
		 *
		 * @param array $booking The booking as the API presents it.
		 */
		do_action( 'lpapi_booking_created', $presented );
		return $presented;
	}

	/** Reschedules, reassigns, changes attendees or status; returns the presented booking. */
	public static function update( int $id, array $input ): array {
		Models::require_active();
		$old_row = Bookings::row( $id );
		$service = self::referenced( 'services', (int) $old_row['service_id'], 'service_id' );
		if ( isset( $input['agent_id'] ) ) {
			self::referenced( 'agents', (int) $input['agent_id'], 'agent_id' );
		}
		if ( isset( $input['location_id'] ) ) {
			self::referenced( 'locations', (int) $input['location_id'], 'location_id' );
		}
		$fields = array(
			'customer_id'     => (int) $old_row['customer_id'],
			'service_id'      => (int) $old_row['service_id'],
			'agent_id'        => (int) ( $input['agent_id'] ?? $old_row['agent_id'] ),
			'location_id'     => (int) ( $input['location_id'] ?? $old_row['location_id'] ),
			'status'          => (string) ( $input['status'] ?? $old_row['status'] ),
			'buffer_before'   => (int) $old_row['buffer_before'],
			'buffer_after'    => (int) $old_row['buffer_after'],
			'total_attendees' => (int) ( $input['total_attendees'] ?? ( $old_row['total_attendees'] ?? 1 ) ),
		);
		$moved  = isset( $input['start_date'] ) || isset( $input['start_time'] );
		if ( $moved ) {
			$date    = (string) ( $input['start_date'] ?? $old_row['start_date'] );
			$start   = isset( $input['start_time'] ) ? Dates::minutes( $input['start_time'] ) : (int) $old_row['start_time'];
			$fields += Booking_Slots::times( $date, $start, array( 'duration' => $old_row['duration'] ?: $service['duration'] ) );
		} else {
			foreach ( array( 'start_date', 'end_date', 'start_time', 'end_time', 'duration', 'start_datetime_utc', 'end_datetime_utc' ) as $column ) {
				$fields[ $column ] = $old_row[ $column ];
			}
		}
		// Only a change of when, who or how many needs a free slot; a status or note change does not.
		$needs_slot = $moved || $fields['agent_id'] !== (int) $old_row['agent_id'] || $fields['location_id'] !== (int) $old_row['location_id']
			|| $fields['total_attendees'] > (int) ( $old_row['total_attendees'] ?? 1 )
			|| ( ! in_array( $old_row['status'], Tables::blocking_statuses(), true ) && in_array( $fields['status'], Tables::blocking_statuses(), true ) );

		Api_Author::during(
			static fn () => Tables::transaction(
				static function () use ( $id, $fields, $service, $old_row, $needs_slot ) {
					if ( $needs_slot ) {
						Booking_Slots::check( $fields, $service, $id );
					}
					$booking     = new \OsBookingModel( $id );
					$old_booking = clone $booking;
					self::booking_model( $booking, $fields );
					Models::validate( $booking, 'booking' );
					$order     = new \OsOrderModel( (int) $old_row['order_id'] );
					$old_order = clone $order;
					$item      = new \OsOrderItemModel( (int) $old_row['order_item_id'] );

					self::save_customer( (int) $order->customer_id );
					$item->item_data = $booking->generate_item_data();
					self::price( $order, $item, $booking );
					Models::save( $order );
					Models::save( $item );
					Models::save( $booking );
					$item->recalculate_prices();
					Models::save( $item );

					do_action( 'latepoint_booking_updated', $booking, $old_booking );
					if ( $old_booking->status !== $booking->status ) {
						do_action( 'latepoint_booking_change_status', $booking, $old_booking );
						\OsActivitiesHelper::log_booking_change_status( $booking, $old_booking );
					}
					do_action( 'latepoint_order_updated', $order, $old_order );
				}
			)
		);
		$presented = Bookings::present( Bookings::row( $id ) );
		/**
		 * A booking was changed through the API (after the transaction committed).
		 *
		 * @param array $booking     The booking as the API presents it now.
		 * @param array $old_booking As it was before.
		 */
		do_action( 'lpapi_booking_updated', $presented, Bookings::present( $old_row ) );
		return $presented;
	}

	/** Deletes the booking, its order item, and its order when that is left empty; returns the deleted booking. */
	public static function delete( int $id ): array {
		Models::require_active();
		$row = Bookings::row( $id );
		Api_Author::during(
			static fn () => Tables::transaction(
				static function () use ( $id, $row ) {
					$booking = new \OsBookingModel( $id );
					do_action( 'latepoint_booking_will_be_deleted', $id );
					if ( ! $booking->delete() ) {
						throw new \LatePointApi\Support\Storage_Error( 'LatePoint could not delete the booking.' );
					}
					do_action( 'latepoint_booking_deleted', $id );
					\OsActivitiesHelper::log_booking_deleted( $booking );
					if ( ! $row['order_item_id'] ) {
						return;
					}
					$item_id = (int) $row['order_item_id'];
					do_action( 'latepoint_order_item_will_be_deleted', $item_id );
					( new \OsOrderItemModel( $item_id ) )->delete();
					do_action( 'latepoint_order_item_deleted', $item_id );
					if ( ! $row['order_id'] ) {
						return;
					}
					$order = new \OsOrderModel( (int) $row['order_id'] );
					if ( ! $order->get_items( true ) ) {
						$order->delete();
						return;
					}
					$old_order       = clone $order;
					$order->subtotal = $order->recalculate_subtotal();
					$order->total    = $order->recalculate_total();
					Models::save( $order );
					do_action( 'latepoint_order_updated', $order, $old_order );
				}
			)
		);
		$presented = Bookings::present( $row );
		/**
		 * A booking was deleted through the API (after the transaction committed).
		 *
		 * @param array $booking The booking as it was.
		 */
		do_action( 'lpapi_booking_deleted', $presented );
		return $presented;
	}

	/** A catalog row by id, or a 422 naming the field. */
	private static function referenced( string $table, int $id, string $field ): array {
		$row = Tables::find( $table, $id );
		if ( null === $row ) {
			/* translators: %s: field name */
			throw new Validation_Error( array( $field => sprintf( __( 'No %s with this id.', 'latepoint-api-keys' ), str_replace( '_id', '', $field ) ) ) );
		}
		return $row;
	}

	/** Sets the booking's fields as LatePoint's order form does: data, then its UTC times. */
	private static function booking_model( \OsBookingModel $booking, array $fields ): \OsBookingModel {
		$booking->set_data( array_diff_key( $fields, array_flip( array( 'start_datetime_utc', 'end_datetime_utc' ) ) ) );
		$booking->set_utc_datetimes();
		return $booking;
	}

	/** The order form saves the order's customer with every order: so does the API, unchanged. */
	private static function save_customer( int $customer_id ): void {
		$customer = new \OsCustomerModel( $customer_id );
		$old      = $customer->get_data_vars();
		Models::save( $customer );
		do_action( 'latepoint_customer_updated', $customer, $old );
	}

	/**
	 * LatePoint's prices: the order's subtotal and total from its cart of this
	 * item (LatePoint's price calculation, with its add-ons' filters), and the
	 * price breakdown its order form saves.
	 */
	private static function price( \OsOrderModel $order, \OsOrderItemModel $item, \OsBookingModel $booking ): void {
		$priced            = clone $item;
		$priced->item_data = $booking->generate_item_data();
		$items             = array( $priced );
		if ( ! $order->is_new_record() ) {
			// The order's other items keep their prices.
			foreach ( $order->get_items( true ) as $other ) {
				if ( (int) $other->id !== (int) $item->id ) {
					$items[] = $other;
				}
			}
		}
		$order->items    = $items;
		$order->subtotal = $order->recalculate_subtotal();
		$order->total    = $order->recalculate_total();
		$rows            = $order->generate_price_breakdown_rows( array( 'balance', 'payments' ), true );
		unset( $order->items );
		$order->price_breakdown = (string) wp_json_encode( \OsOrdersHelper::generate_price_breakdown_from_params( $rows ) );
	}
}
