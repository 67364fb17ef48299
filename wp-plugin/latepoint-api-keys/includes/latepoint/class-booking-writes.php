<?php
/**
 * Booking writes, made the way LatePoint's own admin makes them: through its
 * models (OsOrderModel, OsOrderItemModel, OsBookingModel, OsCustomerModel),
 * with LatePoint's price calculation, firing the hooks its order form fires,
 * in their order and with their arguments. LatePoint's listeners then write
 * its activities, plan its process jobs and send its mails; the API writes no
 * activity of its own beyond the one LatePoint's admin writes itself (a
 * status change). Knows nothing of REST.
 *
 * The API's own checks (ids, times, the free slot) run before the first save,
 * and LatePoint's validation of the booking before the order is saved, where
 * LatePoint's form runs it: hooks and mails cannot be rolled back. The rows
 * are written in one transaction whose first lock is the agent's row
 * (Availability_Data::lock(): the slot check's for a create, taken up front
 * for a change or a delete), so writes for one agent take turns instead of
 * deadlocking on each other's booking and customer rows.
 *
 * Sequence of a create, as LatePoint's order form:
 *   customer saved, latepoint_customer_updated( customer, old data ) (a new
 *   inline customer: made, latepoint_customer_created( customer ), see
 *   Inline_Customer; agent "any": chosen first, see Agent_Assignment);
 *   order saved (its prices as the form posts them, Order_Prices); order item
 *   saved; booking saved; order item saved with its item_data and prices;
 *   latepoint_booking_created( booking ); latepoint_order_created( order ).
 * An update: customer as above; order saved; order item saved; booking saved;
 * order item re-priced; latepoint_booking_updated( booking, old booking );
 * when the status changed, latepoint_booking_change_status( booking, old ) and
 * LatePoint's status-change activity; latepoint_order_updated( order, old ).
 * A delete: as LatePoint's "Delete order" when the booking is its order's
 * only one (OsOrderModel::delete(): latepoint_booking_will_be_deleted( id ),
 * the booking with its meta and process jobs, the item, the order with its
 * meta and jobs; LatePoint fires nothing else and writes no activity);
 * otherwise the booking (latepoint_booking_will_be_deleted first), its item
 * when left empty (latepoint_order_item_will_be_deleted / _deleted), and the
 * order re-priced with latepoint_order_updated.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Dates;
use LatePointApi\Support\Storage_Error;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Writes of bookings.
 */
final class Booking_Writes {

	/** The body fields of a create and of an update. */
	const CREATE_FIELDS = array( 'customer_id', 'customer', 'service_id', 'agent_id', 'location_id', 'start_date', 'start_time', 'status', 'total_attendees', 'customer_comment' );
	const UPDATE_FIELDS = array( 'agent_id', 'location_id', 'start_date', 'start_time', 'status', 'total_attendees' );

	/** Creates order + order item + booking; returns the presented booking. */
	public static function create( array $input ): array {
		return self::create_with_details( $input )['booking'];
	}

	/**
	 * A create, and how its agent and customer were found: `agent_rule` (the
	 * any_agent_order rule, or null when the agent was named) and
	 * `customer_created` (whether an inline customer was new; null without one).
	 *
	 * @return array{booking: array, agent_rule: ?string, customer_created: ?bool}
	 */
	public static function create_with_details( array $input ): array {
		Models::require_active();
		$inline = array_key_exists( 'customer', $input );
		if ( $inline === isset( $input['customer_id'] ) ) {
			$message = __( 'Give either customer_id or customer, not both.', 'latepoint-api-keys' );
			throw new Validation_Error( $inline ? array( 'customer' => $message ) : array( 'customer_id' => __( 'Required (or a new customer in customer).', 'latepoint-api-keys' ) ) );
		}
		$customer = $inline ? Inline_Customer::clean( $input['customer'] ) : null;
		if ( ! $inline ) {
			self::referenced( 'customers', (int) $input['customer_id'], 'customer_id' );
		}
		$service = self::referenced( 'services', (int) $input['service_id'], 'service_id' );
		$any     = 'any' === $input['agent_id'];
		if ( ! $any ) {
			self::referenced( 'agents', (int) $input['agent_id'], 'agent_id' );
		}
		if ( isset( $input['location_id'] ) ) {
			self::referenced( 'locations', (int) $input['location_id'], 'location_id' );
		}
		$status = (string) ( $input['status'] ?? '' );
		if ( '' === $status ) {
			$status = (string) \OsBookingHelper::get_default_booking_status( (int) $service['id'] );
		}
		$fields = array(
			'customer_id'     => $inline ? 0 : (int) $input['customer_id'],
			'service_id'      => (int) $service['id'],
			'agent_id'        => $any ? 0 : (int) $input['agent_id'],
			'status'          => $status,
			'buffer_before'   => (int) $service['buffer_before'],
			'buffer_after'    => (int) $service['buffer_after'],
			'total_attendees' => (int) ( $input['total_attendees'] ?? 1 ),
		) + Booking_Slots::times( $input['start_date'], Dates::minutes( $input['start_time'] ), $service );

		$write = static fn () => Api_Author::during(
			static fn () => Tables::transaction(
				static function () use ( $fields, $service, $input, $any, $customer ) {
					$location = isset( $input['location_id'] ) ? (int) $input['location_id'] : null;
					$rule     = null;
					if ( $any ) {
						$assigned              = Agent_Assignment::assign( $fields, $location );
						$fields['agent_id']    = $assigned['agent_id'];
						$fields['location_id'] = $assigned['location_id'];
						$rule                  = $assigned['rule'];
					} else {
						$fields['location_id'] = $location ?? Locations::default_id( (int) $fields['agent_id'], (int) $fields['service_id'] );
					}
					Booking_Slots::check( $fields, $service, null );

					// As LatePoint's order form: the customer is saved with the order (a new one is created,
					// with latepoint_customer_created), then the booking validated.
					$created = null;
					if ( null !== $customer ) {
						$existing              = Inline_Customer::existing( $customer['email'] );
						$created               = null === $existing;
						$fields['customer_id'] = $existing ?? Inline_Customer::create( $customer );
					}
					if ( ! $created ) {
						self::save_customer( $fields['customer_id'] );
					}
					$booking = self::booking_model( new \OsBookingModel(), $fields );
					Models::validate( $booking, 'booking', array( 'order_item_id' ) );
					$order = new \OsOrderModel();
					$order->set_data( array_filter( array( 'customer_id' => $fields['customer_id'], 'customer_comment' => (string) ( $input['customer_comment'] ?? '' ) ) ) );
					$item            = new \OsOrderItemModel();
					$item->variant   = 'booking';
					$item->item_data = $booking->generate_item_data();
					Order_Prices::for_new( $order, $item );
					$item->item_data = null;

					Models::save( $order );
					$item->order_id = $order->id;
					Models::save( $item );
					$booking->order_item_id = $item->id;
					Models::save( $booking );
					$item->item_data = $booking->generate_item_data();
					$item->recalculate_prices();
					Models::save( $item );

					do_action( 'latepoint_booking_created', $booking );
					do_action( 'latepoint_order_created', $order );
					return array( (int) $booking->id, $rule, $created, (int) $fields['customer_id'] );
				}
			)
		);
		// Inline customer: the email's lock is held until the transaction has committed.
		list( $id, $rule, $created, $customer_id ) = null === $customer ? $write() : Inline_Customer::locked( $customer['email'], $write );
		if ( $created ) {
			$new_customer = Customers::present( Customers::row( $customer_id ) );
			/** This action is documented in includes/latepoint/class-customers.php */
			do_action( 'lpapi_customer_created', $new_customer );
		}
		$presented = Bookings::present( Bookings::row( $id ) );
		/**
		 * A booking was created through the API (after the transaction committed).
		 *
		 * @param array $booking The booking as the API presents it.
		 */
		do_action( 'lpapi_booking_created', $presented );
		return array(
			'booking'          => $presented,
			'agent_rule'       => $rule,
			'customer_created' => $created,
		);
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
		// Only a change of when or who, or more attendees, needs a free slot; a status change does not (as in
		// LatePoint's admin, where a past booking becomes completed or no_show).
		$needs_slot = $moved || $fields['agent_id'] !== (int) $old_row['agent_id'] || $fields['location_id'] !== (int) $old_row['location_id']
			|| $fields['total_attendees'] > (int) ( $old_row['total_attendees'] ?? 1 );

		Api_Author::during(
			static fn () => Tables::transaction(
				static function () use ( $id, $fields, $service, $old_row, $needs_slot ) {
					Availability_Data::lock( array( (int) $old_row['agent_id'], $fields['agent_id'] ), array() );
					if ( $needs_slot ) {
						Booking_Slots::check( $fields, $service, $id );
					}
					$order     = new \OsOrderModel( (int) $old_row['order_id'] );
					$old_order = clone $order;
					self::save_customer( (int) $order->customer_id );
					$booking     = new \OsBookingModel( $id );
					$old_booking = clone $booking;
					self::booking_model( $booking, $fields );
					Models::validate( $booking, 'booking', array( 'order_item_id' ) );
					// The form keeps the order's prices as stored (and LatePoint's order keeps its items as
					// they were loaded, which its order_updated activity shows).
					$order->get_items();
					Order_Prices::as_stored( $order );

					Models::save( $order );
					$item = new \OsOrderItemModel( (int) $old_row['order_item_id'] );
					Models::save( $item );
					Models::save( $booking );
					$item->item_data = $booking->generate_item_data();
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

	/**
	 * Deletes the booking as LatePoint's admin does. A booking that is its
	 * order's only one goes with its order ("Delete order": the booking with
	 * its meta and process jobs, the item, the order with its meta and jobs).
	 * One of several keeps the order: the booking goes (with its meta and jobs),
	 * its item if that is left empty, and the order is re-priced.
	 */
	public static function delete( int $id ): array {
		Models::require_active();
		$row = Bookings::row( $id );
		Api_Author::during(
			static fn () => Tables::transaction(
				static function () use ( $id, $row ) {
					Availability_Data::lock( array( (int) $row['agent_id'] ), array() );
					$order  = new \OsOrderModel( (int) $row['order_id'] );
					$others = self::other_bookings_of_order( (int) $row['order_id'], $id );
					if ( ! $order->is_new_record() && 0 === $others ) {
						if ( ! $order->delete() ) {
							throw new Storage_Error( 'LatePoint could not delete the order.' );
						}
						return;
					}
					do_action( 'latepoint_booking_will_be_deleted', $id );
					if ( ! ( new \OsBookingModel( $id ) )->delete() ) {
						throw new Storage_Error( 'LatePoint could not delete the booking.' );
					}
					$item_id = (int) $row['order_item_id'];
					if ( $item_id && ! ( new \OsOrderItemModel( $item_id ) )->is_new_record() && 0 === self::bookings_of_item( $item_id ) ) {
						do_action( 'latepoint_order_item_will_be_deleted', $item_id );
						( new \OsOrderItemModel( $item_id ) )->delete();
						do_action( 'latepoint_order_item_deleted', $item_id );
					}
					if ( $order->is_new_record() ) {
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

	/** How many bookings other than $id the order has. */
	private static function other_bookings_of_order( int $order_id, int $id ): int {
		global $wpdb;
		return (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . Tables::name( 'bookings' ) . ' b JOIN ' . Tables::name( 'order_items' ) . ' i ON i.id = b.order_item_id WHERE i.order_id = %d AND b.id <> %d', $order_id, $id ) );
	}

	private static function bookings_of_item( int $item_id ): int {
		global $wpdb;
		return (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . Tables::name( 'bookings' ) . ' WHERE order_item_id = %d', $item_id ) );
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
}
