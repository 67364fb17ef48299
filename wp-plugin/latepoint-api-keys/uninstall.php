<?php
/**
 * Removes everything the plugin stored: its tables, options and scheduled
 * events, and the lean lane's must-use loader.
 *
 * @package LatePointApi
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/autoload.php';

LatePointApi\Support\Schema::uninstall();
LatePointApi\Lane\Lane_Loader::remove();
