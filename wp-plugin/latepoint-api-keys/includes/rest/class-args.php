<?php
/**
 * Argument definitions shared by the list routes, and reading them back.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

defined( 'ABSPATH' ) || exit;

/**
 * Paging: `page`/`per_page` (default 20, max 100) or `cursor`.
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
}
