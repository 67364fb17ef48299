<?php
/**
 * The part of LatePoint's model API the plugin's writes use, in one place:
 * whether LatePoint is active, and saving a model with its errors turned into
 * the plugin's. Every write goes through LatePoint's own models (their
 * defaults, codes, validations and hooks), never around them.
 *
 * The model API used: `new OsXModel( $id )`, `->set_data()`, `->save()`,
 * `->validate()`, `->has_validation_error()`, `->get_error_messages()`, `->get_data_vars()`, `->delete()`,
 * `->is_new_record()`; OsBookingModel `->set_utc_datetimes()`,
 * `->generate_item_data()`; OsOrderItemModel `->recalculate_prices()`;
 * OsOrderModel `->recalculate_subtotal()`, `->recalculate_total()`,
 * `->generate_price_breakdown_rows()`; OsOrdersHelper
 * `::generate_price_breakdown_from_params()`; OsActivitiesHelper
 * `::log_booking_change_status()`; OsBookingHelper `::get_default_booking_status()`;
 * OsLocationHelper `::get_default_location_id()`; OsMoneyHelper
 * `::to_money_field_format()`, `::convert_amount_from_money_input_to_db_format()`;
 * OsOrderModel `->get_items()`, `->get_subtotal()`, `->get_total()`; OsCustomerModel
 * `->save_meta_by_key()`, `->delete_meta_by_key()`; OsMoneyHelper `::format_price()`. The tests' stand-in models
 * (tests/php/stand-ins/) implement exactly this, and the real-LatePoint suite
 * keeps them honest.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\LatePoint_Inactive_Error;
use LatePointApi\Support\Storage_Error;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * LatePoint's models.
 */
final class Models {

	const CLASSES = array( 'OsBookingModel', 'OsOrderModel', 'OsOrderItemModel', 'OsCustomerModel', 'OsActivitiesHelper', 'OsOrdersHelper', 'OsBookingHelper', 'OsLocationHelper', 'OsMoneyHelper' );

	/** LatePoint is loaded, with the models the writes use. */
	public static function active(): bool {
		$active = true;
		foreach ( self::CLASSES as $class ) {
			$active = $active && class_exists( $class );
		}
		/**
		 * Whether the API may write through LatePoint's models. False makes every
		 * resource write a 503 latepoint_inactive (reads go on): a site can make
		 * the API read-only this way.
		 *
		 * @param bool $active LatePoint's models are loaded.
		 */
		return (bool) apply_filters( 'lpapi_latepoint_active', $active );
	}

	/** Throws LatePoint_Inactive_Error (503 latepoint_inactive) unless LatePoint is active. */
	public static function require_active(): void {
		if ( ! self::active() ) {
			throw new LatePoint_Inactive_Error( 'LatePoint is not active.' );
		}
	}

	/**
	 * Throws a Validation_Error with LatePoint's own messages under $field
	 * unless the model passes LatePoint's validation.
	 *
	 * @param object   $model a LatePoint model.
	 * @param string[] $skip  properties not checked yet (set by a later save).
	 */
	public static function validate( $model, string $field, array $skip = array() ): void {
		if ( ! $model->validate( false, $skip ) ) {
			throw new Validation_Error( array( $field => implode( ' ', array_map( 'wp_strip_all_tags', $model->get_error_messages() ) ) ) );
		}
	}

	/**
	 * Saves a model, LatePoint validating it inside save() as its admin does: a
	 * validation failure is a Validation_Error with LatePoint's messages under
	 * $field (nothing was written), any other failure a Storage_Error.
	 *
	 * @param object $model a LatePoint model.
	 */
	public static function save_valid( $model, string $field ): void {
		if ( $model->save() ) {
			return;
		}
		if ( $model->has_validation_error() ) {
			throw new Validation_Error( array( $field => implode( ' ', array_map( 'wp_strip_all_tags', $model->get_error_messages( 'validation' ) ) ) ) );
		}
		throw new Storage_Error( 'LatePoint could not save a ' . get_class( $model ) . '.' );
	}

	/**
	 * Saves a model that was validated before: a failure now is the
	 * database's (Storage_Error, 503).
	 *
	 * @param object $model a LatePoint model.
	 */
	public static function save( $model ): void {
		if ( ! $model->save() ) {
			throw new Storage_Error( 'LatePoint could not save a ' . get_class( $model ) . '.' );
		}
	}
}
