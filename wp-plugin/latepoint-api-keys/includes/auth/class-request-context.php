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
	/** @var string the lane serving the request (Lane::FULL or Lane::LEAN), for Server-Timing */
	public static $lane = 'full';
	/** @var float seconds spent authenticating (the checks of rest_pre_dispatch) */
	public static $auth_seconds = 0.0;
	/** @var float when the checks ended and the route's own work began (microtime), 0 before */
	public static $handler_started = 0.0;

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
		self::$lane             = 'full';
		self::$auth_seconds     = 0.0;
		self::$handler_started  = 0.0;
	}

	/**
	 * The Server-Timing header's value: the lane, then in milliseconds the
	 * boot (from the request's start to the checks), the authentication and
	 * the handler (permission, arguments, the route's work, the envelope).
	 */
	public static function server_timing(): string {
		$now     = microtime( true );
		$checks  = self::$handler_started > 0 ? self::$handler_started - self::$auth_seconds : $now;
		$boot    = self::$started > 0 ? max( 0.0, $checks - self::$started ) : 0.0;
		$handler = self::$handler_started > 0 ? $now - self::$handler_started : 0.0;
		return sprintf( 'lane;desc="%s", boot;dur=%.2f, auth;dur=%.2f, handler;dur=%.2f', self::$lane, $boot * 1000, self::$auth_seconds * 1000, $handler * 1000 );
	}
}
