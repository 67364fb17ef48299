<?php
/**
 * Customers' custom fields, as LatePoint keeps them. LatePoint's core has no
 * field definitions of its own; its custom-fields add-on keeps them in the
 * LatePoint setting `custom_fields_for_customer` (a JSON object of field id =>
 * {id, label, type, options, required, …}) and each customer's value in
 * latepoint_customer_meta with meta_key = the field id. Only defined fields
 * are read or written; an unknown one is a 422. Values are written through
 * LatePoint's customer model (save_meta_by_key; an empty value or null is
 * delete_meta_by_key, since LatePoint's meta model refuses an empty value).
 * A field with options (a select) takes one of them. A field's "required" is
 * left to the forms that ask for it (LatePoint's booking form and its
 * add-on's): the API neither enforces nor invents a value for it.
 * Knows nothing of REST.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Storage_Error;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Custom fields of customers.
 */
final class Customer_Fields {

	/** The LatePoint setting holding the definitions. */
	const SETTING = 'custom_fields_for_customer';
	/** What a field id may be (a meta_key of LatePoint's meta tables, varchar(110)). */
	const ID_PATTERN = '/^[A-Za-z0-9_-]{1,100}$/';
	/** The longest value stored. */
	const MAX_LENGTH = 10000;

	/**
	 * The defined fields, in their order: id => {id, label, type, required, options}.
	 *
	 * @return array<string, array{id: string, label: string, type: string, required: bool, options: string[]}>
	 */
	public static function definitions(): array {
		$raw = maybe_unserialize( (string) Tables::setting( self::SETTING, '' ) );
		if ( is_string( $raw ) ) {
			$raw = json_decode( $raw, true );
		}
		$fields = array();
		foreach ( is_array( $raw ) ? $raw : array() as $key => $field ) {
			if ( ! is_array( $field ) ) {
				continue;
			}
			$id = (string) ( $field['id'] ?? $key );
			if ( ! preg_match( self::ID_PATTERN, $id ) ) {
				continue;
			}
			$options       = $field['options'] ?? '';
			$fields[ $id ] = array(
				'id'       => $id,
				'label'    => (string) ( $field['label'] ?? '' ),
				'type'     => (string) ( $field['type'] ?? 'text' ),
				'required' => in_array( $field['required'] ?? 'off', array( 'on', true, 'true', '1', 1 ), true ),
				'options'  => array_values( array_filter( array_map( 'trim', is_array( $options ) ? array_map( 'strval', $options ) : explode( "\n", (string) $options ) ), 'strlen' ) ),
			);
		}
		return $fields;
	}

	/**
	 * The custom fields of customers: id => field id => value (null when unset).
	 *
	 * @param int[] $ids
	 * @return array<int, array<string, ?string>>
	 */
	public static function values( array $ids ): array {
		global $wpdb;
		$fields = array_keys( self::definitions() );
		$empty  = array_fill_keys( $fields, null );
		$out    = array_fill_keys( $ids, $empty );
		if ( ! $ids || ! $fields ) {
			return $out;
		}
		$sql  = 'SELECT object_id, meta_key, meta_value FROM ' . Tables::name( 'customer_meta' )
			. ' WHERE object_id IN (' . implode( ', ', array_fill( 0, count( $ids ), '%d' ) ) . ')'
			. ' AND meta_key IN (' . implode( ', ', array_fill( 0, count( $fields ), '%s' ) ) . ') ORDER BY id ASC';
		$rows = $wpdb->get_results( $wpdb->prepare( $sql, array_merge( $ids, $fields ) ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $sql is literal SQL with placeholders only.
		foreach ( $rows ?: array() as $row ) {
			$id = (int) $row['object_id'];
			// LatePoint's get_meta_by_key reads the first row of a key.
			if ( isset( $out[ $id ] ) && null === $out[ $id ][ $row['meta_key'] ] ) {
				$out[ $id ][ $row['meta_key'] ] = (string) $row['meta_value'];
			}
		}
		return $out;
	}

	/**
	 * Checks the `custom_fields` of a write: an object of defined field ids =>
	 * string, number or null (null or "" clears the field).
	 *
	 * @return array<string, string> field id => value ("" = clear)
	 * @throws Validation_Error Naming custom_fields or custom_fields.<id>.
	 */
	public static function clean( $input ): array {
		if ( ! is_array( $input ) || ( $input && array_is_list( $input ) ) ) {
			throw new Validation_Error( array( 'custom_fields' => __( 'Must be an object of custom field ids and values.', 'latepoint-api-keys' ) ) );
		}
		$defined = self::definitions();
		$errors  = array();
		$values  = array();
		foreach ( $input as $id => $value ) {
			$id   = (string) $id;
			$name = 'custom_fields.' . substr( $id, 0, 100 );
			if ( ! isset( $defined[ $id ] ) ) {
				$errors[ $name ] = __( 'Unknown custom field.', 'latepoint-api-keys' );
			} elseif ( null !== $value && ! is_string( $value ) && ! is_int( $value ) && ! is_float( $value ) ) {
				$errors[ $name ] = __( 'Must be a string, a number or null.', 'latepoint-api-keys' );
			} elseif ( strlen( (string) $value ) > self::MAX_LENGTH ) {
				/* translators: %d: a number of characters */
				$errors[ $name ] = sprintf( __( 'At most %d characters.', 'latepoint-api-keys' ), self::MAX_LENGTH );
			} elseif ( $defined[ $id ]['options'] && '' !== (string) $value && ! in_array( (string) $value, $defined[ $id ]['options'], true ) ) {
				/* translators: %s: the field's options, comma-separated */
				$errors[ $name ] = sprintf( __( 'Must be one of the field\'s options: %s.', 'latepoint-api-keys' ), implode( ', ', $defined[ $id ]['options'] ) );
			} else {
				$values[ $id ] = sanitize_textarea_field( (string) $value );
			}
			if ( count( $errors ) >= 20 ) {
				break;
			}
		}
		if ( $errors ) {
			throw new Validation_Error( $errors );
		}
		return $values;
	}

	/**
	 * Stores cleaned values on a saved customer through LatePoint's model.
	 *
	 * @param \OsCustomerModel      $customer a saved customer.
	 * @param array<string, string> $values   clean() output.
	 */
	public static function save( $customer, array $values ): void {
		foreach ( $values as $id => $value ) {
			$done = '' === $value ? $customer->delete_meta_by_key( $id ) : $customer->save_meta_by_key( $id, $value );
			if ( ! $done ) {
				throw new Storage_Error( 'LatePoint could not save a customer custom field.' );
			}
		}
	}
}
