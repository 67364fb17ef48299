<?php
/**
 * The one "newest first" list query of the plugin's own tables and LatePoint's
 * customers: a total for page/per_page, then either a page (OFFSET) or the
 * rows before a cursor's id.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

defined( 'ABSPATH' ) || exit;

/**
 * Runs it.
 */
final class Paged_Query {

	/**
	 * @param string $table     A table name of ours (never input).
	 * @param string $where     '' or ' WHERE …' with %-placeholders for $args.
	 * @param array  $args      The placeholders' values.
	 * @param ?int   $before_id Cursor paging: only ids below it (then $offset is ignored).
	 * @return array{rows: array[], total: int}
	 */
	public static function newest_first( string $table, string $where, array $args, int $offset, int $limit, ?int $before_id ): array {
		global $wpdb;
		$count = "SELECT COUNT(*) FROM {$table}{$where}";
		$total = (int) $wpdb->get_var( $args ? $wpdb->prepare( $count, $args ) : $count ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared,LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $count is the literal SELECT over Tables/Schema names plus the placeholders of $where.
		if ( null !== $before_id ) {
			$where .= ( $where ? ' AND' : ' WHERE' ) . ' id < %d';
			$args[] = $before_id;
			$offset = 0;
		}
		$args[] = $limit;
		$args[] = $offset;
		$rows   = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table}{$where} ORDER BY id DESC LIMIT %d OFFSET %d", $args ), ARRAY_A ); // phpcs:ignore LatePointApi.Security.PreparedSql.InterpolatedVariable -- $table is a Tables/Schema name and $where holds only placeholders.
		return array(
			'rows'  => $rows ?: array(),
			'total' => $total,
		);
	}
}
