<?php
/**
 * The admin page's POST actions.
 * nonce and capability checks and the one-use form tokens; what they leave for the page to show.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Admin;

use LatePointApi\Keys\Key_Service;
use LatePointApi\Lane\Lane_Loader;
use LatePointApi\Support\Conflict_Error;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Settings;
use LatePointApi\Support\Storage_Error;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * The admin page's POST actions.
 */
final class Actions {

	/** @var array{type: string, message: string}[] */
	public static $notices = array();
	/** @var ?array{key: string, record: array} the key made by this request, shown once */
	public static $revealed = null;
	/** @var array<string, string> field errors of the submitted form */
	public static $field_errors = array();
	/** @var array<string, mixed> the submitted form, to fill it again after an error */
	public static $submitted = array();

	/** Runs a submitted action before any output (load-{hook}). */
	public static function handle_post(): void {
		nocache_headers();
		if ( 'POST' !== ( $_SERVER['REQUEST_METHOD'] ?? '' ) || ! isset( $_POST['lpapi_action'] ) ) {
			return;
		}
		if ( ! current_user_can( Admin_Page::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to manage API keys.', 'latepoint-api-keys' ), 403 );
		}
		check_admin_referer( Admin_Page::NONCE );
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
				default:
					Webhook_Actions::handle( $action, $actor );
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

	public static function generate( int $actor ): void {
		$token = isset( $_POST['form_token'] ) ? sanitize_key( wp_unslash( $_POST['form_token'] ) ) : '';
		$input = array(
			'name'            => self::plain_text( 'name', false ),
			'description'     => self::plain_text( 'description', true ),
			'environment'     => isset( $_POST['environment'] ) ? sanitize_key( wp_unslash( $_POST['environment'] ) ) : 'live',
			'permissions'     => isset( $_POST['permissions'] ) ? array_map( 'sanitize_text_field', (array) wp_unslash( $_POST['permissions'] ) ) : array(),
			'allowed_ips'     => isset( $_POST['allowed_ips'] ) ? sanitize_textarea_field( wp_unslash( $_POST['allowed_ips'] ) ) : '',
			'allowed_origins' => isset( $_POST['allowed_origins'] ) ? sanitize_textarea_field( wp_unslash( $_POST['allowed_origins'] ) ) : '',
		);
		foreach ( array( 'rate_limit_per_minute', 'rate_limit_per_hour', 'rate_limit_per_day' ) as $field ) {
			$input[ $field ] = isset( $_POST[ $field ] ) ? sanitize_text_field( wp_unslash( $_POST[ $field ] ) ) : '';
		}
		// Only the rows filled in: no row at all is the environment's defaults (null).
		$operations = Limit_Fields::read( isset( $_POST['operation_limits'] ) ? wp_unslash( $_POST['operation_limits'] ) : array() );
		if ( $operations ) {
			$input['operation_limits'] = $operations;
		}
		$expiry          = isset( $_POST['expiry'] ) ? sanitize_key( wp_unslash( $_POST['expiry'] ) ) : 'default';
		$date            = isset( $_POST['expiry_date'] ) ? sanitize_text_field( wp_unslash( $_POST['expiry_date'] ) ) : '';
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
	public static function plain_text( string $field, bool $multiline ): string {
		$value = isset( $_POST[ $field ] ) && is_string( $_POST[ $field ] ) ? wp_check_invalid_utf8( wp_unslash( $_POST[ $field ] ) ) : '';
		$value = $multiline ? str_replace( "\r\n", "\n", $value ) : $value;
		return trim( (string) preg_replace( $multiline ? '/[\x00-\x08\x0B-\x1F\x7F]/' : '/[\x00-\x1F\x7F]+/', $multiline ? '' : ' ', $value ) );
	}

	public static function rotate( int $id, int $actor ): void {
		$grace = isset( $_POST['grace_seconds'] ) ? (int) $_POST['grace_seconds'] : 0;
		$token = isset( $_POST['form_token'] ) ? sanitize_key( wp_unslash( $_POST['form_token'] ) ) : '';
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

	public static function save_settings(): void {
		$input = array();
		foreach ( array( 'live_per_minute', 'live_per_hour', 'live_per_day', 'test_per_minute', 'test_per_hour', 'test_per_day', 'retention_days', 'key_cap' ) as $field ) {
			$input[ $field ] = isset( $_POST[ $field ] ) ? sanitize_text_field( wp_unslash( $_POST[ $field ] ) ) : '';
		}
		foreach ( array( 'live_per_day', 'test_per_day' ) as $field ) {
			// Empty: no daily limit.
			$input[ $field ] = '' === trim( $input[ $field ] ) ? '0' : $input[ $field ];
		}
		foreach ( array( 'live_operation_limits', 'test_operation_limits' ) as $field ) {
			$input[ $field ] = Limit_Fields::read( isset( $_POST[ $field ] ) ? wp_unslash( $_POST[ $field ] ) : array() );
		}
		$input['trusted_proxies']  = isset( $_POST['trusted_proxies'] ) ? sanitize_textarea_field( wp_unslash( $_POST['trusted_proxies'] ) ) : '';
		$input['environment_type'] = isset( $_POST['environment_type'] ) ? sanitize_key( wp_unslash( $_POST['environment_type'] ) ) : '';
		$input['lean_lane']        = ! empty( $_POST['lean_lane'] );
		self::$submitted           = $input;
		Settings::update( $input );
		if ( $input['lean_lane'] ) {
			Lane_Loader::install(); // The tab says so when it cannot.
		}
		self::redirect_with( 'settings_saved', 'settings' );
	}

	/** A random token per rendered form; a token works once. */
	public static function new_form_token(): string {
		return strtolower( wp_generate_password( 24, false ) );
	}

	public static function consume_form_token( string $token ): bool {
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

	public static function expiry_to_iso( string $choice, string $date ): ?string {
		$days = array( '3d' => 3, '30d' => 30, '90d' => 90, '365d' => 365 );
		if ( 'never' === $choice ) {
			return null;
		}
		if ( isset( $days[ $choice ] ) ) {
			return gmdate( 'Y-m-d\TH:i:s\Z', time() + $days[ $choice ] * DAY_IN_SECONDS );
		}
		return '' === $date ? 'invalid' : $date . 'T23:59:59Z';
	}

	public static function redirect_with( string $message, string $tab = 'keys' ): void {
		wp_safe_redirect( Admin_Page::url( array( 'tab' => $tab, 'done' => $message ) ) );
		exit;
	}

	public static function notice( string $type, string $message ): void {
		self::$notices[] = array( 'type' => $type, 'message' => $message );
	}
}
