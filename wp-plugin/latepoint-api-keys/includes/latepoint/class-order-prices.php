<?php
/**
 * An order's prices as LatePoint's order form saves them: the API takes the
 * form's place, so it sends LatePoint what the form would.
 *
 * A new booking: the form reloads its price breakdown from LatePoint's cart
 * (LatePoint's price calculation, with its add-ons' filters for extras,
 * coupons and taxes), then posts the subtotal, the total and the
 * before/after-subtotal rows as money fields; LatePoint stores them through
 * OsOrdersHelper::generate_price_breakdown_from_params(). A changed booking:
 * the form posts the order's prices and rows as they are stored.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

defined( 'ABSPATH' ) || exit;

/**
 * Prices of orders.
 */
final class Order_Prices {

	/** The prices of a new order of one booking item. */
	public static function for_new( \OsOrderModel $order, \OsOrderItemModel $item ): void {
		$pricing           = clone $order;
		$priced            = clone $item;
		$pricing->items    = array( $priced );
		$pricing->subtotal = $pricing->recalculate_subtotal();
		$pricing->total    = $pricing->recalculate_total();
		self::post( $order, $pricing->subtotal, $pricing->total, $pricing->generate_price_breakdown_rows( array( 'balance', 'payments' ), true ) );
	}

	/** The prices of an existing order, as its form shows them. */
	public static function as_stored( \OsOrderModel $order ): void {
		self::post( $order, $order->get_subtotal(), $order->get_total(), $order->generate_price_breakdown_rows() );
	}

	/** What LatePoint makes of the form's price fields. */
	private static function post( \OsOrderModel $order, $subtotal, $total, array $rows ): void {
		$order->subtotal = \OsMoneyHelper::convert_amount_from_money_input_to_db_format( \OsMoneyHelper::to_money_field_format( $subtotal ?? 0 ) );
		$order->total    = \OsMoneyHelper::convert_amount_from_money_input_to_db_format( \OsMoneyHelper::to_money_field_format( $total ?? 0 ) );
		$fields          = array();
		foreach ( array( 'before_subtotal', 'after_subtotal' ) as $group ) {
			foreach ( $rows[ $group ] ?? array() as $row ) {
				$fields[ $group ][] = self::row_fields( $row );
			}
		}
		$order->price_breakdown = (string) wp_json_encode( \OsOrdersHelper::generate_price_breakdown_from_params( $fields ) );
	}

	/** The inputs LatePoint's price breakdown form prints for one row (a group of items, or an item). */
	private static function row_fields( array $row ): array {
		$fields = array();
		if ( ! empty( $row['items'] ) ) {
			$fields['heading'] = (string) ( $row['heading'] ?? '' );
			foreach ( $row['items'] as $item ) {
				$fields['items'][] = self::row_fields( $item );
			}
		} else {
			$fields['value'] = \OsMoneyHelper::to_money_field_format( $row['raw_value'] ?? 0 );
			foreach ( array( 'label', 'style', 'type', 'note', 'badge' ) as $key ) {
				$fields[ $key ] = (string) ( $row[ $key ] ?? '' );
			}
		}
		foreach ( $row['sub_items'] ?? array() as $sub ) {
			$fields['sub_items'][] = self::row_fields( $sub );
		}
		return $fields;
	}
}
