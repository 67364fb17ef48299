<?php
/**
 * The plugin's one class autoloader: `LatePointApi\Key_Service` lives in
 * includes/class-key-service.php. Used by the plugin and by its db-error
 * drop-in (which runs before WordPress loads any plugin).
 *
 * @package LatePointApi
 */

defined( 'ABSPATH' ) || exit;

spl_autoload_register(
	static function ( string $class ): void {
		if ( 0 !== strpos( $class, 'LatePointApi\\' ) || 0 === strpos( $class, 'LatePointApi\\Native\\' ) ) {
			return;
		}
		$name = substr( $class, strlen( 'LatePointApi\\' ) );
		$file = __DIR__ . '/class-' . strtolower( str_replace( array( '_', '\\' ), array( '-', '/' ), $name ) ) . '.php';
		if ( is_readable( $file ) ) {
			require_once $file;
		}
	}
);
