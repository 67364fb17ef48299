<?php
/**
 * LatePoint > API Settings (or Settings > LatePoint API when LatePoint is not
 * active): keys, generate, logs, settings, per-key usage, and the native
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

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Auth\Authenticator;
use LatePointApi\Keys\Key_Service;
use LatePointApi\Keys\Permissions;
use LatePointApi\Plugin;
use LatePointApi\Support\Conflict_Error;
use LatePointApi\Support\Core;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Settings;
use LatePointApi\Support\Storage_Error;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * The admin screen.
 */
final class Admin_Page {

	const SLUG       = 'latepoint-api-settings';
	const CAPABILITY = 'manage_options';
	const NONCE      = 'lpapi_admin';
	const TABS       = array( 'keys', 'generate', 'logs', 'settings' );

	/** @var ?string */
	private static $hook = null;
	/** @var array{type: string, message: string}[] */
	private static $notices = array();
	/** @var ?array{key: string, record: array} the key made by this request, shown once */
	private static $revealed = null;
	/** @var array<string, string> field errors of the submitted form */
	private static $field_errors = array();
	/** @var array<string, mixed> the submitted form, to fill it again after an error */
	private static $submitted = array();

	public static function register(): void {
		add_action( 'admin_menu', array( self::class, 'add_menu' ), 20 );
		add_action( 'admin_post_lpapi_export_logs', array( self::class, 'export_logs' ) );
	}

	public static function add_menu(): void {
		$title = __( 'API Settings', 'latepoint-api-keys' );
		if ( Plugin::latepoint_active() ) {
			self::$hook = add_submenu_page( 'latepoint', $title, $title, self::CAPABILITY, self::SLUG, array( self::class, 'render' ) );
		} else {
			self::$hook = add_options_page( __( 'LatePoint API', 'latepoint-api-keys' ), __( 'LatePoint API', 'latepoint-api-keys' ), self::CAPABILITY, self::SLUG, array( self::class, 'render' ) );
		}
		if ( self::$hook ) {
			add_action( 'load-' . self::$hook, array( self::class, 'handle_post' ) );
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

	/** Runs a submitted action before any output (load-{hook}). */
	public static function handle_post(): void {
		nocache_headers();
		if ( 'POST' !== ( $_SERVER['REQUEST_METHOD'] ?? '' ) || ! isset( $_POST['lpapi_action'] ) ) {
			return;
		}
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to manage API keys.', 'latepoint-api-keys' ), 403 );
		}
		check_admin_referer( self::NONCE );
		$action = sanitize_key( wp_unslash( $_POST['lpapi_action'] ) );
		$actor  = get_current_user_id();
		$id     = isset( $_POST['key_id'] ) ? absint( $_POST['key_id'] ) : 0;
		try {
			switch ( $action ) {
				case 'generate':
					self::generate( $actor );
					break;
				case 'disable':
					Key_Service::disable( $id, $actor );
					self::redirect_with( 'disabled' );
					break;
				case 'enable':
					Key_Service::enable( $id, $actor );
					self::redirect_with( 'enabled' );
					break;
				case 'revoke':
					Key_Service::revoke( $id, $actor );
					self::redirect_with( 'revoked' );
					break;
				case 'rotate':
					self::rotate( $id, $actor );
					break;
				case 'settings':
					self::save_settings();
					break;
			}
		} catch ( Validation_Error $e ) {
			self::$field_errors = $e->fields();
			self::notice( 'error', $e->getMessage() );
		} catch ( Conflict_Error $e ) {
			self::notice( 'error', $e->getMessage() );
		} catch ( Not_Found_Error $e ) {
			self::notice( 'error', $e->getMessage() );
		} catch ( Storage_Error $e ) {
			self::notice( 'error', __( 'The database did not save the change; nothing was changed. Try again shortly.', 'latepoint-api-keys' ) );
		}
	}

	private static function generate( int $actor ): void {
		// phpcs:disable WordPress.Security.NonceVerification.Missing -- checked in handle_post().
		$token = isset( $_POST['form_token'] ) ? sanitize_key( wp_unslash( $_POST['form_token'] ) ) : '';
		$input = array(
			'name'            => self::plain_text( 'name', false ),
			'description'     => self::plain_text( 'description', true ),
			'environment'     => isset( $_POST['environment'] ) ? sanitize_key( wp_unslash( $_POST['environment'] ) ) : 'live',
			'permissions'     => isset( $_POST['permissions'] ) ? array_map( 'sanitize_text_field', (array) wp_unslash( $_POST['permissions'] ) ) : array(),
			'allowed_ips'     => isset( $_POST['allowed_ips'] ) ? sanitize_textarea_field( wp_unslash( $_POST['allowed_ips'] ) ) : '',
			'allowed_origins' => isset( $_POST['allowed_origins'] ) ? sanitize_textarea_field( wp_unslash( $_POST['allowed_origins'] ) ) : '',
		);
		foreach ( array( 'rate_limit_per_minute', 'rate_limit_per_hour' ) as $field ) {
			$input[ $field ] = isset( $_POST[ $field ] ) ? sanitize_text_field( wp_unslash( $_POST[ $field ] ) ) : '';
		}
		$expiry = isset( $_POST['expiry'] ) ? sanitize_key( wp_unslash( $_POST['expiry'] ) ) : 'default';
		$date   = isset( $_POST['expiry_date'] ) ? sanitize_text_field( wp_unslash( $_POST['expiry_date'] ) ) : '';
		// phpcs:enable
		self::$submitted = $input + array( 'expiry' => $expiry, 'expiry_date' => $date );
		if ( 'default' !== $expiry ) {
			$input['expires_at'] = self::expiry_to_iso( $expiry, $date );
		}
		if ( ! self::consume_form_token( $token ) ) {
			self::notice( 'warning', __( 'This form was already submitted, so no new key was made. A key is shown only once; if you lost it, rotate the key.', 'latepoint-api-keys' ) );
			return;
		}
		self::$revealed = Key_Service::create( $input, $actor );
	}

	/**
	 * A name or description as typed. Not sanitize_text_field(): it strips anything
	 * tag-like ("<b>Bold</b>" became "Bold") and stores "<" and "&" as entities, which
	 * /me then returned. Like the REST API, keep the text (Key_Service validates it,
	 * every output escapes it) and drop only invalid UTF-8 and control characters.
	 */
	private static function plain_text( string $field, bool $multiline ): string {
		$value = isset( $_POST[ $field ] ) && is_string( $_POST[ $field ] ) ? wp_check_invalid_utf8( wp_unslash( $_POST[ $field ] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Missing, WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- nonce checked in handle_post(); cleaned here.
		$value = $multiline ? str_replace( "\r\n", "\n", $value ) : $value;
		return trim( (string) preg_replace( $multiline ? '/[\x00-\x08\x0B-\x1F\x7F]/' : '/[\x00-\x1F\x7F]+/', $multiline ? '' : ' ', $value ) );
	}

	private static function rotate( int $id, int $actor ): void {
		$grace = isset( $_POST['grace_seconds'] ) ? (int) $_POST['grace_seconds'] : 0; // phpcs:ignore WordPress.Security.NonceVerification.Missing
		$token = isset( $_POST['form_token'] ) ? sanitize_key( wp_unslash( $_POST['form_token'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Missing
		if ( ! in_array( $grace, Key_Service::GRACE_CHOICES, true ) ) {
			throw new Validation_Error( array( 'grace_seconds' => __( 'Choose a grace period from the list.', 'latepoint-api-keys' ) ) );
		}
		if ( ! self::consume_form_token( $token ) ) {
			self::notice( 'warning', __( 'This form was already submitted, so the key was not rotated again.', 'latepoint-api-keys' ) );
			return;
		}
		$rotated        = Key_Service::rotate( $id, $grace, $actor );
		self::$revealed = array(
			'key'    => $rotated['key'],
			'record' => $rotated['record'],
		);
	}

	private static function save_settings(): void {
		// phpcs:disable WordPress.Security.NonceVerification.Missing -- checked in handle_post().
		$input = array();
		foreach ( array( 'live_per_minute', 'live_per_hour', 'test_per_minute', 'test_per_hour', 'retention_days', 'key_cap' ) as $field ) {
			$input[ $field ] = isset( $_POST[ $field ] ) ? sanitize_text_field( wp_unslash( $_POST[ $field ] ) ) : '';
		}
		$input['trusted_proxies'] = isset( $_POST['trusted_proxies'] ) ? sanitize_textarea_field( wp_unslash( $_POST['trusted_proxies'] ) ) : '';
		// phpcs:enable
		self::$submitted = $input;
		Settings::update( $input );
		self::redirect_with( 'settings_saved', 'settings' );
	}

	/** A random token per rendered form; a token works once. */
	private static function new_form_token(): string {
		return strtolower( wp_generate_password( 24, false ) );
	}

	private static function consume_form_token( string $token ): bool {
		if ( strlen( $token ) < 16 ) {
			return false;
		}
		$used_key = 'lpapi_used_form_' . md5( $token );
		if ( get_transient( $used_key ) ) {
			return false;
		}
		set_transient( $used_key, 1, DAY_IN_SECONDS );
		return true;
	}

	private static function expiry_to_iso( string $choice, string $date ): ?string {
		$days = array( '3d' => 3, '30d' => 30, '90d' => 90, '365d' => 365 );
		if ( 'never' === $choice ) {
			return null;
		}
		if ( isset( $days[ $choice ] ) ) {
			return gmdate( 'Y-m-d\TH:i:s\Z', time() + $days[ $choice ] * DAY_IN_SECONDS );
		}
		return '' === $date ? 'invalid' : $date . 'T23:59:59Z';
	}

	private static function redirect_with( string $message, string $tab = 'keys' ): void {
		wp_safe_redirect( self::url( array( 'tab' => $tab, 'done' => $message ) ) );
		exit;
	}

	private static function notice( string $type, string $message ): void {
		self::$notices[] = array( 'type' => $type, 'message' => $message );
	}

	/** CSV of the filtered log (GET with a nonce). */
	public static function export_logs(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to export API logs.', 'latepoint-api-keys' ), 403 );
		}
		check_admin_referer( 'lpapi_export_logs' );
		Audit_Log::flush();
		$filters = self::log_filters();
		nocache_headers();
		header( 'Content-Type: text/csv; charset=utf-8' );
		header( 'Content-Disposition: attachment; filename="latepoint-api-log-' . gmdate( 'Ymd-His' ) . '.csv"' );
		$out = fopen( 'php://output', 'w' ); // phpcs:ignore WordPress.WP.AlternativeFunctions
		fputcsv( $out, array( 'time', 'request_id', 'event', 'key_id', 'key_prefix', 'actor_user_id', 'method', 'route', 'status', 'error_code', 'client_ip', 'user_agent', 'duration_ms' ) );
		$offset = 0;
		do {
			$page = Audit_Log::query( $filters, $offset, 1000 );
			foreach ( $page['items'] as $row ) {
				unset( $row['id'] );
				fputcsv( $out, array_map( array( self::class, 'csv_cell' ), array_values( $row ) ) );
			}
			$offset += 1000;
		} while ( count( $page['items'] ) === 1000 && $offset < 1000000 );
		fclose( $out ); // phpcs:ignore WordPress.WP.AlternativeFunctions
		exit;
	}

	/**
	 * Neutralises spreadsheet formulas (CSV injection): a cell that starts with
	 * = + - @, their fullwidth forms ＝ ＋ － ＠ (spreadsheets read those as
	 * formulas too), a tab, CR or LF gets a leading apostrophe.
	 */
	public static function csv_cell( $value ): string {
		$value = (string) $value;
		$risky = preg_match( '/^[=+\-@\t\r\n\x{FF1D}\x{FF0B}\x{FF0D}\x{FF20}]/u', $value );
		if ( false === $risky ) { // Not valid UTF-8: judge the first byte alone.
			$risky = preg_match( '/^[=+\-@\t\r\n]/', $value );
		}
		return 1 === $risky ? "'" . $value : $value;
	}

	/** @return array<string, mixed> */
	private static function log_filters(): array {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- read-only filters.
		$filters = array(
			'key_id'    => isset( $_GET['key_id'] ) ? absint( $_GET['key_id'] ) : 0,
			'status'    => isset( $_GET['status'] ) ? sanitize_text_field( wp_unslash( $_GET['status'] ) ) : '',
			'event'     => isset( $_GET['event'] ) ? sanitize_key( wp_unslash( $_GET['event'] ) ) : '',
			'date_from' => isset( $_GET['date_from'] ) ? sanitize_text_field( wp_unslash( $_GET['date_from'] ) ) : '',
			'date_to'   => isset( $_GET['date_to'] ) ? sanitize_text_field( wp_unslash( $_GET['date_to'] ) ) : '',
		);
		// phpcs:enable
		foreach ( array( 'date_from', 'date_to' ) as $field ) {
			if ( ! preg_match( '/^\d{4}-\d{2}-\d{2}$/', $filters[ $field ] ) ) {
				$filters[ $field ] = '';
			}
		}
		if ( ! in_array( $filters['event'], array( 'request', 'auth_failed', 'rate_limited', 'admin_action' ), true ) ) {
			$filters['event'] = '';
		}
		return array_filter( $filters );
	}

	// ------------------------------------------------------------------ rendering

	public static function render(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to manage API keys.', 'latepoint-api-keys' ), 403 );
		}
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- navigation only.
		$tab = isset( $_GET['tab'] ) ? sanitize_key( wp_unslash( $_GET['tab'] ) ) : 'keys';
		$tab = in_array( $tab, self::TABS, true ) ? $tab : 'keys';
		if ( null === self::$revealed && self::$field_errors && isset( self::$submitted['name'] ) ) {
			$tab = 'generate';
		}
		if ( null !== self::$revealed ) {
			$tab = 'keys';
		}
		$done = isset( $_GET['done'] ) ? sanitize_key( wp_unslash( $_GET['done'] ) ) : '';
		// phpcs:enable
		$done_messages = array(
			'disabled'       => __( 'The key is disabled. Requests with it now get 401 key_disabled.', 'latepoint-api-keys' ),
			'enabled'        => __( 'The key is enabled again.', 'latepoint-api-keys' ),
			'revoked'        => __( 'The key is revoked, for good. Requests with it now get 401 key_revoked, in every worker.', 'latepoint-api-keys' ),
			'settings_saved' => __( 'Settings saved.', 'latepoint-api-keys' ),
		);
		echo '<div class="wrap lpapi">';
		echo '<h1>' . esc_html__( 'LatePoint API', 'latepoint-api-keys' ) . '</h1>';
		if ( ! Plugin::latepoint_active() ) {
			echo '<div class="notice notice-warning"><p>' . esc_html__( 'LatePoint is not active on this site. Keys and the /me endpoint work; the bookings, customers, agents, services and availability endpoints need LatePoint.', 'latepoint-api-keys' ) . '</p></div>';
		}
		if ( isset( $done_messages[ $done ] ) ) {
			echo '<div class="notice notice-success is-dismissible"><p>' . esc_html( $done_messages[ $done ] ) . '</p></div>';
		}
		foreach ( self::$notices as $notice ) {
			echo '<div class="notice notice-' . esc_attr( $notice['type'] ) . '"><p>' . esc_html( $notice['message'] ) . '</p></div>';
		}
		self::render_status();
		echo '<nav class="nav-tab-wrapper">';
		$labels = array(
			'keys'     => __( 'Keys', 'latepoint-api-keys' ),
			'generate' => __( 'Generate', 'latepoint-api-keys' ),
			'logs'     => __( 'Logs', 'latepoint-api-keys' ),
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
		if ( null !== self::$revealed ) {
			self::render_reveal( self::$revealed );
		}
		switch ( $tab ) {
			case 'generate':
				self::render_generate();
				break;
			case 'logs':
				self::render_logs();
				break;
			case 'settings':
				self::render_settings();
				break;
			default:
				self::render_keys();
		}
		echo '</div>';
	}

	private static function render_status(): void {
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
			if ( 'fpm-fcgi' === PHP_SAPI && (int) $info['started_by_pid'] === getmypid() ) {
				echo '<br><strong>' . esc_html__( 'Warning: this PHP worker loaded the extension itself, so its rate counters and cache invalidations are not shared with the other workers. Load the extension in php.ini or conf.d (php-fpm\'s master), not with php_admin_value[extension] in a pool.', 'latepoint-api-keys' ) . '</strong>';
			}
		} else {
			echo esc_html__( 'The native extension is not in use: the plugin runs on its pure-PHP fallback (slower; rate counters are only as exact as the object cache or database).', 'latepoint-api-keys' );
			if ( ! empty( $info['disabled_by_constant'] ) ) {
				echo ' ' . esc_html__( '(The extension is loaded but turned off by LPAPI_DISABLE_NATIVE.)', 'latepoint-api-keys' );
			}
		}
		echo '</div>';
	}

	private static function render_reveal( array $revealed ): void {
		$record = $revealed['record'];
		echo '<div class="lpapi-reveal notice notice-success" role="alert">';
		/* translators: %s: key name */
		echo '<h2>' . esc_html( sprintf( __( 'Your new API key: %s', 'latepoint-api-keys' ), $record['name'] ) ) . '</h2>';
		echo '<p><strong>' . esc_html__( 'Copy it now. It is shown only this once: the site keeps only a hash of it, and reloading this page will not show it again.', 'latepoint-api-keys' ) . '</strong></p>';
		echo '<p class="lpapi-key-row"><input type="text" readonly class="large-text code lpapi-new-key" id="lpapi-new-key" value="' . esc_attr( $revealed['key'] ) . '" onfocus="this.select()" aria-label="' . esc_attr__( 'New API key', 'latepoint-api-keys' ) . '">';
		echo ' <button type="button" class="button button-primary lpapi-copy" data-copy-target="lpapi-new-key">' . esc_html__( 'Copy', 'latepoint-api-keys' ) . '</button> <span class="lpapi-copied" aria-live="polite"></span></p>';
		echo '<p>' . esc_html__( 'Use it in the X-API-Key header:', 'latepoint-api-keys' ) . '</p>';
		echo '<pre class="lpapi-curl">' . esc_html( 'curl -H "X-API-Key: ' . $revealed['key'] . '" ' . rest_url( Authenticator::API_NAMESPACE . '/me' ) ) . '</pre>';
		echo '</div>';
	}

	private static function render_keys(): void {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- navigation only.
		$view   = isset( $_GET['view'] ) ? sanitize_key( wp_unslash( $_GET['view'] ) ) : '';
		$key_id = isset( $_GET['key'] ) ? absint( $_GET['key'] ) : 0;
		$status = isset( $_GET['status'] ) ? sanitize_key( wp_unslash( $_GET['status'] ) ) : '';
		$paged  = isset( $_GET['paged'] ) ? max( 1, absint( $_GET['paged'] ) ) : 1;
		// phpcs:enable
		if ( $key_id && in_array( $view, array( 'revoke', 'rotate', 'usage' ), true ) ) {
			try {
				$record = Key_Service::get( $key_id );
			} catch ( Not_Found_Error $e ) {
				echo '<p>' . esc_html( $e->getMessage() ) . '</p>';
				return;
			}
			'usage' === $view ? self::render_usage( $record ) : self::render_confirm( $view, $record );
			return;
		}
		$status   = in_array( $status, Key_Service::STATUSES, true ) ? $status : '';
		$per_page = 20;
		Audit_Log::flush(); // So that "Last used" is current (the log tab and usage view flush too).
		$result   = Key_Service::list( array_filter( array( 'status' => $status ) ), ( $paged - 1 ) * $per_page, $per_page );
		echo '<ul class="subsubsub">';
		foreach ( array_merge( array( '' ), Key_Service::STATUSES ) as $i => $choice ) {
			printf(
				'%s<li><a href="%s"%s>%s</a></li>',
				$i ? ' | ' : '',
				esc_url( self::url( array( 'tab' => 'keys', 'status' => $choice ) ) ),
				$choice === $status ? ' class="current"' : '',
				esc_html( '' === $choice ? __( 'All', 'latepoint-api-keys' ) : ucfirst( $choice ) )
			);
		}
		echo '</ul>';
		echo '<table class="widefat striped lpapi-keys"><thead><tr>';
		foreach ( array( __( 'Name', 'latepoint-api-keys' ), __( 'Key', 'latepoint-api-keys' ), __( 'Environment', 'latepoint-api-keys' ), __( 'Permissions', 'latepoint-api-keys' ), __( 'Created', 'latepoint-api-keys' ), __( 'Last used', 'latepoint-api-keys' ), __( 'Expires', 'latepoint-api-keys' ), __( 'Status', 'latepoint-api-keys' ), __( 'Actions', 'latepoint-api-keys' ) ) as $heading ) {
			echo '<th scope="col">' . esc_html( $heading ) . '</th>';
		}
		echo '</tr></thead><tbody>';
		if ( ! $result['items'] ) {
			echo '<tr><td colspan="9">' . esc_html__( 'No keys yet.', 'latepoint-api-keys' ) . ' <a href="' . esc_url( self::url( array( 'tab' => 'generate' ) ) ) . '">' . esc_html__( 'Generate one.', 'latepoint-api-keys' ) . '</a></td></tr>';
		}
		foreach ( $result['items'] as $key ) {
			echo '<tr data-key-id="' . esc_attr( (string) $key['id'] ) . '">';
			echo '<td><strong class="lpapi-key-name">' . esc_html( $key['name'] ) . '</strong>';
			if ( '' !== $key['description'] ) {
				echo '<br><span class="description">' . esc_html( $key['description'] ) . '</span>';
			}
			echo '</td>';
			echo '<td><code>' . esc_html( $key['display'] ) . '</code></td>';
			echo '<td>' . esc_html( $key['environment'] ) . '</td>';
			echo '<td title="' . esc_attr( implode( ', ', $key['permissions'] ) ) . '">' . esc_html( Permissions::summary( $key['permissions'] ) ) . '</td>';
			echo '<td>' . esc_html( self::date( $key['created_at'] ) ) . '</td>';
			echo '<td>' . esc_html( $key['last_used_at'] ? self::date( $key['last_used_at'] ) : __( 'Never', 'latepoint-api-keys' ) ) . '</td>';
			echo '<td>' . esc_html( $key['expires_at'] ? self::date( $key['expires_at'] ) : __( 'Never', 'latepoint-api-keys' ) );
			if ( $key['expiring_soon'] ) {
				echo ' <span class="lpapi-badge lpapi-badge-warning">' . esc_html__( 'expires soon', 'latepoint-api-keys' ) . '</span>';
			}
			echo '</td>';
			echo '<td><span class="lpapi-badge lpapi-status-' . esc_attr( $key['status'] ) . '">' . esc_html( $key['status'] ) . '</span></td>';
			echo '<td class="lpapi-actions">';
			echo '<a class="button button-small" href="' . esc_url( self::url( array( 'tab' => 'keys', 'view' => 'usage', 'key' => $key['id'] ) ) ) . '">' . esc_html__( 'Usage', 'latepoint-api-keys' ) . '</a> ';
			if ( 'active' === $key['status'] ) {
				self::action_button( 'disable', $key['id'], __( 'Disable', 'latepoint-api-keys' ) );
			} elseif ( 'disabled' === $key['status'] ) {
				self::action_button( 'enable', $key['id'], __( 'Enable', 'latepoint-api-keys' ) );
			}
			if ( in_array( $key['status'], array( 'active', 'disabled' ), true ) ) {
				echo '<a class="button button-small" href="' . esc_url( self::url( array( 'tab' => 'keys', 'view' => 'rotate', 'key' => $key['id'] ) ) ) . '">' . esc_html__( 'Rotate', 'latepoint-api-keys' ) . '</a> ';
			}
			if ( 'revoked' !== $key['status'] ) {
				echo '<a class="button button-small button-link-delete lpapi-revoke" href="' . esc_url( self::url( array( 'tab' => 'keys', 'view' => 'revoke', 'key' => $key['id'] ) ) ) . '">' . esc_html__( 'Revoke', 'latepoint-api-keys' ) . '</a>';
			}
			echo '</td></tr>';
		}
		echo '</tbody></table>';
		self::pagination( $result['total'], $paged, $per_page, array( 'tab' => 'keys', 'status' => $status ) );
	}

	private static function action_button( string $action, int $id, string $label ): void {
		echo '<form method="post" action="' . esc_url( self::url( array( 'tab' => 'keys' ) ) ) . '" class="lpapi-inline-form">';
		wp_nonce_field( self::NONCE );
		echo '<input type="hidden" name="lpapi_action" value="' . esc_attr( $action ) . '"><input type="hidden" name="key_id" value="' . esc_attr( (string) $id ) . '">';
		echo '<button type="submit" class="button button-small lpapi-' . esc_attr( $action ) . '">' . esc_html( $label ) . '</button></form> ';
	}

	/** The confirmation step of revoke and rotate (works without JavaScript). */
	private static function render_confirm( string $view, array $key ): void {
		echo '<div class="lpapi-confirm card">';
		if ( 'revoke' === $view ) {
			/* translators: %s: key name */
			echo '<h2>' . esc_html( sprintf( __( 'Revoke “%s”?', 'latepoint-api-keys' ), $key['name'] ) ) . '</h2>';
			echo '<p>' . esc_html__( 'Revoking is permanent. Every request with this key will get 401 key_revoked from the very next one, in every PHP worker.', 'latepoint-api-keys' ) . '</p>';
		} else {
			/* translators: %s: key name */
			echo '<h2>' . esc_html( sprintf( __( 'Rotate “%s”?', 'latepoint-api-keys' ), $key['name'] ) ) . '</h2>';
			echo '<p>' . esc_html__( 'A new key with the same settings is made and shown once. The old key keeps working for the grace period you choose, then stops.', 'latepoint-api-keys' ) . '</p>';
		}
		echo '<p><code>' . esc_html( $key['display'] ) . '</code></p>';
		echo '<form method="post" action="' . esc_url( self::url( array( 'tab' => 'keys' ) ) ) . '">';
		wp_nonce_field( self::NONCE );
		echo '<input type="hidden" name="lpapi_action" value="' . esc_attr( $view ) . '"><input type="hidden" name="key_id" value="' . esc_attr( (string) $key['id'] ) . '">';
		if ( 'rotate' === $view ) {
			echo '<input type="hidden" name="form_token" value="' . esc_attr( self::new_form_token() ) . '">';
			echo '<p><label for="lpapi-grace">' . esc_html__( 'Grace period for the old key', 'latepoint-api-keys' ) . '</label> <select id="lpapi-grace" name="grace_seconds">';
			$choices = array( 0 => __( 'None: stop now', 'latepoint-api-keys' ), 3600 => __( '1 hour', 'latepoint-api-keys' ), 86400 => __( '24 hours', 'latepoint-api-keys' ), 604800 => __( '7 days', 'latepoint-api-keys' ) );
			foreach ( $choices as $seconds => $label ) {
				echo '<option value="' . esc_attr( (string) $seconds ) . '"' . selected( 86400, $seconds, false ) . '>' . esc_html( $label ) . '</option>';
			}
			echo '</select></p>';
		}
		$label = 'revoke' === $view ? __( 'Revoke permanently', 'latepoint-api-keys' ) : __( 'Rotate key', 'latepoint-api-keys' );
		echo '<p><button type="submit" class="button ' . ( 'revoke' === $view ? 'button-link-delete lpapi-confirm-revoke' : 'button-primary lpapi-confirm-rotate' ) . '">' . esc_html( $label ) . '</button> ';
		echo '<a class="button" href="' . esc_url( self::url( array( 'tab' => 'keys' ) ) ) . '">' . esc_html__( 'Cancel', 'latepoint-api-keys' ) . '</a></p>';
		echo '</form></div>';
	}

	/** A key's last 30 days as an inline SVG bar chart (no external assets). */
	private static function render_usage( array $key ): void {
		Audit_Log::flush();
		$series = Audit_Log::usage( $key['id'], 30 );
		/* translators: %s: key name */
		echo '<h2>' . esc_html( sprintf( __( 'Usage of “%s”, last 30 days', 'latepoint-api-keys' ), $key['name'] ) ) . '</h2>';
		echo '<p><code>' . esc_html( $key['display'] ) . '</code> · ' . esc_html( Permissions::summary( $key['permissions'] ) ) . ' · ';
		/* translators: 1: per minute, 2: per hour */
		echo esc_html( sprintf( __( 'limits %1$d/min, %2$d/hour', 'latepoint-api-keys' ), $key['limits']['per_minute'], $key['limits']['per_hour'] ) ) . '</p>';
		echo self::usage_svg( $series ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- built from escaped parts.
		$totals = array( 'requests' => 0, 'errors' => 0, 'rate_limited' => 0 );
		foreach ( $series as $day ) {
			foreach ( $totals as $name => $sum ) {
				$totals[ $name ] = $sum + $day[ $name ];
			}
		}
		/* translators: 1: requests, 2: errors, 3: rate-limited */
		echo '<p class="lpapi-usage-totals">' . esc_html( sprintf( __( '%1$d requests, %2$d errors, %3$d rate-limited.', 'latepoint-api-keys' ), $totals['requests'], $totals['errors'], $totals['rate_limited'] ) ) . '</p>';
		echo '<p><a href="' . esc_url( self::url( array( 'tab' => 'logs', 'key_id' => $key['id'] ) ) ) . '">' . esc_html__( 'See this key’s log', 'latepoint-api-keys' ) . '</a> · <a href="' . esc_url( self::url( array( 'tab' => 'keys' ) ) ) . '">' . esc_html__( 'Back to keys', 'latepoint-api-keys' ) . '</a></p>';
	}

	/** @param array<int, array{day: string, requests: int, errors: int, rate_limited: int}> $series */
	public static function usage_svg( array $series ): string {
		$width  = 720;
		$height = 180;
		$pad    = 24;
		$max    = max( 1, max( array_column( $series, 'requests' ) ?: array( 0 ) ) );
		$bar    = ( $width - 2 * $pad ) / max( 1, count( $series ) );
		$svg    = '<svg class="lpapi-usage-chart" role="img" viewBox="0 0 ' . $width . ' ' . $height . '" width="100%" height="' . $height . '" xmlns="http://www.w3.org/2000/svg">';
		$svg   .= '<title>' . esc_html__( 'Requests per day', 'latepoint-api-keys' ) . '</title>';
		$svg   .= '<line x1="' . $pad . '" y1="' . ( $height - $pad ) . '" x2="' . ( $width - $pad ) . '" y2="' . ( $height - $pad ) . '" stroke="#c3c4c7"/>';
		$svg   .= '<text x="' . $pad . '" y="14" font-size="11" fill="#50575e">' . esc_html( (string) $max ) . '</text>';
		foreach ( $series as $i => $day ) {
			$x      = $pad + $i * $bar + 1;
			$scale  = ( $height - 2 * $pad ) / $max;
			$ok     = $day['requests'] - $day['errors'] - $day['rate_limited'];
			$y      = $height - $pad;
			$tip    = sprintf( '%s: %d requests, %d errors, %d rate-limited', $day['day'], $day['requests'], $day['errors'], $day['rate_limited'] );
			$svg   .= '<g class="lpapi-day" data-day="' . esc_attr( $day['day'] ) . '" data-requests="' . esc_attr( (string) $day['requests'] ) . '"><title>' . esc_html( $tip ) . '</title>';
			foreach ( array( array( max( 0, $ok ), '#2271b1' ), array( $day['errors'], '#d63638' ), array( $day['rate_limited'], '#dba617' ) ) as list( $count, $color ) ) {
				if ( $count <= 0 ) {
					continue;
				}
				$h    = $count * $scale;
				$y   -= $h;
				$svg .= sprintf( '<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>', $x, $y, max( 1, $bar - 2 ), $h, $color );
			}
			$svg .= '</g>';
			if ( 0 === $i % 7 ) {
				$svg .= '<text x="' . sprintf( '%.1f', $x ) . '" y="' . ( $height - 6 ) . '" font-size="10" fill="#50575e">' . esc_html( substr( $day['day'], 5 ) ) . '</text>';
			}
		}
		return $svg . '</svg><p class="lpapi-legend"><span class="ok">■</span> ' . esc_html__( 'successful', 'latepoint-api-keys' ) . ' <span class="err">■</span> ' . esc_html__( 'errors', 'latepoint-api-keys' ) . ' <span class="rl">■</span> ' . esc_html__( 'rate-limited', 'latepoint-api-keys' ) . '</p>';
	}

	private static function render_generate(): void {
		$s          = self::$submitted;
		$presets    = Permissions::presets();
		$chosen     = $s['permissions'] ?? $presets['read_only']['permissions'];
		$env        = $s['environment'] ?? 'live';
		list( $lm, $lh ) = Settings::default_limits( 'live' );
		list( $tm, $th ) = Settings::default_limits( 'test' );
		echo '<form method="post" action="' . esc_url( self::url( array( 'tab' => 'generate' ) ) ) . '" class="lpapi-generate">';
		wp_nonce_field( self::NONCE );
		echo '<input type="hidden" name="lpapi_action" value="generate"><input type="hidden" name="form_token" value="' . esc_attr( self::new_form_token() ) . '">';
		echo '<table class="form-table" role="presentation">';
		self::row( 'name', __( 'Name', 'latepoint-api-keys' ), '<input type="text" id="lpapi-name" name="name" class="regular-text" maxlength="100" required value="' . esc_attr( $s['name'] ?? '' ) . '">' );
		self::row( 'description', __( 'Description', 'latepoint-api-keys' ), '<textarea id="lpapi-description" name="description" class="large-text" rows="2" maxlength="1000">' . esc_textarea( $s['description'] ?? '' ) . '</textarea>' );
		$radios = '';
		foreach ( array( 'live' => __( 'Live', 'latepoint-api-keys' ), 'test' => __( 'Test (works only where the site is not in production; expires in 3 days unless you choose otherwise)', 'latepoint-api-keys' ) ) as $value => $label ) {
			$radios .= '<label><input type="radio" name="environment" value="' . esc_attr( $value ) . '"' . checked( $env, $value, false ) . '> ' . esc_html( $label ) . '</label><br>';
		}
		self::row( 'environment', __( 'Environment', 'latepoint-api-keys' ), $radios );
		$matrix = '<p class="lpapi-presets">' . esc_html__( 'Presets:', 'latepoint-api-keys' ) . ' ';
		foreach ( $presets as $slug => $preset ) {
			$matrix .= '<button type="button" class="button button-small lpapi-preset" data-permissions="' . esc_attr( implode( ' ', $preset['permissions'] ) ) . '">' . esc_html( $preset['label'] ) . '</button> ';
		}
		$matrix .= '</p><table class="lpapi-matrix"><thead><tr><th></th>';
		foreach ( array( 'read', 'create', 'update', 'delete' ) as $action ) {
			$matrix .= '<th scope="col">' . esc_html( $action ) . '</th>';
		}
		$matrix .= '</tr></thead><tbody>';
		foreach ( Permissions::MATRIX as $resource => $actions ) {
			$matrix .= '<tr><th scope="row">' . esc_html( $resource ) . '</th>';
			foreach ( array( 'read', 'create', 'update', 'delete' ) as $action ) {
				$permission = $resource . ':' . $action;
				$matrix    .= '<td>';
				if ( in_array( $action, $actions, true ) ) {
					$matrix .= '<input type="checkbox" name="permissions[]" value="' . esc_attr( $permission ) . '" aria-label="' . esc_attr( $permission ) . '"' . checked( in_array( $permission, $chosen, true ), true, false ) . '>';
				}
				$matrix .= '</td>';
			}
			$matrix .= '</tr>';
		}
		$matrix .= '</tbody></table>';
		self::row( 'permissions', __( 'Permissions', 'latepoint-api-keys' ), $matrix );
		$expiry  = $s['expiry'] ?? 'default';
		$options = array(
			'default' => __( 'Default (never for live keys, 3 days for test keys)', 'latepoint-api-keys' ),
			'never'   => __( 'Never', 'latepoint-api-keys' ),
			'3d'      => __( 'In 3 days', 'latepoint-api-keys' ),
			'30d'     => __( 'In 30 days', 'latepoint-api-keys' ),
			'90d'     => __( 'In 90 days', 'latepoint-api-keys' ),
			'365d'    => __( 'In 365 days', 'latepoint-api-keys' ),
			'date'    => __( 'On a date…', 'latepoint-api-keys' ),
		);
		$select = '<select name="expiry" id="lpapi-expiry">';
		foreach ( $options as $value => $label ) {
			$select .= '<option value="' . esc_attr( $value ) . '"' . selected( $expiry, $value, false ) . '>' . esc_html( $label ) . '</option>';
		}
		$select .= '</select> <input type="date" name="expiry_date" aria-label="' . esc_attr__( 'Expiry date', 'latepoint-api-keys' ) . '" value="' . esc_attr( $s['expiry_date'] ?? '' ) . '">';
		self::row( 'expires_at', __( 'Expires', 'latepoint-api-keys' ), $select );
		self::row( 'allowed_ips', __( 'Allowed IPs', 'latepoint-api-keys' ), '<textarea name="allowed_ips" class="large-text code" rows="2" placeholder="203.0.113.7, 198.51.100.0/24, 2001:db8::/32">' . esc_textarea( is_array( $s['allowed_ips'] ?? '' ) ? implode( "\n", $s['allowed_ips'] ) : ( $s['allowed_ips'] ?? '' ) ) . '</textarea><p class="description">' . esc_html__( 'IPv4 or IPv6 addresses or CIDR ranges, one per line. Empty: any address.', 'latepoint-api-keys' ) . '</p>' );
		self::row( 'allowed_origins', __( 'Allowed origins', 'latepoint-api-keys' ), '<textarea name="allowed_origins" class="large-text code" rows="2" placeholder="https://shop.example.com">' . esc_textarea( is_array( $s['allowed_origins'] ?? '' ) ? implode( "\n", $s['allowed_origins'] ) : ( $s['allowed_origins'] ?? '' ) ) . '</textarea><p class="description">' . esc_html__( 'For keys used from web pages: requests whose Origin header is not listed are refused. Empty: any origin.', 'latepoint-api-keys' ) . '</p>' );
		/* translators: 1: live per minute, 2: live per hour, 3: test per minute, 4: test per hour */
		$defaults = sprintf( __( 'Empty: the defaults (live %1$d/min and %2$d/hour; test %3$d/min and %4$d/hour).', 'latepoint-api-keys' ), $lm, $lh, $tm, $th );
		self::row(
			'rate_limit_per_minute',
			__( 'Custom limits', 'latepoint-api-keys' ),
			'<label><input type="number" min="1" name="rate_limit_per_minute" class="small-text" value="' . esc_attr( (string) ( $s['rate_limit_per_minute'] ?? '' ) ) . '"> ' . esc_html__( 'per minute', 'latepoint-api-keys' ) . '</label> <label><input type="number" min="1" name="rate_limit_per_hour" class="small-text" value="' . esc_attr( (string) ( $s['rate_limit_per_hour'] ?? '' ) ) . '"> ' . esc_html__( 'per hour', 'latepoint-api-keys' ) . '</label>' . ( isset( self::$field_errors['rate_limit_per_hour'] ) ? '<p class="lpapi-field-error">' . esc_html( self::$field_errors['rate_limit_per_hour'] ) . '</p>' : '' ) . '<p class="description">' . esc_html( $defaults ) . '</p>'
		);
		echo '</table>';
		submit_button( __( 'Generate key', 'latepoint-api-keys' ), 'primary', 'submit', true, array( 'id' => 'lpapi-generate-submit' ) );
		echo '</form>';
	}

	/** A form-table row, with the field's error under it. $html is built from escaped parts. */
	private static function row( string $field, string $label, string $html ): void {
		echo '<tr><th scope="row">' . esc_html( $label ) . '</th><td>';
		echo $html; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- every part escaped by the caller.
		if ( isset( self::$field_errors[ $field ] ) ) {
			echo '<p class="lpapi-field-error">' . esc_html( self::$field_errors[ $field ] ) . '</p>';
		}
		echo '</td></tr>';
	}

	private static function render_logs(): void {
		Audit_Log::flush();
		$filters  = self::log_filters();
		$paged    = isset( $_GET['paged'] ) ? max( 1, absint( $_GET['paged'] ) ) : 1; // phpcs:ignore WordPress.Security.NonceVerification.Recommended
		$per_page = 50;
		$result   = Audit_Log::query( $filters, ( $paged - 1 ) * $per_page, $per_page );
		$keys     = Key_Service::list( array(), 0, 200 )['items'];
		echo '<form method="get" class="lpapi-log-filters"><input type="hidden" name="page" value="' . esc_attr( self::SLUG ) . '"><input type="hidden" name="tab" value="logs">';
		echo '<label>' . esc_html__( 'Key', 'latepoint-api-keys' ) . ' <select name="key_id"><option value="">' . esc_html__( 'All', 'latepoint-api-keys' ) . '</option>';
		foreach ( $keys as $key ) {
			echo '<option value="' . esc_attr( (string) $key['id'] ) . '"' . selected( $filters['key_id'] ?? 0, $key['id'], false ) . '>' . esc_html( $key['name'] . ' (' . $key['display'] . ')' ) . '</option>';
		}
		echo '</select></label> <label>' . esc_html__( 'Status', 'latepoint-api-keys' ) . ' <select name="status">';
		foreach ( array( '' => __( 'All', 'latepoint-api-keys' ), '2xx' => '2xx', '4xx' => '4xx', '5xx' => '5xx', 'errors' => __( 'Errors', 'latepoint-api-keys' ), '401' => '401', '403' => '403', '429' => '429' ) as $value => $label ) {
			echo '<option value="' . esc_attr( $value ) . '"' . selected( $filters['status'] ?? '', $value, false ) . '>' . esc_html( $label ) . '</option>';
		}
		echo '</select></label> <label>' . esc_html__( 'Event', 'latepoint-api-keys' ) . ' <select name="event">';
		foreach ( array( '' => __( 'All', 'latepoint-api-keys' ), 'request' => 'request', 'auth_failed' => 'auth_failed', 'rate_limited' => 'rate_limited', 'admin_action' => 'admin_action' ) as $value => $label ) {
			echo '<option value="' . esc_attr( $value ) . '"' . selected( $filters['event'] ?? '', $value, false ) . '>' . esc_html( $label ) . '</option>';
		}
		echo '</select></label> <label>' . esc_html__( 'From', 'latepoint-api-keys' ) . ' <input type="date" name="date_from" value="' . esc_attr( $filters['date_from'] ?? '' ) . '"></label> ';
		echo '<label>' . esc_html__( 'To', 'latepoint-api-keys' ) . ' <input type="date" name="date_to" value="' . esc_attr( $filters['date_to'] ?? '' ) . '"></label> ';
		echo '<button class="button">' . esc_html__( 'Filter', 'latepoint-api-keys' ) . '</button> ';
		$export = wp_nonce_url( add_query_arg( array_merge( array( 'action' => 'lpapi_export_logs' ), $filters ), admin_url( 'admin-post.php' ) ), 'lpapi_export_logs' );
		echo '<a class="button lpapi-export" href="' . esc_url( $export ) . '">' . esc_html__( 'Export CSV', 'latepoint-api-keys' ) . '</a></form>';
		echo '<table class="widefat striped lpapi-logs"><thead><tr>';
		foreach ( array( __( 'Time (UTC)', 'latepoint-api-keys' ), __( 'Event', 'latepoint-api-keys' ), __( 'Key', 'latepoint-api-keys' ), __( 'Request', 'latepoint-api-keys' ), __( 'Status', 'latepoint-api-keys' ), __( 'Error', 'latepoint-api-keys' ), __( 'Client', 'latepoint-api-keys' ), __( 'ms', 'latepoint-api-keys' ) ) as $heading ) {
			echo '<th scope="col">' . esc_html( $heading ) . '</th>';
		}
		echo '</tr></thead><tbody>';
		if ( ! $result['items'] ) {
			echo '<tr><td colspan="8">' . esc_html__( 'Nothing logged for these filters.', 'latepoint-api-keys' ) . '</td></tr>';
		}
		foreach ( $result['items'] as $row ) {
			$who = 'admin_action' === $row['event'] && $row['actor_user_id'] ? get_the_author_meta( 'user_login', $row['actor_user_id'] ) : '';
			echo '<tr>';
			echo '<td>' . esc_html( str_replace( array( 'T', 'Z' ), array( ' ', '' ), $row['time'] ) ) . '</td>';
			echo '<td>' . esc_html( $row['event'] ) . '</td>';
			echo '<td><code>' . esc_html( $row['key_prefix'] ) . '</code></td>';
			echo '<td>' . esc_html( trim( $row['method'] . ' ' . $row['route'] ) ) . '<br><span class="description">' . esc_html( $row['request_id'] ) . '</span></td>';
			echo '<td>' . esc_html( $row['status'] ? (string) $row['status'] : '' ) . '</td>';
			echo '<td>' . esc_html( $row['error_code'] . ( $who ? ' · ' . $who : '' ) ) . '</td>';
			echo '<td>' . esc_html( $row['client_ip'] ) . '<br><span class="description">' . esc_html( $row['user_agent'] ) . '</span></td>';
			echo '<td>' . esc_html( (string) $row['duration_ms'] ) . '</td>';
			echo '</tr>';
		}
		echo '</tbody></table>';
		self::pagination( $result['total'], $paged, $per_page, array( 'tab' => 'logs' ) + $filters );
	}

	private static function render_settings(): void {
		$settings = array_merge( Settings::all(), self::$submitted );
		echo '<form method="post" action="' . esc_url( self::url( array( 'tab' => 'settings' ) ) ) . '">';
		wp_nonce_field( self::NONCE );
		echo '<input type="hidden" name="lpapi_action" value="settings"><table class="form-table" role="presentation">';
		$numbers = array(
			'live_per_minute' => __( 'Live keys: requests per minute', 'latepoint-api-keys' ),
			'live_per_hour'   => __( 'Live keys: requests per hour', 'latepoint-api-keys' ),
			'test_per_minute' => __( 'Test keys: requests per minute', 'latepoint-api-keys' ),
			'test_per_hour'   => __( 'Test keys: requests per hour', 'latepoint-api-keys' ),
			'retention_days'  => __( 'Keep logs for (days)', 'latepoint-api-keys' ),
			'key_cap'         => __( 'Most active keys', 'latepoint-api-keys' ),
		);
		foreach ( $numbers as $field => $label ) {
			self::row( $field, $label, '<input type="number" min="1" name="' . esc_attr( $field ) . '" class="small-text" value="' . esc_attr( (string) $settings[ $field ] ) . '">' );
		}
		$proxies = is_array( $settings['trusted_proxies'] ) ? implode( "\n", $settings['trusted_proxies'] ) : (string) $settings['trusted_proxies'];
		self::row( 'trusted_proxies', __( 'Trusted proxies', 'latepoint-api-keys' ), '<textarea name="trusted_proxies" class="large-text code" rows="3">' . esc_textarea( $proxies ) . '</textarea><p class="description">' . esc_html__( 'Only when a request comes from one of these addresses (IPs or CIDR ranges) is X-Forwarded-For read to find the client.', 'latepoint-api-keys' ) . '</p>' );
		echo '</table>';
		submit_button( __( 'Save settings', 'latepoint-api-keys' ) );
		echo '</form>';
	}

	private static function pagination( int $total, int $paged, int $per_page, array $args ): void {
		$pages = (int) ceil( $total / $per_page );
		if ( $pages < 2 ) {
			return;
		}
		echo '<div class="tablenav"><div class="tablenav-pages">';
		echo paginate_links( // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- core escapes.
			array(
				'base'    => esc_url_raw( add_query_arg( 'paged', '%#%', self::url( array_filter( $args ) ) ) ),
				'format'  => '',
				'current' => $paged,
				'total'   => $pages,
			)
		);
		echo '</div></div>';
	}

	private static function date( ?string $iso ): string {
		if ( null === $iso ) {
			return '';
		}
		return wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), (int) strtotime( $iso ) );
	}
}
