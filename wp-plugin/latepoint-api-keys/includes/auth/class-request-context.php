<?php
/**
 * What one API request has learnt about itself: its id, when it started, the
 * key that authenticated it and the rate-limit decision.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Auth;

use LatePointApi\Support\Request_Id;

defined( 'ABSPATH' ) || exit;

/**
 * Per-request state (PHP resets statics between requests).
 */
final class Request_Context {

	/** @var ?string */
	private static $request_id = null;
	/** @var float */
	private static $started = 0.0;
	/** @var ?array the authenticated key's auth record */
	public static $key = null;
	/** @var ?array a known key's record even when it was refused (for the log and usage counts) */
	public static $known_key = null;
	/** @var ?array the rate-limit decision */
	public static $rate = null;
	/** @var string */
	public static $client_ip = '';
	/** @var ?string the API error code of a failed authentication */
	public static $auth_error = null;
	/** @var string display prefix of a presented key, for the log */
	public static $presented_prefix = '';

	/** This request's id (Request_Id's format), made on first use. */
	public static function request_id(): string {
		if ( null === self::$request_id ) {
			self::$request_id = Request_Id::generate();
		}
		return self::$request_id;
	}

	public static function start(): void {
		self::$started = isset( $_SERVER['REQUEST_TIME_FLOAT'] ) ? (float) $_SERVER['REQUEST_TIME_FLOAT'] : microtime( true );
		self::request_id();
	}

	public static function duration_ms(): int {
		return self::$started > 0 ? (int) round( ( microtime( true ) - self::$started ) * 1000 ) : 0;
	}

	/** Forgets everything (for tests that run several requests in one process). */
	public static function reset(): void {
		self::$request_id       = null;
		self::$started          = 0.0;
		self::$key              = null;
		self::$known_key        = null;
		self::$rate             = null;
		self::$client_ip        = '';
		self::$auth_error       = null;
		self::$presented_prefix = '';
	}
}
