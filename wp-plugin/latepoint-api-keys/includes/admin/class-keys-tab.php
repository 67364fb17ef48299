<?php
/**
 * The Keys tab: the list, the row actions and the confirmation step.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Admin;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Keys\Permissions;
use LatePointApi\Support\Not_Found_Error;

defined( 'ABSPATH' ) || exit;

/**
 * The Keys tab: the list, the row actions and the confirmation step.
 */
final class Keys_Tab {

	public static function render_keys(): void {
		$view   = isset( $_GET['view'] ) ? sanitize_key( wp_unslash( $_GET['view'] ) ) : '';
		$key_id = isset( $_GET['key'] ) ? absint( $_GET['key'] ) : 0;
		$status = isset( $_GET['status'] ) ? sanitize_key( wp_unslash( $_GET['status'] ) ) : '';
		$paged  = isset( $_GET['paged'] ) ? max( 1, absint( $_GET['paged'] ) ) : 1;
		if ( $key_id && in_array( $view, array( 'revoke', 'rotate', 'usage' ), true ) ) {
			try {
				$record = Key_Service::get( $key_id );
			} catch ( Not_Found_Error $e ) {
				echo '<p>' . esc_html( $e->getMessage() ) . '</p>';
				return;
			}
			'usage' === $view ? Usage_Chart::render_usage( $record ) : self::render_confirm( $view, $record );
			return;
		}
		$status   = in_array( $status, Key_Service::STATUSES, true ) ? $status : '';
		$per_page = 20;
		Audit_Log::flush(); // So that "Last used" is current (the log tab and usage view flush too).
		$result = Key_Service::list( array_filter( array( 'status' => $status ) ), ( $paged - 1 ) * $per_page, $per_page );
		echo '<ul class="subsubsub">';
		foreach ( array_merge( array( '' ), Key_Service::STATUSES ) as $i => $choice ) {
			printf(
				'%s<li><a href="%s"%s>%s</a></li>',
				$i ? ' | ' : '',
				esc_url( Admin_Page::url( array( 'tab' => 'keys', 'status' => $choice ) ) ),
				$choice === $status ? ' class="current"' : '',
				esc_html( '' === $choice ? __( 'All', 'latepoint-api-keys' ) : ucfirst( $choice ) )
			);
		}
		echo '</ul>';
		echo '<table class="widefat striped lpapi-keys"><thead><tr>';
		foreach ( array( __( 'Name', 'latepoint-api-keys' ), __( 'Key', 'latepoint-api-keys' ), __( 'Environment', 'latepoint-api-keys' ), __( 'Permissions', 'latepoint-api-keys' ), __( 'Created', 'latepoint-api-keys' ), __( 'Last used', 'latepoint-api-keys' ), __( 'Expires', 'latepoint-api-keys' ), __( 'Status', 'latepoint-api-keys' ), __( 'Actions', 'latepoint-api-keys' ) ) as $heading ) {
			echo '<th scope="col">' . esc_html( $heading ) . '</th>';
		}
		echo '</tr></thead><tbody>';
		if ( ! $result['items'] ) {
			echo '<tr><td colspan="9">' . esc_html__( 'No keys yet.', 'latepoint-api-keys' ) . ' <a href="' . esc_url( Admin_Page::url( array( 'tab' => 'generate' ) ) ) . '">' . esc_html__( 'Generate one.', 'latepoint-api-keys' ) . '</a></td></tr>';
		}
		foreach ( $result['items'] as $key ) {
			echo '<tr data-key-id="' . esc_attr( (string) $key['id'] ) . '">';
			echo '<td><strong class="lpapi-key-name">' . esc_html( $key['name'] ) . '</strong>';
			if ( '' !== $key['description'] ) {
				echo '<br><span class="description">' . esc_html( $key['description'] ) . '</span>';
			}
			echo '</td>';
			echo '<td><code>' . esc_html( $key['display'] ) . '</code></td>';
			echo '<td>' . esc_html( $key['environment'] ) . '</td>';
			echo '<td title="' . esc_attr( implode( ', ', $key['permissions'] ) ) . '">' . esc_html( Permissions::summary( $key['permissions'] ) ) . '</td>';
			echo '<td>' . esc_html( Admin_Page::date( $key['created_at'] ) ) . '</td>';
			echo '<td>' . esc_html( $key['last_used_at'] ? Admin_Page::date( $key['last_used_at'] ) : __( 'Never', 'latepoint-api-keys' ) ) . '</td>';
			echo '<td>' . esc_html( $key['expires_at'] ? Admin_Page::date( $key['expires_at'] ) : __( 'Never', 'latepoint-api-keys' ) );
			if ( $key['expiring_soon'] ) {
				echo ' <span class="lpapi-badge lpapi-badge-warning">' . esc_html__( 'expires soon', 'latepoint-api-keys' ) . '</span>';
			}
			echo '</td>';
			echo '<td><span class="lpapi-badge lpapi-status-' . esc_attr( $key['status'] ) . '">' . esc_html( $key['status'] ) . '</span></td>';
			echo '<td class="lpapi-actions">';
			echo '<a class="button button-small" href="' . esc_url( Admin_Page::url( array( 'tab' => 'keys', 'view' => 'usage', 'key' => $key['id'] ) ) ) . '">' . esc_html__( 'Usage', 'latepoint-api-keys' ) . '</a> ';
			if ( 'active' === $key['status'] ) {
				self::action_button( 'disable', $key['id'], __( 'Disable', 'latepoint-api-keys' ) );
			} elseif ( 'disabled' === $key['status'] ) {
				self::action_button( 'enable', $key['id'], __( 'Enable', 'latepoint-api-keys' ) );
			}
			if ( in_array( $key['status'], array( 'active', 'disabled' ), true ) ) {
				echo '<a class="button button-small" href="' . esc_url( Admin_Page::url( array( 'tab' => 'keys', 'view' => 'rotate', 'key' => $key['id'] ) ) ) . '">' . esc_html__( 'Rotate', 'latepoint-api-keys' ) . '</a> ';
			}
			if ( 'revoked' !== $key['status'] ) {
				echo '<a class="button button-small button-link-delete lpapi-revoke" href="' . esc_url( Admin_Page::url( array( 'tab' => 'keys', 'view' => 'revoke', 'key' => $key['id'] ) ) ) . '">' . esc_html__( 'Revoke', 'latepoint-api-keys' ) . '</a>';
			}
			echo '</td></tr>';
		}
		echo '</tbody></table>';
		Admin_Page::pagination( $result['total'], $paged, $per_page, array( 'tab' => 'keys', 'status' => $status ) );
	}

	public static function action_button( string $action, int $id, string $label ): void {
		echo '<form method="post" action="' . esc_url( Admin_Page::url( array( 'tab' => 'keys' ) ) ) . '" class="lpapi-inline-form">';
		wp_nonce_field( Admin_Page::NONCE );
		echo '<input type="hidden" name="lpapi_action" value="' . esc_attr( $action ) . '"><input type="hidden" name="key_id" value="' . esc_attr( (string) $id ) . '">';
		echo '<button type="submit" class="button button-small lpapi-' . esc_attr( $action ) . '">' . esc_html( $label ) . '</button></form> ';
	}

	/** The confirmation step of revoke and rotate (works without JavaScript). */
	public static function render_confirm( string $view, array $key ): void {
		echo '<div class="lpapi-confirm card">';
		if ( 'revoke' === $view ) {
			/* translators: %s: key name */
			echo '<h2>' . esc_html( sprintf( __( 'Revoke “%s”?', 'latepoint-api-keys' ), $key['name'] ) ) . '</h2>';
			echo '<p>' . esc_html__( 'Revoking is permanent. Every request with this key will get 401 key_revoked from the very next one, in every PHP worker.', 'latepoint-api-keys' ) . '</p>';
		} else {
			/* translators: %s: key name */
			echo '<h2>' . esc_html( sprintf( __( 'Rotate “%s”?', 'latepoint-api-keys' ), $key['name'] ) ) . '</h2>';
			echo '<p>' . esc_html__( 'A new key with the same settings is made and shown once. The old key keeps working for the grace period you choose, then stops.', 'latepoint-api-keys' ) . '</p>';
		}
		echo '<p><code>' . esc_html( $key['display'] ) . '</code></p>';
		echo '<form method="post" action="' . esc_url( Admin_Page::url( array( 'tab' => 'keys' ) ) ) . '">';
		wp_nonce_field( Admin_Page::NONCE );
		echo '<input type="hidden" name="lpapi_action" value="' . esc_attr( $view ) . '"><input type="hidden" name="key_id" value="' . esc_attr( (string) $key['id'] ) . '">';
		if ( 'rotate' === $view ) {
			echo '<input type="hidden" name="form_token" value="' . esc_attr( Actions::new_form_token() ) . '">';
			echo '<p><label for="lpapi-grace">' . esc_html__( 'Grace period for the old key', 'latepoint-api-keys' ) . '</label> <select id="lpapi-grace" name="grace_seconds">';
			$choices = array( 0 => __( 'None: stop now', 'latepoint-api-keys' ), 3600 => __( '1 hour', 'latepoint-api-keys' ), 86400 => __( '24 hours', 'latepoint-api-keys' ), 604800 => __( '7 days', 'latepoint-api-keys' ) );
			foreach ( $choices as $seconds => $label ) {
				echo '<option value="' . esc_attr( (string) $seconds ) . '"' . selected( 86400, $seconds, false ) . '>' . esc_html( $label ) . '</option>';
			}
			echo '</select></p>';
		}
		$label = 'revoke' === $view ? __( 'Revoke permanently', 'latepoint-api-keys' ) : __( 'Rotate key', 'latepoint-api-keys' );
		echo '<p><button type="submit" class="button ' . ( 'revoke' === $view ? 'button-link-delete lpapi-confirm-revoke' : 'button-primary lpapi-confirm-rotate' ) . '">' . esc_html( $label ) . '</button> ';
		echo '<a class="button" href="' . esc_url( Admin_Page::url( array( 'tab' => 'keys' ) ) ) . '">' . esc_html__( 'Cancel', 'latepoint-api-keys' ) . '</a></p>';
		echo '</form></div>';
	}
}
