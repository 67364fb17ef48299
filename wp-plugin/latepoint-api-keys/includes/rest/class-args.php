<?php
/**
 * Argument definitions the routes share (paging, ids, dates, times), reading
 * them back, and the body of a write.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\Support\Dates;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Paging: `page`/`per_page` (default 20, max 100) or `cursor`; ids, dates, times.
 */
final class Args {

	const DEFAULT_PER_PAGE = 20;
	const MAX_PER_PAGE     = 100;

	/** @return array<string, array<string, mixed>> */
	public static function paging(): array {
		return array(
			'page'     => array(
				'description' => __( 'Page number, from 1.', 'latepoint-api-keys' ),
				'type'        => 'integer',
				'minimum'     => 1,
				'maximum'     => 1000000,
				'default'     => 1,
			),
			'per_page' => array(
				'description' => __( 'Items per page.', 'latepoint-api-keys' ),
				'type'        => 'integer',
				'minimum'     => 1,
				'maximum'     => self::MAX_PER_PAGE,
				'default'     => self::DEFAULT_PER_PAGE,
			),
			'cursor'   => array(
				'description' => __( 'meta.next_cursor of the previous page; takes the place of page.', 'latepoint-api-keys' ),
				'type'        => 'string',
				'maxLength'   => 200,
			),
		);
	}

	/**
	 * @return array{page: int, per_page: int, offset: int, before_id: ?int}|\WP_Error
	 */
	public static function read_paging( \WP_REST_Request $request ) {
		$page     = (int) $request->get_param( 'page' );
		$per_page = (int) $request->get_param( 'per_page' );
		$cursor   = $request->get_param( 'cursor' );
		$before   = null;
		if ( null !== $cursor && '' !== $cursor ) {
			$before = Api_Response::decode_cursor( (string) $cursor );
			if ( null === $before ) {
				return Api_Response::error( 422, 'validation_failed', __( 'Some fields are invalid.', 'latepoint-api-keys' ), array( 'fields' => array( 'cursor' => __( 'Not a cursor from this API.', 'latepoint-api-keys' ) ) ) );
			}
		}
		return array(
			'page'      => max( 1, $page ),
			'per_page'  => min( self::MAX_PER_PAGE, max( 1, $per_page ) ),
			'offset'    => ( max( 1, $page ) - 1 ) * $per_page,
			'before_id' => $before,
		);
	}

	/**
	 * Runs a list query fetching one extra row to know whether a next cursor exists.
	 *
	 * @param callable(int $offset, int $limit, ?int $before_id): array{items: array[], total: int} $fetch
	 */
	public static function paged_response( array $paging, callable $fetch ): \WP_REST_Response {
		$result = $fetch( $paging['offset'], $paging['per_page'] + 1, $paging['before_id'] );
		$items  = array_slice( $result['items'], 0, $paging['per_page'] );
		$next   = count( $result['items'] ) > $paging['per_page'] && $items ? end( $items )['id'] : null;
		return Api_Response::page( $items, $result['total'], null === $paging['before_id'] ? $paging['page'] : 1, $paging['per_page'], $next );
	}

	/** The JSON (or form) body of a write. */
	public static function body( \WP_REST_Request $request ): array {
		$json = $request->get_json_params();
		if ( is_array( $json ) ) {
			return $json;
		}
		$body = $request->get_body_params();
		return is_array( $body ) ? wp_unslash( $body ) : array();
	}

	/** The JSON body of a resource write; a body that is not a JSON object is a 422 naming `body`. */
	public static function write_body( \WP_REST_Request $request ): array {
		$json = $request->get_json_params();
		if ( null === $json && '' !== trim( (string) $request->get_body() ) && ! $request->get_body_params() ) {
			throw new Validation_Error( array( 'body' => __( 'The body must be a JSON object.', 'latepoint-api-keys' ) ) );
		}
		return self::body( $request );
	}

	/**
	 * Refuses body fields the route does not know (422 naming them).
	 *
	 * @param string[] $allowed
	 */
	public static function reject_unknown( array $body, array $allowed ): void {
		$unknown = array_diff( array_map( 'strval', array_keys( $body ) ), $allowed );
		if ( $unknown ) {
			$fields = array();
			foreach ( array_slice( $unknown, 0, 20 ) as $name ) {
				$fields[ substr( $name, 0, 100 ) ] = __( 'Unknown field.', 'latepoint-api-keys' );
			}
			throw new Validation_Error( $fields );
		}
	}

	/** An `args` entry for a referenced id. */
	public static function id_arg( string $description, array $extra = array() ): array {
		return $extra + array(
			'type'        => 'integer',
			'minimum'     => 1,
			'maximum'     => 2147483647,
			'description' => $description,
		);
	}

	/**
	 * An `args` entry for a Y-m-d date: the schema, then a calendar check, then $more.
	 *
	 * @param ?callable(string, \WP_REST_Request): (true|\WP_Error) $more
	 */
	public static function date_arg( array $extra = array(), ?callable $more = null ): array {
		return $extra + array(
			'type'              => 'string',
			'format'            => 'date',
			'pattern'           => '^\d{4}-\d{2}-\d{2}$',
			'description'       => __( 'A date, YYYY-MM-DD.', 'latepoint-api-keys' ),
			'validate_callback' => static function ( $value, $request, $param ) use ( $more ) {
				$valid = rest_validate_request_arg( $value, $request, $param );
				if ( true !== $valid ) {
					return $valid;
				}
				if ( ! Dates::is_date( $value ) ) {
					return new \WP_Error( 'rest_invalid_param', __( 'Not a valid calendar date (YYYY-MM-DD, years 1970–2100).', 'latepoint-api-keys' ) );
				}
				return $more ? $more( $value, $request ) : true;
			},
		);
	}

	/** An `args` entry for a time of day "HH:MM". */
	public static function time_arg( array $extra = array() ): array {
		return $extra + array(
			'type'        => 'string',
			'pattern'     => '^([01][0-9]|2[0-3]):[0-5][0-9]$',
			'description' => __( 'A time of day, HH:MM (24-hour), in the site\'s time zone.', 'latepoint-api-keys' ),
		);
	}

	/**
	 * Gives every arg a validate_callback, so WordPress checks all of them in
	 * one pass and the 422 names every bad field at once (by default, type
	 * checks run later, at sanitising, and stop at the first failing stage).
	 */
	public static function validate_all( array $args ): array {
		foreach ( $args as $name => $arg ) {
			if ( ! isset( $arg['validate_callback'] ) ) {
				$args[ $name ]['validate_callback'] = 'rest_validate_request_arg';
			}
		}
		return $args;
	}
}
