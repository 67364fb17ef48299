<?php
/**
 * A raw dump of what LatePoint keeps: every row of every LatePoint table (by its name without the
 * site's prefix, ordered by id), the WordPress options whose name contains "latepoint", and the
 * WordPress users LatePoint links its customers and agents to. Normalizer makes two dumps comparable.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class State {

	/** @return array<string, list<array<string, ?string>>> */
	public static function dump(): array {
		global $wpdb;
		$state  = array();
		$prefix = $wpdb->prefix;
		foreach (Fixture::latepoint_tables() as $table) {
			$name   = substr($table, strlen($prefix));
			$order  = self::has_id($table) ? ' ORDER BY id' : '';
			$rows   = $wpdb->get_results("SELECT * FROM `{$table}`{$order}", ARRAY_A);
			$state[ $name ] = is_array($rows) ? $rows : array();
		}
		$state['wp_options'] = $wpdb->get_results(
			"SELECT option_name, option_value, autoload FROM {$wpdb->options} WHERE option_name LIKE '%latepoint%' AND option_name NOT LIKE '\\_transient%' AND option_name NOT LIKE '\\_site\\_transient%' AND option_name <> '" . Fixture::FACTS_OPTION . "' ORDER BY option_name",
			ARRAY_A
		);
		// The WordPress users LatePoint links to its customers and agents (not the plugin's own: the
		// initiator of API writes is compared apart, see Normalizer).
		$linked = "SELECT wordpress_user_id FROM {$prefix}latepoint_customers UNION SELECT wp_user_id FROM {$prefix}latepoint_agents";
		$state['wp_users'] = $wpdb->get_results("SELECT ID AS id, user_login, user_email, display_name FROM {$wpdb->users} WHERE ID IN ({$linked}) ORDER BY ID", ARRAY_A);
		return $state;
	}

	/** The highest id of each table with an id column (rows above it are new). @return array<string, int> */
	public static function max_ids(): array {
		global $wpdb;
		$max = array();
		foreach (Fixture::latepoint_tables() as $table) {
			if (self::has_id($table)) {
				$max[ substr($table, strlen($wpdb->prefix)) ] = (int) $wpdb->get_var("SELECT COALESCE(MAX(id), 0) FROM `{$table}`");
			}
		}
		$max['wp_users'] = (int) $wpdb->get_var("SELECT COALESCE(MAX(ID), 0) FROM {$wpdb->users}");
		return $max;
	}

	private static function has_id(string $table): bool {
		global $wpdb;
		static $known = array();
		if (!isset($known[ $table ])) {
			$known[ $table ] = (bool) $wpdb->get_var($wpdb->prepare("SHOW COLUMNS FROM `{$table}` LIKE %s", 'id'));
		}
		return $known[ $table ];
	}
}
