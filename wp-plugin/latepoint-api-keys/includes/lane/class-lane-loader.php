<?php
/**
 * The lean lane's must-use loader (drop-ins/lean-lane-loader.php): written
 * into wp-content/mu-plugins on activation with this plugin's version and
 * basename, rewritten when they change (an upgrade, seen on the next admin
 * page), removed on deactivation and uninstall. Never written on a multisite
 * network (the lane does not serve one).
 *
 * @package LatePointApi
 */

namespace LatePointApi\Lane;

defined( 'ABSPATH' ) || exit;

/**
 * Puts the loader in place, and tells whether it is.
 */
final class Lane_Loader {

	/** The loader's file name in the must-use plugins folder. */
	const FILE = 'latepoint-api-keys-lean-lane.php';

	/** The loader's states (status()['state']). */
	const IN_PLACE   = 'in_place';
	const TURNED_OFF = 'turned_off';
	const MISSING    = 'missing';
	const OUTDATED   = 'outdated';
	const MULTISITE  = 'multisite';

	public static function path(): string {
		return WPMU_PLUGIN_DIR . '/' . self::FILE;
	}

	/** The loader as it must be for this plugin: the template with this version and basename. */
	public static function contents(): string {
		$template = (string) file_get_contents( LPAPI_PLUGIN_DIR . '/drop-ins/lean-lane-loader.php' );
		$values   = array(
			'LPAPI_LANE_LOADER_VERSION' => LPAPI_PLUGIN_VERSION,
			'LPAPI_LANE_LOADER_PLUGIN'  => plugin_basename( LPAPI_PLUGIN_FILE ),
		);
		foreach ( $values as $name => $value ) {
			$template = (string) preg_replace( "/define\( '" . $name . "', '[^']*' \);/", "define( '" . $name . "', " . var_export( $value, true ) . ' );', $template, 1 ); // phpcs:ignore Generic.PHP.ForbiddenFunctions -- var_export() makes a PHP string literal of the value.
		}
		return $template;
	}

	/**
	 * Writes the loader unless it is there already. The file is written
	 * beside its place and renamed into it, so a request never loads half of it.
	 *
	 * @return ?string null when the loader is in place, else why not.
	 */
	public static function install(): ?string {
		if ( is_multisite() ) {
			return __( 'The lean lane does not serve multisite networks.', 'latepoint-api-keys' );
		}
		self::autoload_site_language();
		$contents = self::contents();
		$path     = self::path();
		if ( is_file( $path ) && file_get_contents( $path ) === $contents ) {
			return null;
		}
		if ( ! wp_mkdir_p( WPMU_PLUGIN_DIR ) ) {
			/* translators: %s: a folder */
			return sprintf( __( 'The folder %s could not be made.', 'latepoint-api-keys' ), WPMU_PLUGIN_DIR );
		}
		$temporary = $path . '.' . wp_generate_password( 8, false ) . '.tmp';
		// phpcs:ignore Generic.PHP.NoSilencedErrors -- a folder that is not writable is reported below, not as a PHP warning in the page.
		if ( false === @file_put_contents( $temporary, $contents ) || ! @rename( $temporary, $path ) ) {
			@unlink( $temporary ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- it may not exist.
			/* translators: %s: a folder */
			return sprintf( __( 'The loader could not be written into %s (is the folder writable by WordPress?).', 'latepoint-api-keys' ), WPMU_PLUGIN_DIR );
		}
		return null;
	}

	/**
	 * A site in English has no WPLANG option, so every request of WordPress,
	 * on both lanes, asks the database for it (get_locale(); the autoloaded
	 * options do not say it is missing). Saving Settings > General with
	 * English stores it as '' (autoloaded), which means the same locale: this
	 * stores it so, once, and the question costs nothing. A site with a
	 * language, or WPLANG in wp-config.php, is left as it is.
	 */
	public static function autoload_site_language(): void {
		global $wpdb;
		// The database's answer, not get_option()'s, which filters may change.
		if ( ! defined( 'WPLANG' ) && ! is_multisite() && null === $wpdb->get_var( "SELECT option_id FROM {$wpdb->options} WHERE option_name = 'WPLANG'" ) && '' === $wpdb->last_error ) {
			add_option( 'WPLANG', '', '', true );
		}
	}

	/** Removes the loader if it is this plugin's. */
	public static function remove(): void {
		$path = self::path();
		if ( is_file( $path ) && false !== strpos( (string) file_get_contents( $path ), 'LPAPI_LANE_LOADER_VERSION' ) ) {
			@unlink( $path ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- a loader that cannot be removed stays inert: its version no longer matches once the plugin changes, and without the plugin it does nothing.
		}
	}

	/**
	 * Whether the lane can serve: in_place, turned_off (in place, but the
	 * setting or LPAPI_LEAN_LANE turns it off), missing, outdated (another
	 * version's, or another basename's) or multisite.
	 *
	 * @return array{state: string, path: string}
	 */
	public static function status(): array {
		$path = self::path();
		if ( is_multisite() ) {
			$state = self::MULTISITE;
		} elseif ( ! is_file( $path ) ) {
			$state = self::MISSING;
		} elseif ( file_get_contents( $path ) !== self::contents() ) {
			$state = self::OUTDATED;
		} else {
			$state = Lane::enabled() ? self::IN_PLACE : self::TURNED_OFF;
		}
		return array(
			'state' => $state,
			'path'  => $path,
		);
	}

	/**
	 * admin_init: rewrites a loader of another version (after an upgrade) or
	 * one that went missing. Free when the loader that ran in this request is
	 * this plugin's.
	 */
	public static function maintain(): void {
		if ( defined( 'LPAPI_LANE_LOADER_VERSION' ) && LPAPI_PLUGIN_VERSION === LPAPI_LANE_LOADER_VERSION
			&& defined( 'LPAPI_LANE_LOADER_PLUGIN' ) && plugin_basename( LPAPI_PLUGIN_FILE ) === LPAPI_LANE_LOADER_PLUGIN ) {
			return;
		}
		if ( ! is_multisite() ) {
			self::install();
		}
	}
}
