<?php
/**
 * The Settings tab: default limits, retention, key cap, trusted proxies, the
 * environment test keys are checked against and the lean lane.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Admin;

use LatePointApi\Lane\Lane;
use LatePointApi\Lane\Lane_Loader;
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
		self::environment_row( (string) $settings['environment_type'] );
		self::lane_row( (bool) $settings['lean_lane'] );
		echo '</table>';
		submit_button( __( 'Save settings', 'latepoint-api-keys' ) );
		echo '</form>';
	}

	private static function environment_row( string $current ): void {
		/* translators: %s: WordPress's environment type */
		$options = '<option value="">' . esc_html( sprintf( __( 'WordPress\'s own (%s)', 'latepoint-api-keys' ), wp_get_environment_type() ) ) . '</option>';
		foreach ( Settings::ENVIRONMENT_TYPES as $type ) {
			$options .= '<option value="' . esc_attr( $type ) . '"' . selected( $current, $type, false ) . '>' . esc_html( $type ) . '</option>';
		}
		Admin_Page::row( 'environment_type', __( 'Environment', 'latepoint-api-keys' ), '<select name="environment_type" id="lpapi-environment-type">' . $options . '</select><p class="description">' . esc_html__( 'Test keys are refused when this is production.', 'latepoint-api-keys' ) . '</p>' );
	}

	private static function lane_row( bool $on ): void {
		$status   = Lane_Loader::status();
		$messages = array(
			Lane_Loader::IN_PLACE   => __( 'In place: API-key reads are answered before other plugins and the theme load.', 'latepoint-api-keys' ),
			Lane_Loader::TURNED_OFF => __( 'Turned off: every request takes the full path.', 'latepoint-api-keys' ),
			Lane_Loader::MISSING    => __( 'Not in place: its loader is not in the must-use plugins folder, so every request takes the full path.', 'latepoint-api-keys' ),
			Lane_Loader::OUTDATED   => __( 'Not in place: its loader belongs to another version of the plugin, so every request takes the full path.', 'latepoint-api-keys' ),
			Lane_Loader::MULTISITE  => __( 'Not available on a multisite network: every request takes the full path.', 'latepoint-api-keys' ),
		);
		$html     = '<label><input type="checkbox" name="lean_lane" value="1"' . checked( $on, true, false ) . disabled( defined( Lane::CONSTANT ), true, false ) . '> '
			. esc_html__( 'Answer API-key reads through the lean lane', 'latepoint-api-keys' ) . '</label>'
			. '<p class="lpapi-lane-status" data-state="' . esc_attr( $status['state'] ) . '"><strong>' . esc_html( $messages[ $status['state'] ] ) . '</strong></p>';
		if ( defined( Lane::CONSTANT ) ) {
			/* translators: %s: a PHP constant */
			$html .= '<p class="description">' . esc_html( sprintf( __( 'Set by the constant %s, which overrides this setting.', 'latepoint-api-keys' ), Lane::CONSTANT ) ) . '</p>';
		}
		if ( in_array( $status['state'], array( Lane_Loader::MISSING, Lane_Loader::OUTDATED ), true ) ) {
			/* translators: %s: a file path */
			$html .= '<details><summary>' . esc_html( sprintf( __( 'Put it in place by hand: save this as %s', 'latepoint-api-keys' ), $status['path'] ) ) . '</summary>'
				. '<textarea class="large-text code" rows="8" readonly>' . esc_textarea( Lane_Loader::contents() ) . '</textarea></details>';
		}
		$html .= '<p class="description">' . esc_html__( 'The same answers, several times faster. Plugins that filter REST requests (security and firewall plugins among them) are not loaded for these requests: turn the lane off if one of them must see every API request.', 'latepoint-api-keys' ) . '</p>';
		Admin_Page::row( 'lean_lane', __( 'Lean lane', 'latepoint-api-keys' ), $html );
	}
}
