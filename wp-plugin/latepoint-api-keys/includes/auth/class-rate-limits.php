<?php
/**
 * A request's rate limits: the buckets it counts against (the key's overall
 * limits, and its operation's where the key or its environment sets some),
 * one decision over them (lpapi_rate_hit_many), and how the decision is told
 * to the caller (RateLimit-Policy, RateLimit, X-RateLimit-*, the 429).
 *
 * Every request counts against the key's overall bucket; a create, update or
 * delete also against its operation's bucket (the route's permission, e.g.
 * `bookings:create`) when that operation is limited. A request refused by
 * either counts against neither. The overall bucket is listed last: the
 * native decision counts the buckets in order and takes a unit back from the
 * earlier ones when a later one refuses, so the bucket every request shares
 * never has a unit taken back, and no request is refused because of another
 * request's unit that is about to be taken back (README, "Rate limits").
 *
 * @package LatePointApi
 */

namespace LatePointApi\Auth;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Keys\Key_Format;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Rest\Api_Response;
use LatePointApi\Rest\Routes;
use LatePointApi\Support\Core;

defined( 'ABSPATH' ) || exit;

/**
 * Buckets, the decision and its headers.
 */
final class Rate_Limits {

	/** Each window's length in seconds, as RateLimit-Policy's `w`. */
	const WINDOWS = array(
		'minute' => 60,
		'hour'   => 3600,
		'day'    => 86400,
	);

	/**
	 * The write operation a request performs (its route's permission, e.g.
	 * `bookings:create`), or '' for a read.
	 */
	public static function operation( \WP_REST_Request $request ): string {
		if ( in_array( strtoupper( $request->get_method() ), array( 'GET', 'HEAD', 'OPTIONS' ), true ) ) {
			return '';
		}
		$permission = Routes::permission_of( $request );
		return 1 === preg_match( '/^[a-z]+:(create|update|delete)$/', $permission ) ? $permission : '';
	}

	/**
	 * Counts the request against its buckets, if all have room.
	 *
	 * @param array<string, mixed> $record the key's auth record
	 * @return array<string, mixed> lpapi_rate_hit_many()'s decision, plus `names`: each
	 *                              bucket's policy name ('' for the key's overall limits).
	 * @throws \LatePointApi\Native\LpapiException When the rate limiter cannot decide.
	 */
	public static function hit( array $record, string $operation ): array {
		$limits  = Key_Service::effective_limits( $record );
		$counter = (int) ( $record['counter_id'] ?? $record['id'] );
		$buckets = array();
		$names   = array();
		if ( '' !== $operation && isset( $limits['operations'][ $operation ] ) ) {
			$buckets[] = array( 'bucket' => Key_Format::operation_bucket( $counter, $operation ) ) + $limits['operations'][ $operation ];
			$names[]   = $operation;
		}
		$buckets[] = array(
			'bucket'     => Key_Format::rate_bucket( $counter ),
			'per_minute' => $limits['per_minute'],
			'per_hour'   => $limits['per_hour'],
			'per_day'    => $limits['per_day'],
		);
		$names[]   = '';
		return Core::rate_hit_many( $buckets ) + array( 'names' => $names );
	}

	/** The policy name of a bucket's window: `day`, or `bookings:create/minute`. */
	public static function policy_name( string $bucket_name, string $window ): string {
		return '' === $bucket_name ? $window : $bucket_name . '/' . $window;
	}

	/** The policy name of the decision's tightest window. */
	public static function tightest( array $rate ): string {
		return self::policy_name( $rate['names'][ $rate['bucket'] ], $rate['window'] );
	}

	/** The key's overall windows in a decision (null where unlimited). */
	public static function overall( array $rate ): array {
		return $rate['buckets'][ count( $rate['buckets'] ) - 1 ];
	}

	/**
	 * The rate-limit headers: every limit that applies in RateLimit-Policy (the
	 * key's overall ones first), the tightest in RateLimit and X-RateLimit-*.
	 *
	 * @return array<string, string>
	 */
	public static function headers( array $rate, int $now ): array {
		$items = array();
		foreach ( array_reverse( array_keys( $rate['buckets'] ) ) as $index ) {
			foreach ( self::WINDOWS as $window => $seconds ) {
				$status = $rate['buckets'][ $index ][ $window ];
				if ( null !== $status ) {
					$items[] = sprintf( '"%s";q=%d;w=%d', self::policy_name( $rate['names'][ $index ], $window ), $status['limit'], $seconds );
				}
			}
		}
		$headers                      = array(
			'X-RateLimit-Limit'     => (string) $rate['limit'],
			'X-RateLimit-Remaining' => (string) $rate['remaining'],
			'X-RateLimit-Reset'     => (string) $rate['reset'],
			'RateLimit-Policy'      => implode( ', ', $items ),
			'RateLimit'             => sprintf( '"%s";r=%d;t=%d', self::tightest( $rate ), $rate['remaining'], max( 0, $rate['reset'] - $now ) ),
		);
		$headers['X-RateLimit-Scope'] = (string) ( $rate['scope'] ?? 'server' );
		if ( ! $rate['allowed'] ) {
			$headers['Retry-After'] = (string) $rate['retry_after'];
		}
		return $headers;
	}

	/**
	 * Logs that the rate counters moved to another scope: Redis went down (the
	 * counting goes on per server, or requests are refused) or came back. Only
	 * the one process that saw the switch logs it.
	 */
	public static function log_switch( string $scope, bool $changed ): void {
		if ( ! $changed ) {
			return;
		}
		Audit_Log::record(
			array(
				'created_at' => Audit_Log::now_ms(),
				'request_id' => Request_Context::request_id(),
				'event'      => 'rate_store',
				'error_code' => 'cluster' === $scope ? 'redis_up' : 'redis_down',
				'method'     => 'SYSTEM',
				'route'      => 'cluster' === $scope ? 'Redis answers again: rate limits count across every server' : 'Redis cannot be reached: ' . ( 'refuse' === self::down_policy() ? 'API requests are refused' : 'rate limits count per server' ),
				'client_ip'  => Request_Context::$client_ip,
			)
		);
	}

	/** What the rate store does while Redis is down: "local" or "refuse". */
	public static function down_policy(): string {
		$info = Core::info();
		return (string) ( $info['redis']['down_policy'] ?? 'local' );
	}

	/** The 429 of a refused decision, naming the limit that refused it. */
	public static function refusal( array $rate ): \WP_Error {
		$operation = $rate['names'][ $rate['bucket'] ];
		return Api_Response::error(
			429,
			'rate_limit_exceeded',
			sprintf(
				/* translators: 1: the limit's name, e.g. "minute" or "bookings:create/day", 2: its limit, 3: seconds */
				__( 'Rate limit exceeded (%1$s: %2$d). Retry in %3$d seconds.', 'latepoint-api-keys' ),
				self::tightest( $rate ),
				$rate['limit'],
				$rate['retry_after']
			),
			array(
				'limit'       => $rate['limit'],
				'remaining'   => $rate['remaining'],
				'reset'       => $rate['reset'],
				'retry_after' => $rate['retry_after'],
				'policy'      => self::tightest( $rate ),
				'window'      => $rate['window'],
				'operation'   => '' === $operation ? null : $operation,
			)
		);
	}
}
