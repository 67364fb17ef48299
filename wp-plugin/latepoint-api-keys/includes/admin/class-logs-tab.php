<?php
/**
 * The Logs tab: filters, the rows and paging.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Admin;

use LatePointApi\Audit\Audit_Row;
use LatePointApi\Audit\Audit_Log;
use LatePointApi\Audit\Log_Query;
use LatePointApi\Keys\Key_Service;

defined( 'ABSPATH' ) || exit;

/**
 * The Logs tab: filters, the rows and paging.
 */
final class Logs_Tab {

	public static function render_logs(): void {
		Audit_Log::flush();
		$filters  = Csv_Export::log_filters();
		$paged    = isset( $_GET['paged'] ) ? max( 1, absint( $_GET['paged'] ) ) : 1;
		$per_page = 50;
		$result   = Log_Query::query( $filters, ( $paged - 1 ) * $per_page, $per_page );
		$keys     = Key_Service::list( array(), 0, 200 )['items'];
		echo '<form method="get" class="lpapi-log-filters"><input type="hidden" name="page" value="' . esc_attr( Admin_Page::SLUG ) . '"><input type="hidden" name="tab" value="logs">';
		echo '<label>' . esc_html__( 'Key', 'latepoint-api-keys' ) . ' <select name="key_id"><option value="">' . esc_html__( 'All', 'latepoint-api-keys' ) . '</option>';
		foreach ( $keys as $key ) {
			echo '<option value="' . esc_attr( (string) $key['id'] ) . '"' . selected( $filters['key_id'] ?? 0, $key['id'], false ) . '>' . esc_html( $key['name'] . ' (' . $key['display'] . ')' ) . '</option>';
		}
		echo '</select></label> <label>' . esc_html__( 'Status', 'latepoint-api-keys' ) . ' <select name="status">';
		foreach ( array( '' => __( 'All', 'latepoint-api-keys' ), '2xx' => '2xx', '4xx' => '4xx', '5xx' => '5xx', 'errors' => __( 'Errors', 'latepoint-api-keys' ), '401' => '401', '403' => '403', '429' => '429' ) as $value => $label ) {
			echo '<option value="' . esc_attr( $value ) . '"' . selected( $filters['status'] ?? '', $value, false ) . '>' . esc_html( $label ) . '</option>';
		}
		echo '</select></label> <label>' . esc_html__( 'Event', 'latepoint-api-keys' ) . ' <select name="event">';
		foreach ( array( '' => __( 'All', 'latepoint-api-keys' ) ) + array_combine( Audit_Row::EVENTS, Audit_Row::EVENTS ) as $value => $label ) {
			echo '<option value="' . esc_attr( $value ) . '"' . selected( $filters['event'] ?? '', $value, false ) . '>' . esc_html( $label ) . '</option>';
		}
		echo '</select></label> <label>' . esc_html__( 'From', 'latepoint-api-keys' ) . ' <input type="date" name="date_from" value="' . esc_attr( $filters['date_from'] ?? '' ) . '"></label> ';
		echo '<label>' . esc_html__( 'To', 'latepoint-api-keys' ) . ' <input type="date" name="date_to" value="' . esc_attr( $filters['date_to'] ?? '' ) . '"></label> ';
		echo '<button class="button">' . esc_html__( 'Filter', 'latepoint-api-keys' ) . '</button> ';
		$export = wp_nonce_url( add_query_arg( array_merge( array( 'action' => 'lpapi_export_logs' ), $filters ), admin_url( 'admin-post.php' ) ), 'lpapi_export_logs' );
		echo '<a class="button lpapi-export" href="' . esc_url( $export ) . '">' . esc_html__( 'Export CSV', 'latepoint-api-keys' ) . '</a></form>';
		echo '<table class="widefat striped lpapi-logs"><thead><tr>';
		foreach ( array( __( 'Time (UTC)', 'latepoint-api-keys' ), __( 'Event', 'latepoint-api-keys' ), __( 'Key', 'latepoint-api-keys' ), __( 'Request', 'latepoint-api-keys' ), __( 'Status', 'latepoint-api-keys' ), __( 'Error', 'latepoint-api-keys' ), __( 'Client', 'latepoint-api-keys' ), __( 'ms', 'latepoint-api-keys' ) ) as $heading ) {
			echo '<th scope="col">' . esc_html( $heading ) . '</th>';
		}
		echo '</tr></thead><tbody>';
		if ( ! $result['items'] ) {
			echo '<tr><td colspan="8">' . esc_html__( 'Nothing logged for these filters.', 'latepoint-api-keys' ) . '</td></tr>';
		}
		foreach ( $result['items'] as $row ) {
			$who = 'admin_action' === $row['event'] && $row['actor_user_id'] ? get_the_author_meta( 'user_login', $row['actor_user_id'] ) : '';
			echo '<tr>';
			echo '<td>' . esc_html( str_replace( array( 'T', 'Z' ), array( ' ', '' ), $row['time'] ) ) . '</td>';
			echo '<td>' . esc_html( $row['event'] ) . '</td>';
			echo '<td><code>' . esc_html( $row['key_prefix'] ) . '</code></td>';
			echo '<td>' . esc_html( trim( $row['method'] . ' ' . $row['route'] ) ) . '<br><span class="description">' . esc_html( $row['request_id'] ) . '</span></td>';
			echo '<td>' . esc_html( $row['status'] ? (string) $row['status'] : '' ) . '</td>';
			echo '<td>' . esc_html( $row['error_code'] . ( $who ? ' · ' . $who : '' ) ) . '</td>';
			echo '<td>' . esc_html( $row['client_ip'] ) . '<br><span class="description">' . esc_html( $row['user_agent'] ) . '</span></td>';
			echo '<td>' . esc_html( (string) $row['duration_ms'] ) . '</td>';
			echo '</tr>';
		}
		echo '</tbody></table>';
		Admin_Page::pagination( $result['total'], $paged, $per_page, array( 'tab' => 'logs' ) + $filters );
	}
}
