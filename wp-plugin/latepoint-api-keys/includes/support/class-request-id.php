<?php
/**
 * Request ids: `req_` and 24 random base62 characters, the one format of every
 * response's X-Request-Id and error envelope (the db-error drop-in's too).
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

defined( 'ABSPATH' ) || exit;

/**
 * The request-id generator.
 */
final class Request_Id {

	const PREFIX  = 'req_';
	const LENGTH  = 24;
	const PATTERN = '/^req_[0-9A-Za-z]{24}$/';

	public static function generate(): string {
		$alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
		$id       = self::PREFIX;
		for ( $i = 0; $i < self::LENGTH; $i++ ) {
			$id .= $alphabet[ random_int( 0, 61 ) ];
		}
		return $id;
	}
}
