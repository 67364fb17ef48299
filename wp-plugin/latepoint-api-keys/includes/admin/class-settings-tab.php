<?php
/**
 * The Settings tab: default limits, retention, key cap and trusted proxies.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Admin;

use LatePointApi\Support\Settings;

defined( 'ABSPATH' ) || exit;

/**
 * The Settings tab: default limits (per minute, hour, day and operation),
 * retention, key cap and trusted proxies.
 */
final class Settings_Tab {

	public static function render_settings(): void {
		$settings = array_merge( Settings::all(), Actions::$submitted );
		echo '<form method="post" action="' . esc_url( Admin_Page::url( array( 'tab' => 'settings' ) ) ) . '">';
		wp_nonce_field( Admin_Page::NONCE );
		echo '<input type="hidden" name="lpapi_action" value="settings"><table class="form-table" role="presentation">';
		$numbers = array(
			'live_per_minute' => __( 'Live keys: requests per minute', 'latepoint-api-keys' ),
			'live_per_hour'   => __( 'Live keys: requests per hour', 'latepoint-api-keys' ),
			'live_per_day'    => __( 'Live keys: requests per day', 'latepoint-api-keys' ),
			'test_per_minute' => __( 'Test keys: requests per minute', 'latepoint-api-keys' ),
			'test_per_hour'   => __( 'Test keys: requests per hour', 'latepoint-api-keys' ),
			'test_per_day'    => __( 'Test keys: requests per day', 'latepoint-api-keys' ),
			'retention_days'  => __( 'Keep logs for (days)', 'latepoint-api-keys' ),
			'key_cap'         => __( 'Most active keys', 'latepoint-api-keys' ),
		);
		foreach ( $numbers as $field => $label ) {
			$value = (string) $settings[ $field ];
			if ( str_ends_with( $field, '_per_day' ) ) {
				// 0 is no daily limit: shown as an empty field.
				Admin_Page::row( $field, $label, '<input type="number" min="0" name="' . esc_attr( $field ) . '" class="small-text lpapi-day" placeholder="' . esc_attr__( 'none', 'latepoint-api-keys' ) . '" value="' . esc_attr( '0' === $value ? '' : $value ) . '"><p class="description">' . esc_html__( 'Per UTC day. Empty or 0: no daily limit.', 'latepoint-api-keys' ) . '</p>' );
				continue;
			}
			Admin_Page::row( $field, $label, '<input type="number" min="1" name="' . esc_attr( $field ) . '" class="small-text" value="' . esc_attr( $value ) . '">' );
		}
		$tables = array(
			'live_operation_limits' => __( 'Live keys: operation limits', 'latepoint-api-keys' ),
			'test_operation_limits' => __( 'Test keys: operation limits', 'latepoint-api-keys' ),
		);
		foreach ( $tables as $field => $label ) {
			Admin_Page::row( $field . '_table', $label, Limit_Fields::table( $field, is_array( $settings[ $field ] ) ? $settings[ $field ] : array() ) . '<p class="description">' . esc_html__( 'The default limits of each write operation, beside a key\'s overall limits; a key may set its own. Empty row: no limit of its own.', 'latepoint-api-keys' ) . '</p>' );
		}
		$proxies = is_array( $settings['trusted_proxies'] ) ? implode( "\n", $settings['trusted_proxies'] ) : (string) $settings['trusted_proxies'];
		Admin_Page::row( 'trusted_proxies', __( 'Trusted proxies', 'latepoint-api-keys' ), '<textarea name="trusted_proxies" class="large-text code" rows="3">' . esc_textarea( $proxies ) . '</textarea><p class="description">' . esc_html__( 'Only when a request comes from one of these addresses (IPs or CIDR ranges) is X-Forwarded-For read to find the client.', 'latepoint-api-keys' ) . '</p>' );
		echo '</table>';
		submit_button( __( 'Save settings', 'latepoint-api-keys' ) );
		echo '</form>';
	}
}
