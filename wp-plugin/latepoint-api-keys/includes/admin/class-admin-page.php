<?php
/**
 * LatePoint > API Settings (or Settings > LatePoint API when LatePoint is not
 * active): keys, generate, logs, webhooks, settings, per-key usage, and the native
 * extension's status. Every action is a POST with a nonce, checked against
 * manage_options; everything printed is escaped; everything essential works
 * without JavaScript.
 *
 * A new key is printed in the response to the POST that made it, never
 * stored (not even in a transient), and the form carries a single-use token,
 * so reloading the page cannot show the key again.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Admin;

use LatePointApi\Plugin;
use LatePointApi\Rest\Routes;
use LatePointApi\Support\Core;

defined( 'ABSPATH' ) || exit;

/**
 * The admin screen.
 */
final class Admin_Page {

	const SLUG       = 'latepoint-api-settings';
	const CAPABILITY = 'manage_options';
	const NONCE      = 'lpapi_admin';
	const TABS       = array( 'keys', 'generate', 'logs', 'webhooks', 'settings' );

	/** @var ?string */
	private static $hook = null;

	public static function register(): void {
		add_action( 'admin_menu', array( self::class, 'add_menu' ), 20 );
		add_action( 'admin_post_lpapi_export_logs', array( Csv_Export::class, 'export_logs' ) );
	}

	public static function add_menu(): void {
		$title = __( 'API Settings', 'latepoint-api-keys' );
		if ( Plugin::latepoint_active() ) {
			self::$hook = add_submenu_page( 'latepoint', $title, $title, self::CAPABILITY, self::SLUG, array( self::class, 'render' ) );
		} else {
			self::$hook = add_options_page( __( 'LatePoint API', 'latepoint-api-keys' ), __( 'LatePoint API', 'latepoint-api-keys' ), self::CAPABILITY, self::SLUG, array( self::class, 'render' ) );
		}
		if ( self::$hook ) {
			add_action( 'load-' . self::$hook, array( Actions::class, 'handle_post' ) );
			add_action( 'admin_enqueue_scripts', array( self::class, 'enqueue' ) );
		}
	}

	public static function enqueue( string $hook ): void {
		if ( $hook !== self::$hook ) {
			return;
		}
		wp_enqueue_style( 'lpapi-admin', plugins_url( 'assets/admin.css', LPAPI_PLUGIN_FILE ), array(), LPAPI_PLUGIN_VERSION );
		wp_enqueue_script( 'lpapi-admin', plugins_url( 'assets/admin.js', LPAPI_PLUGIN_FILE ), array(), LPAPI_PLUGIN_VERSION, true );
	}

	public static function url( array $args = array() ): string {
		$base = Plugin::latepoint_active() ? admin_url( 'admin.php' ) : admin_url( 'options-general.php' );
		return add_query_arg( array_merge( array( 'page' => self::SLUG ), $args ), $base );
	}

	// ------------------------------------------------------------------ actions

	public static function render(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to manage API keys.', 'latepoint-api-keys' ), 403 );
		}
		$tab = isset( $_GET['tab'] ) ? sanitize_key( wp_unslash( $_GET['tab'] ) ) : 'keys';
		$tab = in_array( $tab, self::TABS, true ) ? $tab : 'keys';
		if ( null === Actions::$revealed && Actions::$field_errors && isset( Actions::$submitted['name'] ) ) {
			$tab = 'generate';
		}
		if ( null !== Actions::$revealed ) {
			$tab = 'keys';
		}
		if ( Webhook_Actions::$handled ) {
			$tab = 'webhooks';
		}
		$done          = isset( $_GET['done'] ) ? sanitize_key( wp_unslash( $_GET['done'] ) ) : '';
		$done_messages = array(
			'disabled'       => __( 'The key is disabled. Requests with it now get 401 key_disabled.', 'latepoint-api-keys' ),
			'enabled'        => __( 'The key is enabled again.', 'latepoint-api-keys' ),
			'revoked'        => __( 'The key is revoked, for good. Requests with it now get 401 key_revoked, in every worker.', 'latepoint-api-keys' ),
			'settings_saved' => __( 'Settings saved.', 'latepoint-api-keys' ),
		) + Webhook_Actions::done_messages();
		echo '<div class="wrap lpapi">';
		echo '<h1>' . esc_html__( 'LatePoint API', 'latepoint-api-keys' ) . '</h1>';
		if ( ! Plugin::latepoint_active() ) {
			echo '<div class="notice notice-warning"><p>' . esc_html__( 'LatePoint is not active on this site. Keys and the /me endpoint work; the bookings, customers, agents, services and availability endpoints need LatePoint.', 'latepoint-api-keys' ) . '</p></div>';
		}
		if ( isset( $done_messages[ $done ] ) ) {
			echo '<div class="notice notice-success is-dismissible"><p>' . esc_html( $done_messages[ $done ] ) . '</p></div>';
		}
		foreach ( Actions::$notices as $notice ) {
			echo '<div class="notice notice-' . esc_attr( $notice['type'] ) . '"><p>' . esc_html( $notice['message'] ) . '</p></div>';
		}
		Webhooks_Tab::render_turned_off();
		self::render_status();
		echo '<nav class="nav-tab-wrapper">';
		$labels = array(
			'keys'     => __( 'Keys', 'latepoint-api-keys' ),
			'generate' => __( 'Generate', 'latepoint-api-keys' ),
			'logs'     => __( 'Logs', 'latepoint-api-keys' ),
			'webhooks' => __( 'Webhooks', 'latepoint-api-keys' ),
			'settings' => __( 'Settings', 'latepoint-api-keys' ),
		);
		foreach ( $labels as $slug => $label ) {
			printf(
				'<a href="%s" class="nav-tab%s">%s</a>',
				esc_url( self::url( array( 'tab' => $slug ) ) ),
				$slug === $tab ? ' nav-tab-active' : '',
				esc_html( $label )
			);
		}
		echo '</nav>';
		if ( null !== Actions::$revealed ) {
			self::render_reveal( Actions::$revealed );
		}
		switch ( $tab ) {
			case 'generate':
				Generate_Tab::render_generate();
				break;
			case 'logs':
				Logs_Tab::render_logs();
				break;
			case 'webhooks':
				Webhooks_Tab::render_webhooks();
				break;
			case 'settings':
				Settings_Tab::render_settings();
				break;
			default:
				Keys_Tab::render_keys();
		}
		echo '</div>';
	}

	public static function render_status(): void {
		$info = Core::info();
		echo '<div class="lpapi-status">';
		if ( $info['native'] ) {
			printf(
				/* translators: 1: version, 2: slots used, 3: slots total, 4: size */
				esc_html__( 'Native extension lpapi %1$s is loaded: rate limits are exact across all PHP workers. Shared memory: %2$d of %3$d slots in use (%4$s).', 'latepoint-api-keys' ),
				esc_html( $info['version'] ),
				(int) $info['slots_used'],
				(int) $info['slots_total'],
				esc_html( size_format( (int) $info['shm_bytes'] ) )
			);
			if ( ! $info['shared_memory'] ) {
				/* translators: %s: the reason */
				echo '<br><strong>' . esc_html( sprintf( __( 'But its shared rate-limit table is unavailable, so the pure-PHP limiter counts instead: %s', 'latepoint-api-keys' ), (string) ( $info['shared_memory_error'] ?? '' ) ) ) . '</strong>';
			} elseif ( null !== ( $info['shm_name'] ?? null ) ) {
				/* translators: %s: a file path */
				echo '<br>' . esc_html( sprintf( __( 'The counters live in %s and are kept across php-fpm reloads and restarts.', 'latepoint-api-keys' ), '/dev/shm/' . $info['shm_name'] ) );
			} else {
				echo '<br>' . esc_html__( 'The counters live in the memory of the process that loaded the extension: a restart of PHP starts them afresh (set lpapi.shm_name to keep them).', 'latepoint-api-keys' );
			}
			if ( 'fpm-fcgi' === PHP_SAPI && (int) $info['started_by_pid'] === getmypid() ) {
				echo '<br><strong>' . esc_html__( 'Warning: this PHP worker loaded the extension itself, so its rate counters and cache invalidations are not shared with the other workers. Load the extension in php.ini or conf.d (php-fpm\'s master), not with php_admin_value[extension] in a pool.', 'latepoint-api-keys' ) . '</strong>';
			}
			self::render_redis_status( $info );
		} else {
			echo esc_html__( 'The native extension is not in use: the plugin runs on its pure-PHP fallback (slower; rate counters are only as exact as the object cache or database).', 'latepoint-api-keys' );
			if ( ! empty( $info['disabled_by_constant'] ) ) {
				echo ' ' . esc_html__( '(The extension is loaded but turned off by LPAPI_DISABLE_NATIVE.)', 'latepoint-api-keys' );
			}
			if ( ! empty( $info['native_too_old'] ) ) {
				/* translators: 1: the loaded extension's version, 2: the version the plugin needs */
				echo '<br><strong class="lpapi-native-too-old">' . esc_html( sprintf( __( 'The extension lpapi %1$s is loaded but older than this plugin needs (%2$s or newer), so it is not used. Upgrade the extension (the php8.2-lpapi package) and restart php-fpm.', 'latepoint-api-keys' ), $info['native_too_old'], Core::NATIVE_MIN_VERSION ) ) . '</strong>';
			}
		}
		echo '</div>';
	}

	/** Where the counters are shared between servers: Redis, its state in this PHP process, and what happens while it is down. */
	private static function render_redis_status( array $info ): void {
		$redis = $info['redis'] ?? null;
		if ( ! is_array( $redis ) ) {
			echo '<br>' . esc_html__( 'Scope: server. Each web server counts on its own; for several servers, set Redis (lpapi.redis_url, or LPAPI_REDIS_URL for the pure-PHP fallback).', 'latepoint-api-keys' );
			return;
		}
		if ( 'unknown' === $redis['state'] ) {
			// This PHP process has not used Redis yet: a look (it counts nothing) tells.
			Core::rate_probe();
			$redis = Core::info()['redis'] ?? $redis;
		}
		$down = 'refuse' === $redis['down_policy']
			? __( 'while it is down, API requests are refused (503)', 'latepoint-api-keys' )
			: __( 'while it is down, each server counts on its own and reads keys from the database', 'latepoint-api-keys' );
		if ( 'down' === $redis['state'] ) {
			/* translators: 1: Redis URL without password, 2: the error, 3: seconds, 4: what happens meanwhile */
			$text = sprintf( __( 'Scope: server. Redis at %1$s cannot be reached (%2$s); next attempt in %3$d s; %4$s.', 'latepoint-api-keys' ), $redis['url'], (string) $redis['last_error'], (int) $redis['retry_in'], $down );
			echo '<br><strong class="lpapi-redis-down">' . esc_html( $text ) . '</strong>';
			return;
		}
		/* translators: 1: Redis URL without password, 2: what happens while it is down */
		echo '<br><span class="lpapi-redis-up">' . esc_html( sprintf( __( 'Scope: cluster. Rate limits and key revocations are shared by every server through Redis at %1$s; %2$s.', 'latepoint-api-keys' ), $redis['url'], $down ) ) . '</span>';
	}

	public static function render_reveal( array $revealed ): void {
		$record = $revealed['record'];
		echo '<div class="lpapi-reveal notice notice-success" role="alert">';
		/* translators: %s: key name */
		echo '<h2>' . esc_html( sprintf( __( 'Your new API key: %s', 'latepoint-api-keys' ), $record['name'] ) ) . '</h2>';
		echo '<p><strong>' . esc_html__( 'Copy it now. It is shown only this once: the site keeps only a hash of it, and reloading this page will not show it again.', 'latepoint-api-keys' ) . '</strong></p>';
		echo '<p class="lpapi-key-row"><input type="text" readonly class="large-text code lpapi-new-key" id="lpapi-new-key" value="' . esc_attr( $revealed['key'] ) . '" onfocus="this.select()" aria-label="' . esc_attr__( 'New API key', 'latepoint-api-keys' ) . '">';
		echo ' <button type="button" class="button button-primary lpapi-copy" data-copy-target="lpapi-new-key">' . esc_html__( 'Copy', 'latepoint-api-keys' ) . '</button> <span class="lpapi-copied" aria-live="polite"></span></p>';
		echo '<p>' . esc_html__( 'Use it in the X-API-Key header:', 'latepoint-api-keys' ) . '</p>';
		echo '<pre class="lpapi-curl">' . esc_html( 'curl -H "X-API-Key: ' . $revealed['key'] . '" ' . rest_url( Routes::API_NAMESPACE . '/me' ) ) . '</pre>';
		echo '</div>';
	}

	/** A form-table row, with the field's error under it. $html is built from escaped parts. */
	public static function row( string $field, string $label, string $html ): void {
		echo '<tr><th scope="row">' . esc_html( $label ) . '</th><td>';
		echo $html; // phpcs:ignore LatePointApi.Security.EscapedOutput.OutputNotEscaped -- the callers pass HTML whose every part they escaped.
		if ( isset( Actions::$field_errors[ $field ] ) ) {
			echo '<p class="lpapi-field-error">' . esc_html( Actions::$field_errors[ $field ] ) . '</p>';
		}
		echo '</td></tr>';
	}

	public static function pagination( int $total, int $paged, int $per_page, array $args ): void {
		$pages = (int) ceil( $total / $per_page );
		if ( $pages < 2 ) {
			return;
		}
		echo '<div class="tablenav"><div class="tablenav-pages">';
		echo wp_kses_post(
			(string) paginate_links(
				array(
					'base'    => esc_url_raw( add_query_arg( 'paged', '%#%', self::url( array_filter( $args ) ) ) ),
					'format'  => '',
					'current' => $paged,
					'total'   => $pages,
				)
			)
		);
		echo '</div></div>';
	}

	public static function date( ?string $iso ): string {
		if ( null === $iso ) {
			return '';
		}
		return wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), (int) strtotime( $iso ) );
	}
}
