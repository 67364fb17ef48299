<?php
/**
 * Removes everything the plugin stored: its tables, options and scheduled events.
 *
 * @package LatePointApi
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/class-schema.php';
require_once __DIR__ . '/includes/class-audit-log.php';

LatePointApi\Schema::uninstall();
