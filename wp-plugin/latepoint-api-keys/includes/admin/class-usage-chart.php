<?php
/**
 * A key's usage over 30 days, drawn as an SVG bar chart.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Admin;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Audit\Log_Query;
use LatePointApi\Keys\Permissions;

defined( 'ABSPATH' ) || exit;

/**
 * A key's usage over 30 days, drawn as an SVG bar chart.
 */
final class Usage_Chart {

	/** A key's last 30 days as an inline SVG bar chart (no external assets). */
	public static function render_usage( array $key ): void {
		Audit_Log::flush();
		$series = Log_Query::usage( $key['id'], 30 );
		/* translators: %s: key name */
		echo '<h2>' . esc_html( sprintf( __( 'Usage of “%s”, last 30 days', 'latepoint-api-keys' ), $key['name'] ) ) . '</h2>';
		echo '<p><code>' . esc_html( $key['display'] ) . '</code> · ' . esc_html( Permissions::summary( $key['permissions'] ) ) . ' · ';
		$limits = $key['limits'];
		if ( null === $limits['per_day'] ) {
			/* translators: 1: per minute, 2: per hour */
			$line = sprintf( __( 'limits %1$d/min, %2$d/hour, no daily limit', 'latepoint-api-keys' ), $limits['per_minute'], $limits['per_hour'] );
		} else {
			/* translators: 1: per minute, 2: per hour, 3: per day */
			$line = sprintf( __( 'limits %1$d/min, %2$d/hour, %3$d/day', 'latepoint-api-keys' ), $limits['per_minute'], $limits['per_hour'], $limits['per_day'] );
		}
		foreach ( $limits['operations'] as $operation => $entry ) {
			$line .= ' · ' . $operation . ' ' . Limit_Fields::describe( $entry );
		}
		echo '<span class="lpapi-limits">' . esc_html( $line ) . '</span></p>';
		echo self::usage_svg( $series ); // phpcs:ignore LatePointApi.Security.EscapedOutput.OutputNotEscaped -- usage_svg() escapes every attribute and text it puts in the SVG.
		$totals = array( 'requests' => 0, 'errors' => 0, 'rate_limited' => 0 );
		foreach ( $series as $day ) {
			foreach ( $totals as $name => $sum ) {
				$totals[ $name ] = $sum + $day[ $name ];
			}
		}
		/* translators: 1: requests, 2: errors, 3: rate-limited */
		echo '<p class="lpapi-usage-totals">' . esc_html( sprintf( __( '%1$d requests, %2$d errors, %3$d rate-limited.', 'latepoint-api-keys' ), $totals['requests'], $totals['errors'], $totals['rate_limited'] ) ) . '</p>';
		echo '<p><a href="' . esc_url( Admin_Page::url( array( 'tab' => 'logs', 'key_id' => $key['id'] ) ) ) . '">' . esc_html__( 'See this key’s log', 'latepoint-api-keys' ) . '</a> · <a href="' . esc_url( Admin_Page::url( array( 'tab' => 'keys' ) ) ) . '">' . esc_html__( 'Back to keys', 'latepoint-api-keys' ) . '</a></p>';
	}

	/** @param array<int, array{day: string, requests: int, errors: int, rate_limited: int}> $series */
	public static function usage_svg( array $series ): string {
		$width  = 720;
		$height = 180;
		$pad    = 24;
		$max    = max( 1, max( array_column( $series, 'requests' ) ?: array( 0 ) ) );
		$bar    = ( $width - 2 * $pad ) / max( 1, count( $series ) );
		$svg    = '<svg class="lpapi-usage-chart" role="img" viewBox="0 0 ' . $width . ' ' . $height . '" width="100%" height="' . $height . '" xmlns="http://www.w3.org/2000/svg">';
		$svg   .= '<title>' . esc_html__( 'Requests per day', 'latepoint-api-keys' ) . '</title>';
		$svg   .= '<line x1="' . $pad . '" y1="' . ( $height - $pad ) . '" x2="' . ( $width - $pad ) . '" y2="' . ( $height - $pad ) . '" stroke="#c3c4c7"/>';
		$svg   .= '<text x="' . $pad . '" y="14" font-size="11" fill="#50575e">' . esc_html( (string) $max ) . '</text>';
		foreach ( $series as $i => $day ) {
			$x     = $pad + $i * $bar + 1;
			$scale = ( $height - 2 * $pad ) / $max;
			$ok    = $day['requests'] - $day['errors'] - $day['rate_limited'];
			$y     = $height - $pad;
			$tip   = sprintf( '%s: %d requests, %d errors, %d rate-limited', $day['day'], $day['requests'], $day['errors'], $day['rate_limited'] );
			$svg  .= '<g class="lpapi-day" data-day="' . esc_attr( $day['day'] ) . '" data-requests="' . esc_attr( (string) $day['requests'] ) . '"><title>' . esc_html( $tip ) . '</title>';
			foreach ( array( array( max( 0, $ok ), '#2271b1' ), array( $day['errors'], '#d63638' ), array( $day['rate_limited'], '#dba617' ) ) as list( $count, $color ) ) {
				if ( $count <= 0 ) {
					continue;
				}
				$h    = $count * $scale;
				$y   -= $h;
				$svg .= sprintf( '<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>', $x, $y, max( 1, $bar - 2 ), $h, $color );
			}
			$svg .= '</g>';
			if ( 0 === $i % 7 ) {
				$svg .= '<text x="' . sprintf( '%.1f', $x ) . '" y="' . ( $height - 6 ) . '" font-size="10" fill="#50575e">' . esc_html( substr( $day['day'], 5 ) ) . '</text>';
			}
		}
		return $svg . '</svg><p class="lpapi-legend"><span class="ok">■</span> ' . esc_html__( 'successful', 'latepoint-api-keys' ) . ' <span class="err">■</span> ' . esc_html__( 'errors', 'latepoint-api-keys' ) . ' <span class="rl">■</span> ' . esc_html__( 'rate-limited', 'latepoint-api-keys' ) . '</p>';
	}
}
