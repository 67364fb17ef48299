<?php
/**
 * The log's CSV export (a GET with a nonce), its filters, and formula neutralising.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Admin;

use LatePointApi\Audit\Audit_Row;
use LatePointApi\Audit\Audit_Log;
use LatePointApi\Audit\Log_Query;

defined( 'ABSPATH' ) || exit;

/**
 * The log's CSV export (a GET with a nonce), its filters, and formula neutralising.
 */
final class Csv_Export {

	/** CSV of the filtered log (GET with a nonce). */
	public static function export_logs(): void {
		if ( ! current_user_can( Admin_Page::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to export API logs.', 'latepoint-api-keys' ), 403 );
		}
		check_admin_referer( 'lpapi_export_logs' );
		Audit_Log::flush();
		$filters = self::log_filters();
		nocache_headers();
		header( 'Content-Type: text/csv; charset=utf-8' );
		header( 'Content-Disposition: attachment; filename="latepoint-api-log-' . gmdate( 'Ymd-His' ) . '.csv"' );
		$out = fopen( 'php://output', 'w' );
		fputcsv( $out, array( 'time', 'request_id', 'event', 'key_id', 'key_prefix', 'actor_user_id', 'method', 'route', 'status', 'error_code', 'client_ip', 'user_agent', 'duration_ms' ) );
		$offset = 0;
		do {
			$page = Log_Query::query( $filters, $offset, 1000 );
			foreach ( $page['items'] as $row ) {
				unset( $row['id'] );
				fputcsv( $out, array_map( array( self::class, 'csv_cell' ), array_values( $row ) ) );
			}
			$offset += 1000;
		} while ( count( $page['items'] ) === 1000 && $offset < 1000000 );
		fclose( $out );
		exit;
	}

	/**
	 * Neutralises spreadsheet formulas (CSV injection): a cell that starts with
	 * = + - @, their fullwidth forms ＝ ＋ － ＠ (spreadsheets read those as
	 * formulas too), a tab, CR or LF gets a leading apostrophe.
	 */
	public static function csv_cell( $value ): string {
		$value = (string) $value;
		$risky = preg_match( '/^[=+\-@\t\r\n\x{FF1D}\x{FF0B}\x{FF0D}\x{FF20}]/u', $value );
		if ( false === $risky ) { // Not valid UTF-8: judge the first byte alone.
			$risky = preg_match( '/^[=+\-@\t\r\n]/', $value );
		}
		return 1 === $risky ? "'" . $value : $value;
	}

	/** @return array<string, mixed> */
	public static function log_filters(): array {
		$filters = array(
			'key_id'    => isset( $_GET['key_id'] ) ? absint( $_GET['key_id'] ) : 0,
			'status'    => isset( $_GET['status'] ) ? sanitize_text_field( wp_unslash( $_GET['status'] ) ) : '',
			'event'     => isset( $_GET['event'] ) ? sanitize_key( wp_unslash( $_GET['event'] ) ) : '',
			'date_from' => isset( $_GET['date_from'] ) ? sanitize_text_field( wp_unslash( $_GET['date_from'] ) ) : '',
			'date_to'   => isset( $_GET['date_to'] ) ? sanitize_text_field( wp_unslash( $_GET['date_to'] ) ) : '',
		);
		foreach ( array( 'date_from', 'date_to' ) as $field ) {
			if ( ! preg_match( '/^\d{4}-\d{2}-\d{2}$/', $filters[ $field ] ) ) {
				$filters[ $field ] = '';
			}
		}
		if ( ! in_array( $filters['event'], Audit_Row::EVENTS, true ) ) {
			$filters['event'] = '';
		}
		return array_filter( $filters );
	}

	// ------------------------------------------------------------------ rendering
}
