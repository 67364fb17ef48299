<?php
/**
 * The Generate tab: the form of a new key.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Admin;

use LatePointApi\Keys\Permissions;
use LatePointApi\Support\Settings;

defined( 'ABSPATH' ) || exit;

/**
 * The Generate tab: the form of a new key.
 */
final class Generate_Tab {

	public static function render_generate(): void {
		$s       = Actions::$submitted;
		$presets = Permissions::presets();
		$chosen  = $s['permissions'] ?? $presets['read_only']['permissions'];
		$env     = $s['environment'] ?? 'live';
		echo '<form method="post" action="' . esc_url( Admin_Page::url( array( 'tab' => 'generate' ) ) ) . '" class="lpapi-generate">';
		wp_nonce_field( Admin_Page::NONCE );
		echo '<input type="hidden" name="lpapi_action" value="generate"><input type="hidden" name="form_token" value="' . esc_attr( Actions::new_form_token() ) . '">';
		echo '<table class="form-table" role="presentation">';
		Admin_Page::row( 'name', __( 'Name', 'latepoint-api-keys' ), '<input type="text" id="lpapi-name" name="name" class="regular-text" maxlength="100" required value="' . esc_attr( $s['name'] ?? '' ) . '">' );
		Admin_Page::row( 'description', __( 'Description', 'latepoint-api-keys' ), '<textarea id="lpapi-description" name="description" class="large-text" rows="2" maxlength="1000">' . esc_textarea( $s['description'] ?? '' ) . '</textarea>' );
		$radios = '';
		foreach ( array( 'live' => __( 'Live', 'latepoint-api-keys' ), 'test' => __( 'Test (works only where the site is not in production; expires in 3 days unless you choose otherwise)', 'latepoint-api-keys' ) ) as $value => $label ) {
			$radios .= '<label><input type="radio" name="environment" value="' . esc_attr( $value ) . '"' . checked( $env, $value, false ) . '> ' . esc_html( $label ) . '</label><br>';
		}
		Admin_Page::row( 'environment', __( 'Environment', 'latepoint-api-keys' ), $radios );
		$matrix = '<p class="lpapi-presets">' . esc_html__( 'Presets:', 'latepoint-api-keys' ) . ' ';
		foreach ( $presets as $slug => $preset ) {
			$matrix .= '<button type="button" class="button button-small lpapi-preset" data-permissions="' . esc_attr( implode( ' ', $preset['permissions'] ) ) . '">' . esc_html( $preset['label'] ) . '</button> ';
		}
		$matrix .= '</p><table class="lpapi-matrix"><thead><tr><th></th>';
		foreach ( array( 'read', 'create', 'update', 'delete' ) as $action ) {
			$matrix .= '<th scope="col">' . esc_html( $action ) . '</th>';
		}
		$matrix .= '</tr></thead><tbody>';
		foreach ( Permissions::MATRIX as $resource => $actions ) {
			$matrix .= '<tr><th scope="row">' . esc_html( $resource ) . '</th>';
			foreach ( array( 'read', 'create', 'update', 'delete' ) as $action ) {
				$permission = $resource . ':' . $action;
				$matrix    .= '<td>';
				if ( in_array( $action, $actions, true ) ) {
					$matrix .= '<input type="checkbox" name="permissions[]" value="' . esc_attr( $permission ) . '" aria-label="' . esc_attr( $permission ) . '"' . checked( in_array( $permission, $chosen, true ), true, false ) . '>';
				}
				$matrix .= '</td>';
			}
			$matrix .= '</tr>';
		}
		$matrix .= '</tbody></table>';
		Admin_Page::row( 'permissions', __( 'Permissions', 'latepoint-api-keys' ), $matrix );
		$expiry  = $s['expiry'] ?? 'default';
		$options = array(
			'default' => __( 'Default (never for live keys, 3 days for test keys)', 'latepoint-api-keys' ),
			'never'   => __( 'Never', 'latepoint-api-keys' ),
			'3d'      => __( 'In 3 days', 'latepoint-api-keys' ),
			'30d'     => __( 'In 30 days', 'latepoint-api-keys' ),
			'90d'     => __( 'In 90 days', 'latepoint-api-keys' ),
			'365d'    => __( 'In 365 days', 'latepoint-api-keys' ),
			'date'    => __( 'On a date…', 'latepoint-api-keys' ),
		);
		$select  = '<select name="expiry" id="lpapi-expiry">';
		foreach ( $options as $value => $label ) {
			$select .= '<option value="' . esc_attr( $value ) . '"' . selected( $expiry, $value, false ) . '>' . esc_html( $label ) . '</option>';
		}
		$select .= '</select> <input type="date" name="expiry_date" aria-label="' . esc_attr__( 'Expiry date', 'latepoint-api-keys' ) . '" value="' . esc_attr( $s['expiry_date'] ?? '' ) . '">';
		Admin_Page::row( 'expires_at', __( 'Expires', 'latepoint-api-keys' ), $select );
		Admin_Page::row( 'allowed_ips', __( 'Allowed IPs', 'latepoint-api-keys' ), '<textarea name="allowed_ips" class="large-text code" rows="2" placeholder="203.0.113.7, 198.51.100.0/24, 2001:db8::/32">' . esc_textarea( is_array( $s['allowed_ips'] ?? '' ) ? implode( "\n", $s['allowed_ips'] ) : ( $s['allowed_ips'] ?? '' ) ) . '</textarea><p class="description">' . esc_html__( 'IPv4 or IPv6 addresses or CIDR ranges, one per line. Empty: any address.', 'latepoint-api-keys' ) . '</p>' );
		Admin_Page::row( 'allowed_origins', __( 'Allowed origins', 'latepoint-api-keys' ), '<textarea name="allowed_origins" class="large-text code" rows="2" placeholder="https://shop.example.com">' . esc_textarea( is_array( $s['allowed_origins'] ?? '' ) ? implode( "\n", $s['allowed_origins'] ) : ( $s['allowed_origins'] ?? '' ) ) . '</textarea><p class="description">' . esc_html__( 'For keys used from web pages: requests whose Origin header is not listed are refused. Empty: any origin.', 'latepoint-api-keys' ) . '</p>' );
		$live = Settings::environment_limits( 'live' );
		$test = Settings::environment_limits( 'test' );
		$day  = static fn ( ?int $limit ): string => null === $limit ? __( 'no daily limit', 'latepoint-api-keys' ) : sprintf( /* translators: %d: requests per day */ __( '%d/day', 'latepoint-api-keys' ), $limit );
		/* translators: 1: live per minute, 2: live per hour, 3: live per day, 4: test per minute, 5: test per hour, 6: test per day */
		$defaults = sprintf( __( 'Empty: the defaults (live %1$d/min, %2$d/hour, %3$s; test %4$d/min, %5$d/hour, %6$s).', 'latepoint-api-keys' ), $live['per_minute'], $live['per_hour'], $day( $live['per_day'] ), $test['per_minute'], $test['per_hour'], $day( $test['per_day'] ) );
		$inputs   = '';
		foreach ( Limit_Fields::windows() as $window => $label ) {
			$field   = 'rate_limit_' . $window;
			$inputs .= '<label><input type="number" min="1" name="' . esc_attr( $field ) . '" class="small-text" value="' . esc_attr( (string) ( $s[ $field ] ?? '' ) ) . '"> ' . esc_html( $label ) . '</label> ';
		}
		foreach ( array( 'rate_limit_per_hour', 'rate_limit_per_day' ) as $field ) {
			$inputs .= isset( Actions::$field_errors[ $field ] ) ? '<p class="lpapi-field-error">' . esc_html( Actions::$field_errors[ $field ] ) . '</p>' : '';
		}
		Admin_Page::row( 'rate_limit_per_minute', __( 'Custom limits', 'latepoint-api-keys' ), $inputs . '<p class="description">' . esc_html( $defaults ) . '</p>' );
		Admin_Page::row(
			'operation_limits_table',
			__( 'Operation limits', 'latepoint-api-keys' ),
			Limit_Fields::table( 'operation_limits', is_array( $s['operation_limits'] ?? null ) ? $s['operation_limits'] : array(), Limit_Fields::defaults_column( $live, $test ) ) . '<p class="description">' . esc_html__( 'Limits of a write operation on its own, beside the key\'s overall limits. A row left empty keeps the default for that operation; a filled row replaces it (its empty cells: no limit in that window).', 'latepoint-api-keys' ) . '</p>'
		);
		echo '</table>';
		submit_button( __( 'Generate key', 'latepoint-api-keys' ), 'primary', 'submit', true, array( 'id' => 'lpapi-generate-submit' ) );
		echo '</form>';
	}
}
