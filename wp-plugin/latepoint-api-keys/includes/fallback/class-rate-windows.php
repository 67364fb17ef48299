<?php
/**
 * The three-window arithmetic of the fallback's rate counters: one decision
 * over the counters of one or more buckets, each with a fixed UTC minute,
 * hour and day window. The same rules as the native extension.
 *
 * A bucket's counters are [minute index, minute count, hour count, day
 * count]: the minute count is valid in that minute, the hour count in its
 * hour (minute / 60), the day count in its day (minute / 1440). A stored
 * minute never moves back, so a clock that steps back does not reopen a
 * window.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Fallback;

use LatePointApi\Native\InvalidArgumentException;

defined( 'ABSPATH' ) || defined( 'LPAPI_FALLBACK_STANDALONE' ) || exit;

/**
 * Rate-limit decisions over stored counters.
 */
final class Rate_Windows {

	/** Each window's length in minutes, shortest first. */
	const MINUTES = array(
		'minute' => 1,
		'hour'   => 60,
		'day'    => 1440,
	);

	/** The counters of a bucket never hit. */
	const NONE = array( 0, 0, 0, 0 );

	/** The largest count a window keeps (an unlimited window's count stops there). */
	const MAX_COUNT = 4294967295;

	/**
	 * A stored value as counters: four integers. Counters stored with no day
	 * count (before the day window) take their hour count as the day's.
	 *
	 * @param mixed $value What the store held, or null.
	 * @return array{0: int, 1: int, 2: int, 3: int}
	 */
	public static function counters( $value ): array {
		if ( ! is_array( $value ) || ! isset( $value[0], $value[1], $value[2] ) ) {
			return self::NONE;
		}
		$value = array_map( 'intval', array_values( $value ) );
		return array( $value[0], $value[1], $value[2], $value[3] ?? $value[2] );
	}

	/**
	 * Validates the buckets of lpapi_rate_hit_many(), in order, and returns each
	 * one's limits by window.
	 *
	 * @param array<mixed> $buckets
	 * @return list<array{minute: ?int, hour: ?int, day: ?int}>
	 */
	public static function limits( array $buckets ): array {
		if ( ! array_is_list( $buckets ) || count( $buckets ) < 1 || count( $buckets ) > Fallback::MAX_BUCKETS ) {
			throw new InvalidArgumentException( 'buckets must be a list of 1 to ' . Fallback::MAX_BUCKETS . ' buckets' );
		}
		$fields = array(
			'bucket'     => true,
			'per_minute' => 'minute',
			'per_hour'   => 'hour',
			'per_day'    => 'day',
		);
		$names  = array();
		$limits = array();
		foreach ( $buckets as $i => $entry ) {
			if ( ! is_array( $entry ) ) {
				throw new InvalidArgumentException( "buckets[{$i}] must be an array" );
			}
			foreach ( array_keys( $entry ) as $field ) {
				if ( ! isset( $fields[ $field ] ) ) {
					throw new InvalidArgumentException( "buckets[{$i}] has an unknown field \"{$field}\"" );
				}
			}
			$name = $entry['bucket'] ?? null;
			if ( ! is_string( $name ) || '' === $name || strlen( $name ) > Fallback::MAX_BUCKET ) {
				throw new InvalidArgumentException( "buckets[{$i}][bucket] must be a string of 1 to " . Fallback::MAX_BUCKET . ' bytes' );
			}
			if ( isset( $names[ $name ] ) ) {
				throw new InvalidArgumentException( "buckets[{$i}][bucket] repeats buckets[{$names[ $name ]}][bucket]" );
			}
			$names[ $name ] = $i;
			$windows        = array();
			foreach ( array( 'per_minute', 'per_hour', 'per_day' ) as $field ) {
				$limit = $entry[ $field ] ?? null;
				if ( null !== $limit && ( ! is_int( $limit ) || $limit < 1 || $limit > Fallback::MAX_U32 ) ) {
					throw new InvalidArgumentException( "buckets[{$i}][{$field}] must be null or an integer between 1 and " . Fallback::MAX_U32 );
				}
				$windows[ $fields[ $field ] ] = $limit;
			}
			if ( array( null, null, null ) === array_values( $windows ) ) {
				throw new InvalidArgumentException( "buckets[{$i}] sets no limit (per_minute, per_hour or per_day)" );
			}
			$limits[] = $windows;
		}
		return $limits;
	}

	/**
	 * One decision over several buckets: a hit of $cost is admitted only if
	 * every limited window of every bucket has room, and is then counted in
	 * every window (limited or not) of every bucket.
	 *
	 * @param list<array{0: int, 1: int, 2: int, 3: int}>          $stored Each bucket's counters.
	 * @param int                                                   $now    Epoch seconds.
	 * @param list<array{minute: ?int, hour: ?int, day: ?int}>      $limits Each bucket's limits (null: unlimited).
	 * @param int                                                   $cost   Units of the hit.
	 * @param bool                                                  $count  False for a peek: nothing is counted.
	 * @return array{0: array, 1: ?list<array{0: int, 1: int, 2: int, 3: int}>} The decision in the shape of
	 *         lpapi_rate_hit_many(), and each bucket's new counters (null when nothing is to be written).
	 */
	public static function decide( array $stored, int $now, array $limits, int $cost, bool $count ): array {
		$used    = array();
		$indexes = array();
		$allowed = true;
		foreach ( $stored as $i => $counters ) {
			list( $stored_minute, $minute_count, $hour_count, $day_count ) = $counters;
			$minute        = max( intdiv( $now, 60 ), $stored_minute );
			$indexes[ $i ] = array(
				'minute' => $minute,
				'hour'   => intdiv( $minute, 60 ),
				'day'    => intdiv( $minute, 1440 ),
			);
			$used[ $i ]    = array(
				'minute' => $stored_minute === $minute ? $minute_count : 0,
				'hour'   => intdiv( $stored_minute, 60 ) === $indexes[ $i ]['hour'] ? $hour_count : 0,
				'day'    => intdiv( $stored_minute, 1440 ) === $indexes[ $i ]['day'] ? $day_count : 0,
			);
			foreach ( self::MINUTES as $window => $minutes ) {
				$limit = $limits[ $i ][ $window ] ?? null;
				if ( null !== $limit && $used[ $i ][ $window ] + $cost > $limit ) {
					$allowed = false;
				}
			}
		}
		$next = null;
		if ( $allowed && $count ) {
			$next = array();
			foreach ( $used as $i => $windows ) {
				foreach ( $windows as $window => $units ) {
					$used[ $i ][ $window ] = min( self::MAX_COUNT, $units + $cost );
				}
				$next[] = array( $indexes[ $i ]['minute'], $used[ $i ]['minute'], $used[ $i ]['hour'], $used[ $i ]['day'] );
			}
		}

		$buckets  = array();
		$tightest = null;
		$key      = null;
		foreach ( $used as $i => $windows ) {
			$statuses = array();
			foreach ( self::MINUTES as $window => $minutes ) {
				$limit = $limits[ $i ][ $window ] ?? null;
				if ( null === $limit ) {
					$statuses[ $window ] = null;
					continue;
				}
				$status              = array(
					'limit'     => $limit,
					'remaining' => max( 0, $limit - $windows[ $window ] ),
					'reset'     => ( $indexes[ $i ][ $window ] + 1 ) * $minutes * 60,
				);
				$statuses[ $window ] = $status;
				// What makes a window the tightest, largest first: when refused, among the refusing
				// windows, the latest reset; when admitted, the fewest remaining. Then the longer window.
				if ( $allowed ) {
					$candidate = array( -$status['remaining'], $minutes );
				} elseif ( $windows[ $window ] + $cost > $limit ) {
					$candidate = array( $status['reset'], $minutes );
				} else {
					continue;
				}
				// Strictly larger only, so a full tie keeps the first bucket.
				if ( null === $key || $candidate[0] > $key[0] || ( $candidate[0] === $key[0] && $candidate[1] > $key[1] ) ) {
					$key      = $candidate;
					$tightest = array( $i, $window, $status );
				}
			}
			$buckets[] = $statuses;
		}

		list( $index, $window, $status ) = $tightest;
		$decision                        = array(
			'allowed'     => $allowed,
			'limit'       => $status['limit'],
			'remaining'   => $status['remaining'],
			'reset'       => $status['reset'],
			'retry_after' => $allowed ? 0 : max( 1, $status['reset'] - $now ),
			'bucket'      => $index,
			'window'      => $window,
			'buckets'     => $buckets,
		);
		return array( $decision, $next );
	}

	/**
	 * The decision of lpapi_rate_hit() and lpapi_rate_peek(): one bucket, a
	 * minute and an hour limit and no day limit, in their shape.
	 *
	 * @param array{0: int, 1: int, 2: int, 3: int} $stored The bucket's counters.
	 * @return array{0: array, 1: ?array{0: int, 1: int, 2: int, 3: int}} The decision, and the new counters or null.
	 */
	public static function decide_two( array $stored, int $now, int $per_minute, int $per_hour, int $cost, bool $count ): array {
		$limits              = array(
			'minute' => $per_minute,
			'hour'   => $per_hour,
			'day'    => null,
		);
		list( $many, $next ) = self::decide( array( $stored ), $now, array( $limits ), $cost, $count );
		$decision            = array(
			'allowed'     => $many['allowed'],
			'limit'       => $many['limit'],
			'remaining'   => $many['remaining'],
			'reset'       => $many['reset'],
			'retry_after' => $many['retry_after'],
			'minute'      => $many['buckets'][0]['minute'],
			'hour'        => $many['buckets'][0]['hour'],
		);
		return array( $decision, null === $next ? null : $next[0] );
	}
}
