<?php
/**
 * The booking data layer over LatePoint's tables: read, list, create,
 * update (reschedule, status), delete. A booking is three rows, as LatePoint's
 * admin makes it: an order, an order item (variant booking, item_data JSON)
 * and the booking. Knows nothing of REST.
 *
 * Times: the API speaks start_date (YYYY-MM-DD), start_time/end_time (HH:MM,
 * site time zone) and start/end_datetime_utc (ISO 8601 "…Z"); the database
 * keeps LatePoint's minutes from midnight.
 *
 * Ids referenced by a write (customer_id, service_id, agent_id, location_id)
 * that do not exist are a Validation_Error naming the field; an unknown
 * booking id is a Not_Found_Error.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Auth\Request_Context;
use LatePointApi\Support\Dates;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Bookings.
 */
final class Bookings {

	const CREATE_FIELDS = array( 'customer_id', 'service_id', 'agent_id', 'location_id', 'start_date', 'start_time', 'status', 'total_attendees', 'customer_comment' );
	const UPDATE_FIELDS = array( 'agent_id', 'location_id', 'start_date', 'start_time', 'status', 'total_attendees' );


	private static function select(): string {
		return 'SELECT b.*, oi.order_id AS order_id, o.confirmation_code AS confirmation_code FROM ' . Tables::name( 'bookings' ) . ' b LEFT JOIN '
			. Tables::name( 'order_items' ) . ' oi ON oi.id = b.order_item_id LEFT JOIN ' . Tables::name( 'orders' ) . ' o ON o.id = oi.order_id';
	}

	/** The raw row (with order_id and confirmation_code), or Not_Found_Error. */
	public static function row( int $id ): array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( self::select() . ' WHERE b.id = %d', $id ), ARRAY_A );
		if ( ! $row ) {
			throw new Not_Found_Error( __( 'No booking with this id.', 'latepoint-api-keys' ) );
		}
		return $row;
	}

	/**
	 * A page of bookings sorted by start (date, time, id). The cursor names the
	 * last booking of the previous page; the next page starts after it.
	 *
	 * @return array{items: array[], total: int}
	 */
	public static function query( array $filters, int $offset, int $limit, ?int $after_id ): array {
		global $wpdb;
		if ( isset( $filters['date_from'], $filters['date_to'] ) && $filters['date_from'] > $filters['date_to'] ) {
			throw new Validation_Error( array( 'date_to' => __( 'Must not be before date_from.', 'latepoint-api-keys' ) ) );
		}
		$clauses = array();
		$args    = array();
		foreach ( array( 'status' => '%s', 'agent_id' => '%d', 'service_id' => '%d', 'customer_id' => '%d', 'location_id' => '%d' ) as $column => $format ) {
			if ( isset( $filters[ $column ] ) ) {
				$clauses[] = "b.{$column} = {$format}";
				$args[]    = $filters[ $column ];
			}
		}
		if ( isset( $filters['date_from'] ) ) {
			$clauses[] = 'b.start_date >= %s';
			$args[]    = $filters['date_from'];
		}
		if ( isset( $filters['date_to'] ) ) {
			$clauses[] = 'b.start_date <= %s';
			$args[]    = $filters['date_to'];
		}
		$where = $clauses ? ' WHERE ' . implode( ' AND ', $clauses ) : '';
		$count = 'SELECT COUNT(*) FROM ' . Tables::name( 'bookings' ) . ' b' . $where;
		$total = (int) $wpdb->get_var( $args ? $wpdb->prepare( $count, $args ) : $count ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared,LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $count is literal SQL over Tables::name() plus the placeholders of $where.
		if ( null !== $after_id ) {
			$last = $wpdb->get_row( $wpdb->prepare( 'SELECT start_date, start_time FROM ' . Tables::name( 'bookings' ) . ' WHERE id = %d', $after_id ), ARRAY_A );
			if ( ! $last ) {
				throw new Validation_Error( array( 'cursor' => __( 'The cursor\'s booking no longer exists; start again from page 1.', 'latepoint-api-keys' ) ) );
			}
			$where .= ( $where ? ' AND' : ' WHERE' ) . ' (b.start_date > %s OR (b.start_date = %s AND (b.start_time > %d OR (b.start_time = %d AND b.id > %d))))';
			array_push( $args, $last['start_date'], $last['start_date'], (int) $last['start_time'], (int) $last['start_time'], $after_id );
			$offset = 0;
		}
		$args[] = $limit;
		$args[] = $offset;
		$rows   = $wpdb->get_results( $wpdb->prepare( self::select() . $where . ' ORDER BY b.start_date ASC, b.start_time ASC, b.id ASC LIMIT %d OFFSET %d', $args ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $where holds only placeholders for $args.
		return array(
			'items' => array_map( array( self::class, 'present' ), $rows ?: array() ),
			'total' => $total,
		);
	}

	/** The API representation of a booking row. */
	public static function present( array $row ): array {
		$int = static fn ( $v ) => null === $v ? null : (int) $v;
		return array(
			'id'                 => (int) $row['id'],
			'booking_code'       => $row['booking_code'],
			'confirmation_code'  => $row['confirmation_code'] ?? null,
			'status'             => $row['status'],
			'customer_id'        => (int) $row['customer_id'],
			'service_id'         => (int) $row['service_id'],
			'agent_id'           => (int) $row['agent_id'],
			'location_id'        => $int( $row['location_id'] ),
			'order_id'           => $int( $row['order_id'] ?? null ),
			'order_item_id'      => $int( $row['order_item_id'] ),
			'start_date'         => $row['start_date'],
			'start_time'         => Dates::hhmm( $int( $row['start_time'] ) ),
			'end_date'           => $row['end_date'],
			'end_time'           => Dates::hhmm( $int( $row['end_time'] ) ),
			'start_datetime_utc' => Dates::iso_utc( $row['start_datetime_utc'] ),
			'end_datetime_utc'   => Dates::iso_utc( $row['end_datetime_utc'] ),
			'duration'           => $int( $row['duration'] ),
			'buffer_before'      => (int) $row['buffer_before'],
			'buffer_after'       => (int) $row['buffer_after'],
			'total_attendees'    => $int( $row['total_attendees'] ) ?? 1,
			'created_at'         => Dates::iso_local( $row['created_at'] ),
			'updated_at'         => Dates::iso_local( $row['updated_at'] ),
		);
	}

	/** A catalog row by id, or a 422 naming the field. */
	private static function referenced( string $table, int $id, string $field ): array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . Tables::name( $table ) . ' WHERE id = %d', $id ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $table is one of the fixed table names its callers in this class pass.
		if ( ! $row ) {
			/* translators: %s: field name */
			throw new Validation_Error( array( $field => sprintf( __( 'No %s with this id.', 'latepoint-api-keys' ), str_replace( '_id', '', $field ) ) ) );
		}
		return $row;
	}

	/** item_data of the order item: the booking as LatePoint serialises it. */
	private static function item_data( array $b, int $id ): string {
		return (string) wp_json_encode(
			array(
				'id'              => $id,
				'customer_id'     => (int) $b['customer_id'],
				'agent_id'        => (int) $b['agent_id'],
				'location_id'     => (int) $b['location_id'],
				'service_id'      => (int) $b['service_id'],
				'start_date'      => $b['start_date'],
				'start_time'      => (int) $b['start_time'],
				'end_date'        => $b['end_date'],
				'end_time'        => (int) $b['end_time'],
				'status'          => $b['status'],
				'buffer_before'   => (int) $b['buffer_before'],
				'buffer_after'    => (int) $b['buffer_after'],
				'duration'        => (int) $b['duration'],
				'total_attendees' => (int) $b['total_attendees'],
			)
		);
	}

	/** The service's price for the order: charge_amount, else price_min, else 0. */
	private static function price( array $service ): string {
		foreach ( array( 'charge_amount', 'price_min' ) as $column ) {
			if ( null !== $service[ $column ] && '' !== $service[ $column ] ) {
				return (string) $service[ $column ];
			}
		}
		return '0';
	}

	/** Creates order + order item + booking; returns the presented booking. */
	public static function create( array $input ): array {
		$customer = self::referenced( 'customers', (int) $input['customer_id'], 'customer_id' );
		$service  = self::referenced( 'services', (int) $input['service_id'], 'service_id' );
		self::referenced( 'agents', (int) $input['agent_id'], 'agent_id' );
		if ( isset( $input['location_id'] ) ) {
			self::referenced( 'locations', (int) $input['location_id'], 'location_id' );
		}
		$status = $input['status'] ?? '';
		if ( '' === $status ) {
			$override = (string) ( $service['override_default_booking_status'] ?? '' );
			$status   = in_array( $override, Tables::BOOKING_STATUSES, true ) ? $override : 'approved';
		}
		$booking = array(
			'customer_id'     => (int) $customer['id'],
			'service_id'      => (int) $service['id'],
			'agent_id'        => (int) $input['agent_id'],
			'status'          => $status,
			'buffer_before'   => (int) $service['buffer_before'],
			'buffer_after'    => (int) $service['buffer_after'],
			'total_attendees' => (int) ( $input['total_attendees'] ?? 1 ),
		) + Booking_Slots::times( $input['start_date'], Dates::minutes( $input['start_time'] ), $service );

		$id        = Tables::transaction(
			static function () use ( &$booking, $service, $input ) {
				$booking['location_id'] = isset( $input['location_id'] ) ? (int) $input['location_id'] : Locations::default_id( (int) $booking['agent_id'], (int) $booking['service_id'] );
				if ( in_array( $booking['status'], Tables::blocking_statuses(), true ) ) {
					Booking_Slots::check( $booking, $service, null );
				}
				$now      = Tables::now();
				$price    = self::price( $service );
				$order_id = Tables::insert(
					'orders',
					array(
						'subtotal'           => $price,
						'total'              => $price,
						'status'             => 'open',
						'fulfillment_status' => 'not_fulfilled',
						'payment_status'     => 'not_paid',
						'source_id'          => 'api',
						'ip_address'         => substr( Request_Context::$client_ip, 0, 55 ),
						'customer_id'        => $booking['customer_id'],
						'customer_comment'   => $input['customer_comment'] ?? null,
						'confirmation_code'  => Tables::random_code(),
						'created_at'         => $now,
						'updated_at'         => $now,
					)
				);
				$item_id  = Tables::insert(
					'order_items',
					array(
						'order_id'   => $order_id,
						'variant'    => 'booking',
						'item_data'  => self::item_data( $booking, 0 ),
						'subtotal'   => $price,
						'total'      => $price,
						'created_at' => $now,
						'updated_at' => $now,
					)
				);
				$id       = Tables::insert(
					'bookings',
					$booking + array(
						'booking_code'  => Tables::random_code(),
						'order_item_id' => $item_id,
						'created_at'    => $now,
						'updated_at'    => $now,
					)
				);
				global $wpdb;
				Tables::check_write( $wpdb->update( Tables::name( 'order_items' ), array( 'item_data' => self::item_data( $booking, $id ) ), array( 'id' => $item_id ) ) );
				Tables::activity(
					'booking_created',
					/* translators: %d: booking id */
					sprintf( __( 'Booking #%d created', 'latepoint-api-keys' ), $id ),
					array( 'booking_id' => $id, 'order_id' => $order_id, 'order_item_id' => $item_id ) + array_intersect_key( $booking, array_flip( array( 'customer_id', 'agent_id', 'service_id', 'location_id' ) ) )
				);
				return $id;
			}
		);
		$presented = self::present( self::row( $id ) );
		if ( class_exists( 'OsBookingModel' ) ) {
			do_action( 'latepoint_booking_created', new \OsBookingModel( $id ) );
		}
		/**
		 * A booking was created through the API (after the transaction committed).
		 *
		 * @param array $booking The booking as the API presents it.
		 */
		do_action( 'lpapi_booking_created', $presented );
		return $presented;
	}

	/** Reschedules and/or changes status; returns the presented booking. */
	public static function update( int $id, array $input ): array {
		$old_row   = self::row( $id );
		$old_model = class_exists( 'OsBookingModel' ) ? new \OsBookingModel( $id ) : null;
		$service   = self::referenced( 'services', (int) $old_row['service_id'], 'service_id' );
		if ( isset( $input['agent_id'] ) ) {
			self::referenced( 'agents', (int) $input['agent_id'], 'agent_id' );
		}
		if ( isset( $input['location_id'] ) ) {
			self::referenced( 'locations', (int) $input['location_id'], 'location_id' );
		}
		$booking = array(
			'customer_id'     => (int) $old_row['customer_id'],
			'service_id'      => (int) $old_row['service_id'],
			'agent_id'        => (int) ( $input['agent_id'] ?? $old_row['agent_id'] ),
			'location_id'     => (int) ( $input['location_id'] ?? $old_row['location_id'] ),
			'status'          => (string) ( $input['status'] ?? $old_row['status'] ),
			'buffer_before'   => (int) $old_row['buffer_before'],
			'buffer_after'    => (int) $old_row['buffer_after'],
			'total_attendees' => (int) ( $input['total_attendees'] ?? ( $old_row['total_attendees'] ?? 1 ) ),
		);
		$moved   = isset( $input['start_date'] ) || isset( $input['start_time'] );
		if ( $moved ) {
			$date     = (string) ( $input['start_date'] ?? $old_row['start_date'] );
			$start    = isset( $input['start_time'] ) ? Dates::minutes( $input['start_time'] ) : (int) $old_row['start_time'];
			$booking += Booking_Slots::times( $date, $start, array( 'duration' => $old_row['duration'] ?: $service['duration'] ) );
		} else {
			foreach ( array( 'start_date', 'end_date', 'start_time', 'end_time', 'duration', 'start_datetime_utc', 'end_datetime_utc' ) as $column ) {
				$booking[ $column ] = $old_row[ $column ];
			}
		}
		Tables::transaction(
			static function () use ( $id, $booking, $service, $old_row ) {
				global $wpdb;
				if ( in_array( $booking['status'], Tables::blocking_statuses(), true ) ) {
					Booking_Slots::check( $booking, $service, $id );
				}
				$now = Tables::now();
				Tables::check_write( $wpdb->update( Tables::name( 'bookings' ), $booking + array( 'updated_at' => $now ), array( 'id' => $id ) ) );
				if ( $old_row['order_item_id'] ) {
					Tables::check_write( $wpdb->update( Tables::name( 'order_items' ), array( 'item_data' => self::item_data( $booking, $id ), 'updated_at' => $now ), array( 'id' => (int) $old_row['order_item_id'] ) ) );
				}
				Tables::activity(
					$booking['status'] !== $old_row['status'] ? 'booking_change_status' : 'booking_updated',
					/* translators: %d: booking id */
					sprintf( __( 'Booking #%d updated', 'latepoint-api-keys' ), $id ),
					array( 'booking_id' => $id, 'order_id' => (int) $old_row['order_id'], 'order_item_id' => (int) $old_row['order_item_id'] ) + array_intersect_key( $booking, array_flip( array( 'customer_id', 'agent_id', 'service_id', 'location_id' ) ) )
				);
			}
		);
		$presented = self::present( self::row( $id ) );
		if ( null !== $old_model ) {
			do_action( 'latepoint_booking_updated', new \OsBookingModel( $id ), $old_model );
		}
		/**
		 * A booking was changed through the API (after the transaction committed).
		 *
		 * @param array $booking     The booking as the API presents it now.
		 * @param array $old_booking As it was before.
		 */
		do_action( 'lpapi_booking_updated', $presented, self::present( $old_row ) );
		return $presented;
	}

	/** Deletes the booking, its order item, and its order when that is left empty; returns the deleted booking. */
	public static function delete( int $id ): array {
		$row = self::row( $id );
		do_action( 'latepoint_booking_will_be_deleted', $id );
		Tables::transaction(
			static function () use ( $id, $row ) {
				global $wpdb;
				Tables::check_write( $wpdb->delete( Tables::name( 'bookings' ), array( 'id' => $id ) ) );
				if ( $row['order_item_id'] ) {
					Tables::check_write( $wpdb->delete( Tables::name( 'order_items' ), array( 'id' => (int) $row['order_item_id'] ) ) );
				}
				if ( $row['order_id'] ) {
					$left = (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . Tables::name( 'order_items' ) . ' WHERE order_id = %d', (int) $row['order_id'] ) );
					if ( 0 === $left ) {
						Tables::check_write( $wpdb->delete( Tables::name( 'orders' ), array( 'id' => (int) $row['order_id'] ) ) );
					}
				}
				Tables::activity(
					'booking_deleted',
					/* translators: %d: booking id */
					sprintf( __( 'Booking #%d deleted', 'latepoint-api-keys' ), $id ),
					array( 'booking_id' => $id, 'customer_id' => (int) $row['customer_id'], 'agent_id' => (int) $row['agent_id'], 'service_id' => (int) $row['service_id'], 'location_id' => (int) $row['location_id'] )
				);
			}
		);
		$presented = self::present( $row );
		/**
		 * A booking was deleted through the API (after the transaction committed).
		 *
		 * @param array $booking The booking as it was.
		 */
		do_action( 'lpapi_booking_deleted', $presented );
		return $presented;
	}
}
