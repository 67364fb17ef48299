<?php
/**
 * LatePoint's orders, read-only: an order with its items (and the bookings
 * made from them), its totals, its payment and fulfillment status and its
 * transactions. Money is decimal strings exactly as LatePoint stores them
 * (e.g. "60.0000"), or null. Knows nothing of REST.
 *
 * Lists are sorted by (updated_at, id), oldest change first, and leave out
 * orders changed in the last SETTLE_SECONDS: a sync that pages by the sort
 * key can then see every change once, because no write can still land behind
 * a position it has passed.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Dates;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Storage_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Orders, their items and transactions.
 */
final class Orders {

	/** Orders changed this recently (site clock) are left out of lists until they have settled. */
	const SETTLE_SECONDS = 2;
	/** The sort key of an order that has no updated_at. */
	const NO_TIME = '1970-01-01 00:00:00';

	/**
	 * A page of orders by (updated_at, id) ascending. Filters: customer_id,
	 * status, payment_status, updated_since (site-local "Y-m-d H:i:s", included).
	 *
	 * @param ?array{updated_at: string, id: int} $after the sort key of the last order of the previous page
	 * @return array{items: array[], total: int}
	 */
	public static function query( array $filters, int $offset, int $limit, ?array $after ): array {
		global $wpdb;
		$sort    = self::sort_key();
		$clauses = array( "{$sort} <= %s" );
		$args    = array( ( new \DateTimeImmutable( 'now', wp_timezone() ) )->modify( '-' . self::SETTLE_SECONDS . ' seconds' )->format( 'Y-m-d H:i:s' ) );
		foreach ( array( 'customer_id' => '%d', 'status' => '%s', 'payment_status' => '%s' ) as $column => $format ) {
			if ( isset( $filters[ $column ] ) ) {
				$clauses[] = "o.{$column} = {$format}";
				$args[]    = $filters[ $column ];
			}
		}
		if ( isset( $filters['updated_since'] ) ) {
			$clauses[] = "{$sort} >= %s";
			$args[]    = $filters['updated_since'];
		}
		$where = ' WHERE ' . implode( ' AND ', $clauses );
		$total = (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . Tables::name( 'orders' ) . ' o' . $where, $args ) ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- literal SQL over Tables::name(); $where holds only placeholders for $args.
		if ( null !== $after ) {
			$where .= " AND ({$sort} > %s OR ({$sort} = %s AND o.id > %d))";
			array_push( $args, $after['updated_at'], $after['updated_at'], $after['id'] );
			$offset = 0;
		}
		$args[] = $limit;
		$args[] = $offset;
		$rows   = $wpdb->get_results( $wpdb->prepare( self::select() . $where . " ORDER BY {$sort} ASC, o.id ASC LIMIT %d OFFSET %d", $args ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart,LatePointApi.Security.PreparedSql.InterpolatedVariable -- self::select() and $sort are literal SQL over Tables::name(); $where holds only placeholders for $args.
		if ( '' !== $wpdb->last_error ) {
			throw new Storage_Error( 'LatePoint\'s orders could not be read.' );
		}
		return array(
			'items' => self::present_all( $rows ?: array() ),
			'total' => $total,
		);
	}

	/** One order with its items and transactions, or Not_Found_Error. */
	public static function one( int $id ): array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( self::select() . ' WHERE o.id = %d', $id ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- self::select() is literal SQL over Tables::name().
		if ( ! $row ) {
			throw new Not_Found_Error( __( 'No order with this id.', 'latepoint-api-keys' ) );
		}
		return self::present_all( array( $row ) )[0];
	}

	/** A date or date-time from the API (site time unless it names Z or an offset) as LatePoint's site-local "Y-m-d H:i:s"; null if it is none. */
	public static function local_time( $value ): ?string {
		$pattern = '/^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?)?$/';
		if ( ! is_string( $value ) || 1 !== preg_match( $pattern, $value, $m ) || ! Dates::is_date( "{$m[1]}-{$m[2]}-{$m[3]}" ) ) {
			return null;
		}
		$hour   = (int) ( $m[4] ?? 0 );
		$minute = (int) ( $m[5] ?? 0 );
		$second = (int) ( $m[6] ?? 0 );
		if ( $hour > 23 || $minute > 59 || $second > 59 || ( isset( $m[7] ) && '' !== $m[7] && 'Z' !== $m[7] && ( (int) substr( $m[7], 1, 2 ) > 14 || (int) substr( $m[7], 4, 2 ) > 59 ) ) ) {
			return null;
		}
		$zone  = empty( $m[7] ) ? wp_timezone() : new \DateTimeZone( 'Z' === $m[7] ? 'UTC' : $m[7] );
		$local = ( new \DateTimeImmutable( "{$m[1]}-{$m[2]}-{$m[3]}", $zone ) )->setTime( $hour, $minute, $second );
		return $local->setTimezone( wp_timezone() )->format( 'Y-m-d H:i:s' );
	}

	/** The sort key of an order: updated_at, or NO_TIME for one without. */
	private static function sort_key(): string {
		return "COALESCE(o.updated_at, '" . self::NO_TIME . "')";
	}

	private static function select(): string {
		return 'SELECT o.*, ' . self::sort_key() . ' AS sort_at FROM ' . Tables::name( 'orders' ) . ' o';
	}

	/**
	 * Orders with their items, the items' bookings and the transactions, in three queries.
	 *
	 * @param array[] $rows order rows
	 * @return array[]
	 */
	private static function present_all( array $rows ): array {
		if ( ! $rows ) {
			return array();
		}
		$order_ids    = array_map( static fn ( $r ) => (int) $r['id'], $rows );
		$items        = self::rows_in( 'order_items', 'order_id', $order_ids );
		$item_ids     = array_map( static fn ( $r ) => (int) $r['id'], $items );
		$bookings     = $item_ids ? self::rows_in( 'bookings', 'order_item_id', $item_ids ) : array();
		$transactions = self::rows_in( 'transactions', 'order_id', $order_ids );
		$by_item      = array();
		foreach ( $bookings as $booking ) {
			$by_item[ (int) $booking['order_item_id'] ][] = self::present_booking( $booking );
		}
		$items_of = array();
		foreach ( $items as $item ) {
			$items_of[ (int) $item['order_id'] ][] = self::present_item( $item, $by_item[ (int) $item['id'] ] ?? array() );
		}
		$paid_of = array();
		foreach ( $transactions as $transaction ) {
			$paid_of[ (int) $transaction['order_id'] ][] = self::present_transaction( $transaction );
		}
		return array_map( static fn ( $row ) => self::present( $row, $items_of[ (int) $row['id'] ] ?? array(), $paid_of[ (int) $row['id'] ] ?? array() ), $rows );
	}

	/**
	 * The rows of a LatePoint table whose $column is one of $ids, by id.
	 *
	 * @param int[] $ids
	 * @return array[]
	 */
	private static function rows_in( string $table, string $column, array $ids ): array {
		global $wpdb;
		$placeholders = implode( ', ', array_fill( 0, count( $ids ), '%d' ) );
		$rows         = $wpdb->get_results( $wpdb->prepare( 'SELECT * FROM ' . Tables::name( $table ) . " WHERE {$column} IN ({$placeholders}) ORDER BY id ASC", $ids ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart,LatePointApi.Security.PreparedSql.InterpolatedVariable -- $table and $column are fixed names from this class; $placeholders is a list of %d for $ids.
		if ( '' !== $wpdb->last_error ) {
			throw new Storage_Error( 'A LatePoint table could not be read.' );
		}
		return $rows ?: array();
	}

	/** The API representation of an order. */
	private static function present( array $row, array $items, array $transactions ): array {
		$paid      = array_sum( array_map( static fn ( $t ) => self::units( $t['amount'] ), $transactions ) );
		$breakdown = is_string( $row['price_breakdown'] ) && '' !== $row['price_breakdown'] ? json_decode( $row['price_breakdown'], true ) : null;
		return array(
			'id'                 => (int) $row['id'],
			'confirmation_code'  => $row['confirmation_code'],
			'customer_id'        => (int) $row['customer_id'],
			'status'             => $row['status'],
			'payment_status'     => $row['payment_status'],
			'fulfillment_status' => $row['fulfillment_status'],
			'subtotal'           => self::money( $row['subtotal'] ),
			'total'              => self::money( $row['total'] ),
			'tax_total'          => self::money( $row['tax_total'] ),
			'coupon_code'        => $row['coupon_code'] ?: null,
			'coupon_discount'    => self::money( $row['coupon_discount'] ),
			'total_paid'         => self::decimal( $paid ),
			'balance_due'        => self::decimal( self::units( $row['total'] ) - $paid ),
			'price_breakdown'    => is_array( $breakdown ) ? $breakdown : null,
			'customer_comment'   => (string) $row['customer_comment'],
			'source_url'         => $row['source_url'] ?: null,
			'items'              => $items,
			'transactions'       => $transactions,
			'created_at'         => Dates::iso_local( $row['created_at'] ),
			'updated_at'         => Dates::iso_local( $row['updated_at'] ),
		);
	}

	private static function present_item( array $row, array $bookings ): array {
		return array(
			'id'              => (int) $row['id'],
			'variant'         => $row['variant'],
			'subtotal'        => self::money( $row['subtotal'] ),
			'total'           => self::money( $row['total'] ),
			'tax_total'       => self::money( $row['tax_total'] ),
			'coupon_code'     => $row['coupon_code'] ?: null,
			'coupon_discount' => self::money( $row['coupon_discount'] ),
			'bookings'        => $bookings,
			'created_at'      => Dates::iso_local( $row['created_at'] ),
			'updated_at'      => Dates::iso_local( $row['updated_at'] ),
		);
	}

	private static function present_booking( array $row ): array {
		return array(
			'id'           => (int) $row['id'],
			'booking_code' => $row['booking_code'],
			'status'       => $row['status'],
			'service_id'   => (int) $row['service_id'],
			'agent_id'     => (int) $row['agent_id'],
			'location_id'  => null === $row['location_id'] ? null : (int) $row['location_id'],
			'start_date'   => $row['start_date'],
			'start_time'   => Dates::hhmm( null === $row['start_time'] ? null : (int) $row['start_time'] ),
		);
	}

	/** One transaction as the order's `transactions` list shows it, with its order_id, or Not_Found_Error. */
	public static function transaction( int $id ): array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . Tables::name( 'transactions' ) . ' WHERE id = %d', $id ), ARRAY_A );
		if ( ! $row ) {
			throw new Not_Found_Error( __( 'No transaction with this id.', 'latepoint-api-keys' ) );
		}
		return array( 'order_id' => null === $row['order_id'] ? null : (int) $row['order_id'] ) + self::present_transaction( $row );
	}

	/** A payment, refund or other transaction of an order. */
	private static function present_transaction( array $row ): array {
		return array(
			'id'              => (int) $row['id'],
			'amount'          => self::money( $row['amount'] ),
			'payment_method'  => $row['payment_method'],
			'processor'       => $row['processor'],
			'payment_portion' => $row['payment_portion'],
			'kind'            => $row['kind'],
			'status'          => $row['status'],
			'token'           => $row['token'],
			'notes'           => (string) $row['notes'],
			'created_at'      => Dates::iso_local( $row['created_at'] ),
			'updated_at'      => Dates::iso_local( $row['updated_at'] ),
		);
	}

	private static function money( $value ): ?string {
		return null === $value || '' === $value ? null : (string) $value;
	}

	/** A decimal string as ten-thousandths (LatePoint's 4 decimals). */
	private static function units( $value ): int {
		if ( ! is_string( $value ) || 1 !== preg_match( '/^(-?)(\d+)(?:\.(\d{0,4}))?/', $value, $m ) ) {
			return 0;
		}
		$units = (int) $m[2] * 10000 + (int) str_pad( $m[3] ?? '', 4, '0' );
		return '-' === $m[1] ? -$units : $units;
	}

	/** Ten-thousandths as a decimal string with 4 decimals, as LatePoint stores money. */
	private static function decimal( int $units ): string {
		return ( $units < 0 ? '-' : '' ) . intdiv( abs( $units ), 10000 ) . '.' . str_pad( (string) ( abs( $units ) % 10000 ), 4, '0', STR_PAD_LEFT );
	}
}
