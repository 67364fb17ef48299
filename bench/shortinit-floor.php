<?php
/**
 * The floor of bench/http_lane.sh: WordPress booted with SHORTINIT (its database and little else) and
 * one query, answered as JSON. bench/http_lane.sh copies it into the stack's wp-content for the length
 * of a run, with @WP_ROOT@ replaced by the WordPress root, and removes it at the end. Never ship this.
 *
 * @package LatePointApi
 */

define( 'SHORTINIT', true );
require '@WP_ROOT@/wp-load.php';

header( 'Content-Type: application/json; charset=UTF-8' );
echo wp_json_encode(
	array(
		'status' => 'success',
		'data'   => array( 'options' => (int) $GLOBALS['wpdb']->get_var( "SELECT COUNT(*) FROM {$GLOBALS['wpdb']->options}" ) ),
	)
);
