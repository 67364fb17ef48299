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
 * Sync order: with updated_since the list is sorted by (updated_at, id) and a
 * cursor carries the last row's updated_at and id (Bookings::sync_cursor), so
 * a row that changes while a client pages moves past the cursor and comes
 * again in its new state, and no row is skipped.
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

	/** The cursor of the sync order packs updated_at (seconds) and the id: seconds * 2^31 + id. */
	const SYNC_ID_SPAN = 2147483648;

	private static function select(): string {
		return 'SELECT b.*, oi.order_id AS order_id, o.confirmation_code AS confirmation_code, oi.subtotal AS item_subtotal, oi.total AS item_total, '
			. 'o.payment_status AS payment_status, o.customer_comment AS customer_comment FROM ' . Tables::name( 'bookings' ) . ' b LEFT JOIN '
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
	 * A page of bookings sorted by start (date, time, id), or with
	 * updated_since by (updated_at, id). The cursor names the last booking of
	 * the previous page (in the sync order, its updated_at and id); the next
	 * page starts after it. Each item's cursor is in `cursors`.
	 *
	 * @return array{items: array[], total: int, cursors: int[]}
	 */
	public static function query( array $filters, int $offset, int $limit, ?int $after ): array {
		global $wpdb;
		if ( isset( $filters['date_from'], $filters['date_to'] ) && $filters['date_from'] > $filters['date_to'] ) {
			throw new Validation_Error( array( 'date_to' => __( 'Must not be before date_from.', 'latepoint-api-keys' ) ) );
		}
		list( $where, $args ) = self::where( $filters );
		$count                = 'SELECT COUNT(*) FROM ' . Tables::name( 'bookings' ) . ' b' . $where;
		$total                = (int) $wpdb->get_var( $args ? $wpdb->prepare( $count, $args ) : $count ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared,LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $count is literal SQL over Tables::name() plus the placeholders of $where.
		$sync                 = isset( $filters['updated_since'] );
		if ( null !== $after ) {
			$where .= ( $where ? ' AND' : ' WHERE' ) . ( $sync ? self::after_sync( $after, $args ) : self::after_start( $after, $args ) );
			$offset = 0;
		}
		$order  = $sync ? 'b.updated_at ASC, b.id ASC' : 'b.start_date ASC, b.start_time ASC, b.id ASC';
		$args[] = $limit;
		$args[] = $offset;
		$rows   = $wpdb->get_results( $wpdb->prepare( self::select() . $where . ' ORDER BY ' . $order . ' LIMIT %d OFFSET %d', $args ), ARRAY_A ) ?: array(); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $where holds only placeholders for $args; $order is one of two literals.
		return array(
			'items'   => array_map( array( self::class, 'present' ), $rows ),
			'total'   => $total,
			'cursors' => array_map( static fn ( $row ) => $sync ? self::sync_cursor( $row ) : (int) $row['id'], $rows ),
		);
	}

	/** @return array{0: string, 1: array} the WHERE of the filters and its placeholders' values */
	private static function where( array $filters ): array {
		$clauses = array();
		$args    = array();
		foreach ( array( 'status' => '%s', 'agent_id' => '%d', 'service_id' => '%d', 'customer_id' => '%d', 'location_id' => '%d', 'booking_code' => '%s' ) as $column => $format ) {
			if ( isset( $filters[ $column ] ) ) {
				$clauses[] = "b.{$column} = {$format}";
				$args[]    = $filters[ $column ];
			}
		}
		foreach ( array( 'customer_email' => 'email', 'customer_phone' => 'phone' ) as $filter => $column ) {
			if ( isset( $filters[ $filter ] ) ) {
				$clauses[] = 'b.customer_id IN (SELECT c.id FROM ' . Tables::name( 'customers' ) . " c WHERE c.{$column} = %s)";
				$args[]    = trim( (string) $filters[ $filter ] );
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
		if ( isset( $filters['updated_since'] ) ) {
			$clauses[] = 'b.updated_at >= %s';
			$args[]    = self::local_datetime( (string) $filters['updated_since'] );
		}
		return array( $clauses ? ' WHERE ' . implode( ' AND ', $clauses ) : '', $args );
	}

	/** The keyset condition after a booking of the start order (its date, time, id). */
	private static function after_start( int $after_id, array &$args ): string {
		global $wpdb;
		$last = $wpdb->get_row( $wpdb->prepare( 'SELECT start_date, start_time FROM ' . Tables::name( 'bookings' ) . ' WHERE id = %d', $after_id ), ARRAY_A );
		if ( ! $last ) {
			throw new Validation_Error( array( 'cursor' => __( 'The cursor\'s booking no longer exists; start again from page 1.', 'latepoint-api-keys' ) ) );
		}
		array_push( $args, $last['start_date'], $last['start_date'], (int) $last['start_time'], (int) $last['start_time'], $after_id );
		return ' (b.start_date > %s OR (b.start_date = %s AND (b.start_time > %d OR (b.start_time = %d AND b.id > %d))))';
	}

	/** The keyset condition after (updated_at, id) of a sync cursor: it needs no row to still exist. */
	private static function after_sync( int $cursor, array &$args ): string {
		$seconds = intdiv( $cursor, self::SYNC_ID_SPAN );
		$id      = $cursor % self::SYNC_ID_SPAN;
		if ( $id < 1 ) {
			throw new Validation_Error( array( 'cursor' => __( 'Not a cursor from this API.', 'latepoint-api-keys' ) ) );
		}
		$at = gmdate( 'Y-m-d H:i:s', $seconds );
		array_push( $args, $at, $at, $id );
		return ' (b.updated_at > %s OR (b.updated_at = %s AND b.id > %d))';
	}

	/** A row's place in the sync order, as one integer: updated_at (read as UTC) * 2^31 + id. */
	public static function sync_cursor( array $row ): int {
		$seconds = strtotime( (string) $row['updated_at'] . ' UTC' );
		return max( 0, (int) $seconds ) * self::SYNC_ID_SPAN + (int) $row['id'];
	}

	/**
	 * An ISO 8601 date or date-time (…Z, an offset, or none: the site's time
	 * zone) as the site-local DATETIME LatePoint stores updated_at in; null when
	 * it is not one.
	 */
	public static function parse_since( string $value ): ?string {
		if ( ! preg_match( '/^(\d{4})-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/', $value, $m ) || (int) $m[1] < 1970 || (int) $m[1] > 2100 ) {
			return null;
		}
		try {
			$moment = new \DateTimeImmutable( $value, wp_timezone() );
		} catch ( \Exception $e ) {
			return null;
		}
		$errors = \DateTimeImmutable::getLastErrors();
		if ( is_array( $errors ) && ( $errors['warning_count'] || $errors['error_count'] ) ) {
			return null;
		}
		return $moment->setTimezone( wp_timezone() )->format( 'Y-m-d H:i:s' );
	}

	private static function local_datetime( string $since ): string {
		$local = self::parse_since( $since );
		if ( null === $local ) {
			throw new Validation_Error( array( 'updated_since' => __( 'An ISO 8601 date or date-time is required.', 'latepoint-api-keys' ) ) );
		}
		return $local;
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
			'price'              => self::money( $row['item_subtotal'] ?? null ),
			'total'              => self::money( $row['item_total'] ?? null ),
			'payment_status'     => $row['payment_status'] ?? null,
			'customer_comment'   => (string) ( $row['customer_comment'] ?? '' ),
			'created_at'         => Dates::iso_local( $row['created_at'] ),
			'updated_at'         => Dates::iso_local( $row['updated_at'] ),
		);
	}

	/** A decimal string as LatePoint stores it (for example "60.0000"), or null. */
	private static function money( $value ): ?string {
		return null === $value || '' === $value ? null : (string) $value;
	}
}
