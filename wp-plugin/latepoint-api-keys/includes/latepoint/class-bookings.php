<?php
/**
 * The booking data layer over LatePoint's tables: read, list, present. A
 * booking is three rows, as LatePoint's admin makes it: an order, an order
 * item (variant booking, item_data JSON) and the booking; the writes go
 * through LatePoint's models (Booking_Writes). Knows nothing of REST.
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

use LatePointApi\Support\Dates;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Bookings.
 */
final class Bookings {



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
}
