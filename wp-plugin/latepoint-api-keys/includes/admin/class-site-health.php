<?php
/**
 * Site Health (Tools > Site Health): the plugin's tests, each with a
 * recommendation, and its section of the Info tab. The tests: the extension
 * loaded (and by php-fpm's master, not per worker, and not older than the
 * plugin needs); its shared rate table (room left, full events); the audit
 * spool writable and outside the web root; WP-Cron running (it flushes the
 * spool and purges old rows); Redis reachable when configured; the lean lane
 * in place when it is on; LatePoint active; no usable test key on a
 * production site.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Admin;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Keys\Key_Repository;
use LatePointApi\Lane\Lane_Loader;
use LatePointApi\Plugin;
use LatePointApi\Support\Core;
use LatePointApi\Support\Schema;
use LatePointApi\Support\Settings;

defined( 'ABSPATH' ) || exit;

/**
 * The Site Health tests and debug information.
 */
final class Site_Health {

	/** The tests, by their id in Site Health (lpapi_ + name). */
	const TESTS = array( 'extension', 'rate_table', 'spool', 'cron', 'redis', 'lean_lane', 'latepoint', 'test_keys' );

	/** A scheduled job this late (seconds) means WP-Cron is not running. */
	const CRON_LATE = 600;

	public static function register(): void {
		add_filter( 'site_status_tests', array( self::class, 'tests' ) );
		add_filter( 'debug_information', array( self::class, 'debug_information' ) );
	}

	/**
	 * @param array<string, array> $tests
	 * @return array<string, array>
	 */
	public static function tests( array $tests ): array {
		foreach ( self::TESTS as $name ) {
			$tests['direct'][ 'lpapi_' . $name ] = array(
				'label' => 'LatePoint API Keys: ' . $name,
				'test'  => static fn () => self::run( $name ),
			);
		}
		return $tests;
	}

	/** One test's result, in Site Health's shape. */
	public static function run( string $name ): array {
		list( $status, $label, $description, $action ) = array( self::class, 'test_' . $name )();
		return array(
			'label'       => $label,
			'status'      => $status,
			'badge'       => array(
				'label' => __( 'LatePoint API', 'latepoint-api-keys' ),
				'color' => 'good' === $status ? 'blue' : ( 'critical' === $status ? 'red' : 'orange' ),
			),
			'description' => '<p>' . esc_html( $description ) . '</p>',
			'actions'     => '' === $action ? '' : '<p>' . esc_html( $action ) . '</p>',
			'test'        => 'lpapi_' . $name,
		);
	}

	/** @return array{0: string, 1: string, 2: string, 3: string} status, label, description, recommendation */
	private static function test_extension(): array {
		$old = Core::native_too_old();
		if ( null !== $old ) {
			/* translators: 1: the loaded version, 2: the version needed */
			return array( 'recommended', __( 'The LatePoint API Keys extension is older than the plugin needs', 'latepoint-api-keys' ), sprintf( __( 'lpapi %1$s is loaded, but the plugin needs %2$s or newer, so it uses its pure-PHP implementation.', 'latepoint-api-keys' ), $old, Core::NATIVE_MIN_VERSION ), __( 'Upgrade the php8.2-lpapi package (or build the extension from the same release as the plugin) and restart php-fpm.', 'latepoint-api-keys' ) );
		}
		if ( ! Core::native() ) {
			return array( 'recommended', __( 'The LatePoint API Keys extension is not in use', 'latepoint-api-keys' ), __( 'The plugin runs on its pure-PHP implementation: slower, and its rate limits are only as exact as APCu or the database.', 'latepoint-api-keys' ), __( 'Install the php8.2-lpapi package (apt-get install ./php8.2-lpapi_VERSION_amd64.deb) and restart php-fpm.', 'latepoint-api-keys' ) );
		}
		$info = Core::info();
		if ( 'fpm-fcgi' === PHP_SAPI && (int) $info['started_by_pid'] === getmypid() ) {
			return array( 'critical', __( 'The LatePoint API Keys extension is loaded by each php-fpm worker', 'latepoint-api-keys' ), __( 'It was loaded by this worker, not by php-fpm\'s master, so each worker counts rate limits on its own.', 'latepoint-api-keys' ), __( 'Load it in php.ini or conf.d (the package does), not with php_admin_value[extension] in a pool, and restart php-fpm.', 'latepoint-api-keys' ) );
		}
		/* translators: %s: the extension's version */
		return array( 'good', __( 'The LatePoint API Keys extension is loaded', 'latepoint-api-keys' ), sprintf( __( 'lpapi %s is loaded by php-fpm\'s master: rate limits are exact across all workers.', 'latepoint-api-keys' ), $info['version'] ), '' );
	}

	private static function test_rate_table(): array {
		if ( ! Core::native() ) {
			return array( 'good', __( 'The rate limits count without the shared table', 'latepoint-api-keys' ), __( 'Without the extension there is no shared table to fill.', 'latepoint-api-keys' ), '' );
		}
		$info = Core::info();
		if ( ! $info['shared_memory'] ) {
			/* translators: %s: the reason */
			return array( 'critical', __( 'The shared rate-limit table is unavailable', 'latepoint-api-keys' ), sprintf( __( 'The pure-PHP limiter counts instead: %s', 'latepoint-api-keys' ), (string) ( $info['shared_memory_error'] ?? '' ) ), __( 'Check lpapi.rate_slots and lpapi.shm_name in the extension\'s ini file.', 'latepoint-api-keys' ) );
		}
		$used  = (int) $info['slots_used'];
		$total = max( 1, (int) $info['slots_total'] );
		$full  = (int) ( $info['rate_table_full_events'] ?? 0 );
		/* translators: 1: slots used, 2: slots in all, 3: times the table was full */
		$text = sprintf( __( '%1$d of %2$d slots in use; the table was full %3$d times since it was made.', 'latepoint-api-keys' ), $used, $total, $full );
		if ( $full > 0 || $used > 0.8 * $total ) {
			return array( 'recommended', __( 'The shared rate-limit table is nearly full', 'latepoint-api-keys' ), $text, __( 'Raise lpapi.rate_slots (64 bytes each) and restart php-fpm.', 'latepoint-api-keys' ) );
		}
		return array( 'good', __( 'The shared rate-limit table has room', 'latepoint-api-keys' ), $text, '' );
	}

	private static function test_spool(): array {
		$dir = Audit_Log::spool_dir();
		if ( null === $dir || ! is_dir( $dir ) || ! wp_is_writable( $dir ) ) {
			return array( 'critical', __( 'The audit spool is not writable', 'latepoint-api-keys' ), __( 'API requests cannot leave their log rows: the log misses them.', 'latepoint-api-keys' ), __( 'Make wp-content writable by PHP, or set LPAPI_SPOOL_DIR in wp-config.php to a writable folder outside the web root.', 'latepoint-api-keys' ) );
		}
		if ( self::inside_web_root( $dir ) ) {
			return array( 'recommended', __( 'The audit spool is inside the web root', 'latepoint-api-keys' ), __( 'Its files hold client IP addresses and user agents. Its folder has a random name and a deny rule for Apache, but other web servers may serve it.', 'latepoint-api-keys' ), __( 'Set LPAPI_SPOOL_DIR in wp-config.php to a writable folder outside the web root.', 'latepoint-api-keys' ) );
		}
		return array( 'good', __( 'The audit spool is writable and outside the web root', 'latepoint-api-keys' ), __( 'API requests leave their log rows there until they are moved into the database.', 'latepoint-api-keys' ), '' );
	}

	/** Whether a folder is under the WordPress root or wp-content (both usually served). */
	public static function inside_web_root( string $dir ): bool {
		$dir = trailingslashit( wp_normalize_path( (string) realpath( $dir ) ) );
		foreach ( array( ABSPATH, WP_CONTENT_DIR ) as $root ) {
			$root = trailingslashit( wp_normalize_path( (string) realpath( $root ) ) );
			if ( '/' !== $root && 0 === strpos( $dir, $root ) ) {
				return true;
			}
		}
		return false;
	}

	private static function test_cron(): array {
		$next = wp_next_scheduled( Plugin::CRON_FLUSH );
		if ( false === $next ) {
			return array( 'critical', __( 'The audit log\'s jobs are not scheduled', 'latepoint-api-keys' ), __( 'Nothing moves the spool into the database or purges old log rows.', 'latepoint-api-keys' ), __( 'Deactivate and activate the plugin to schedule them again.', 'latepoint-api-keys' ) );
		}
		if ( $next < time() - self::CRON_LATE ) {
			/* translators: %d: minutes */
			return array( 'recommended', __( 'WP-Cron does not seem to run', 'latepoint-api-keys' ), sprintf( __( 'The audit log\'s flush was due %d minutes ago. Log rows wait in the spool, webhook retries and old-row purges wait too.', 'latepoint-api-keys' ), (int) round( ( time() - $next ) / 60 ) ), __( 'With DISABLE_WP_CRON, call wp-cron.php every minute from the system\'s cron.', 'latepoint-api-keys' ) );
		}
		return array( 'good', __( 'WP-Cron runs the audit log\'s jobs', 'latepoint-api-keys' ), __( 'The spool is moved into the database every minute and old rows are purged daily.', 'latepoint-api-keys' ), '' );
	}

	private static function test_redis(): array {
		$info  = Core::info();
		$redis = $info['redis'] ?? null;
		if ( ! is_array( $redis ) ) {
			return array( 'good', __( 'No Redis is configured for the rate limits', 'latepoint-api-keys' ), __( 'Each web server counts on its own, which is exact for a site on one server.', 'latepoint-api-keys' ), '' );
		}
		if ( 'unknown' === $redis['state'] ) {
			Core::rate_probe();
			$redis = Core::info()['redis'] ?? $redis;
		}
		if ( 'down' === $redis['state'] ) {
			/* translators: %s: the error */
			return array( 'critical', __( 'Redis for the rate limits cannot be reached', 'latepoint-api-keys' ), sprintf( __( 'Each server counts on its own meanwhile (or refuses requests, with lpapi.redis_down = refuse): %s', 'latepoint-api-keys' ), (string) $redis['last_error'] ), __( 'Check that Redis runs and lpapi.redis_url (or LPAPI_REDIS_URL) names it.', 'latepoint-api-keys' ) );
		}
		return array( 'good', __( 'Redis for the rate limits is reachable', 'latepoint-api-keys' ), __( 'Rate limits and key revocations are shared by every web server.', 'latepoint-api-keys' ), '' );
	}

	private static function test_lean_lane(): array {
		$state = Lane_Loader::status()['state'];
		switch ( $state ) {
			case Lane_Loader::IN_PLACE:
				return array( 'good', __( 'The lean lane is in place', 'latepoint-api-keys' ), __( 'API-key reads are answered before other plugins and the theme load.', 'latepoint-api-keys' ), '' );
			case Lane_Loader::TURNED_OFF:
			case Lane_Loader::MULTISITE:
				return array( 'good', __( 'The lean lane is off', 'latepoint-api-keys' ), __( 'Every API request takes WordPress\'s full boot.', 'latepoint-api-keys' ), '' );
			default:
				return array( 'recommended', __( 'The lean lane is on but not in place', 'latepoint-api-keys' ), __( 'Its must-use loader is missing or belongs to another version, so API reads take the slower full boot.', 'latepoint-api-keys' ), __( 'Open LatePoint > API Settings > Settings: it says how to put the loader in place.', 'latepoint-api-keys' ) );
		}
	}

	private static function test_latepoint(): array {
		if ( ! Plugin::latepoint_active() ) {
			return array( 'recommended', __( 'LatePoint is not active', 'latepoint-api-keys' ), __( 'The keys and /me work; the bookings, customers, agents, services and availability routes need LatePoint.', 'latepoint-api-keys' ), __( 'Install and activate LatePoint.', 'latepoint-api-keys' ) );
		}
		/* translators: %s: LatePoint's version */
		return array( 'good', __( 'LatePoint is active', 'latepoint-api-keys' ), sprintf( __( 'LatePoint %s.', 'latepoint-api-keys' ), defined( 'LATEPOINT_VERSION' ) ? LATEPOINT_VERSION : '?' ), '' );
	}

	private static function test_test_keys(): array {
		if ( 'production' !== Settings::environment_type() ) {
			return array( 'good', __( 'Test keys are allowed on this site', 'latepoint-api-keys' ), __( 'This is not a production site, so test keys work here.', 'latepoint-api-keys' ), '' );
		}
		$count = Key_Repository::count_usable_test_keys( gmdate( 'Y-m-d H:i:s' ) );
		if ( $count > 0 ) {
			/* translators: %d: a number of keys */
			return array( 'recommended', __( 'Test keys exist on a production site', 'latepoint-api-keys' ), sprintf( _n( '%d test key is active; test keys are refused on production, so it only clutters the list.', '%d test keys are active; test keys are refused on production, so they only clutter the list.', $count, 'latepoint-api-keys' ), $count ), __( 'Revoke them under LatePoint > API Settings > Keys, or set the environment on the Settings tab if this is not production.', 'latepoint-api-keys' ) );
		}
		return array( 'good', __( 'No test key on this production site', 'latepoint-api-keys' ), __( 'Only live keys are active.', 'latepoint-api-keys' ), '' );
	}

	/**
	 * Tools > Site Health > Info: the plugin's section.
	 *
	 * @param array<string, array> $info
	 * @return array<string, array>
	 */
	public static function debug_information( array $info ): array {
		$core   = Core::info();
		$fields = array(
			'version'        => array( __( 'Plugin version', 'latepoint-api-keys' ), LPAPI_PLUGIN_VERSION ),
			'schema'         => array( __( 'Database schema', 'latepoint-api-keys' ), (string) get_option( Schema::DB_VERSION_OPTION ) ),
			'implementation' => array( __( 'Implementation', 'latepoint-api-keys' ), Core::native() ? 'native lpapi ' . $core['version'] : 'pure PHP' . ( Core::native_too_old() ? ' (lpapi ' . Core::native_too_old() . ' is too old)' : '' ) ),
			'rate_store'     => array( __( 'Rate counters', 'latepoint-api-keys' ), (string) ( $core['rate_store'] ?? '' ) ),
			'lean_lane'      => array( __( 'Lean lane', 'latepoint-api-keys' ), Lane_Loader::status()['state'] ),
			'environment'    => array( __( 'Environment for test keys', 'latepoint-api-keys' ), Settings::environment_type() ),
			'latepoint'      => array( 'LatePoint', defined( 'LATEPOINT_VERSION' ) ? LATEPOINT_VERSION : __( 'not active', 'latepoint-api-keys' ) ),
			'spool'          => array( __( 'Audit spool', 'latepoint-api-keys' ), (string) Audit_Log::spool_dir(), true ),
		);
		if ( Core::native() ) {
			$fields['slots'] = array( __( 'Shared table slots', 'latepoint-api-keys' ), $core['slots_used'] . ' / ' . $core['slots_total'] . ', full ' . (int) ( $core['rate_table_full_events'] ?? 0 ) . '×' );
		}
		$info['latepoint-api-keys'] = array(
			'label'  => __( 'LatePoint API Keys', 'latepoint-api-keys' ),
			'fields' => array_map(
				static fn ( array $f ) => array(
					'label'   => $f[0],
					'value'   => $f[1],
					'private' => ! empty( $f[2] ),
				),
				$fields
			),
		);
		return $info;
	}
}
