<?php
/**
 * The plugin's one class autoloader. Namespaces follow the folders:
 * `LatePointApi\Rest\Bookings_Controller` lives in
 * includes/rest/class-bookings-controller.php, `LatePointApi\Plugin` in
 * includes/class-plugin.php, the fallback's classes in includes/fallback/.
 * Used by the plugin and by its db-error drop-in (which runs before WordPress
 * loads any plugin). The extension's own classes (LatePointApi\Native\…) are
 * not the plugin's.
 *
 * @package LatePointApi
 */

defined( 'ABSPATH' ) || exit;

spl_autoload_register(
	static function ( string $class ): void {
		if ( 0 !== strpos( $class, 'LatePointApi\\' ) || 0 === strpos( $class, 'LatePointApi\\Native\\' ) ) {
			return;
		}
		$parts = explode( '\\', substr( $class, strlen( 'LatePointApi\\' ) ) );
		$name  = array_pop( $parts );
		$dir   = $parts ? strtolower( implode( '/', $parts ) ) . '/' : '';
		$file  = __DIR__ . '/' . $dir . 'class-' . strtolower( str_replace( '_', '-', $name ) ) . '.php';
		if ( is_readable( $file ) ) {
			require_once $file;
		}
	}
);
