<?php
/**
 * The Webhooks tab's POST actions, run by Actions::handle_post() after its
 * capability and nonce checks (and inside its error handling).
 *
 * A new signing secret is printed in the response to the POST that made it,
 * never stored in a URL, redirect, option, transient or log, and the form
 * carries a single-use token, so reloading the page cannot show it again.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Admin;

use LatePointApi\Support\Validation_Error;
use LatePointApi\Webhooks\Delivery_Log;
use LatePointApi\Webhooks\Webhook_Service;

defined( 'ABSPATH' ) || exit;

/**
 * The Webhooks tab's POST actions.
 */
final class Webhook_Actions {

	const ACTIONS       = array( 'webhook_create', 'webhook_update', 'webhook_enable', 'webhook_disable', 'webhook_delete', 'webhook_rotate', 'webhook_test', 'webhook_resend' );
	const GRACE_CHOICES = array( 0, 3600, 86400, 604800 );

	/** @var ?array{secret: string, record: array, rotated: bool} the secret made by this request, shown once */
	public static $revealed = null;
	/** @var bool whether this request ran a webhook action (the page then shows the Webhooks tab) */
	public static $handled = false;
	/** @var int the endpoint whose edit form was submitted (to show it again after an error) */
	public static $submitted_id = 0;

	/** Runs one of ACTIONS; the caller checked the capability and the nonce. */
	public static function handle( string $action, int $actor ): void {
		if ( ! in_array( $action, self::ACTIONS, true ) ) {
			return;
		}
		if ( ! current_user_can( Admin_Page::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to manage API keys.', 'latepoint-api-keys' ), 403 );
		}
		self::$handled = true;
		$id            = isset( $_POST['webhook_id'] ) ? absint( $_POST['webhook_id'] ) : 0;
		switch ( $action ) {
			case 'webhook_create':
				self::create( $actor );
				break;
			case 'webhook_update':
				self::$submitted_id = $id;
				Actions::$submitted = self::read_form();
				Webhook_Service::update( $id, Actions::$submitted, $actor );
				self::redirect_with( 'webhook_saved' );
				break;
			case 'webhook_enable':
			case 'webhook_disable':
				$status = 'webhook_enable' === $action ? 'enabled' : 'disabled';
				Webhook_Service::update( $id, array( 'status' => $status ), $actor );
				self::redirect_with( 'webhook_' . $status );
				break;
			case 'webhook_delete':
				Webhook_Service::delete( $id, $actor );
				self::redirect_with( 'webhook_deleted' );
				break;
			case 'webhook_rotate':
				self::rotate( $id, $actor );
				break;
			case 'webhook_test':
				self::send_test( $id, $actor );
				break;
			case 'webhook_resend':
				Delivery_Log::resend( isset( $_POST['delivery_id'] ) ? absint( $_POST['delivery_id'] ) : 0, $actor );
				self::redirect_with( 'webhook_resent' );
				break;
		}
	}

	/** URL, description and events of the add and edit forms, as typed. */
	public static function read_form(): array {
		$url    = isset( $_POST['url'] ) && is_string( $_POST['url'] ) ? trim( (string) wp_check_invalid_utf8( wp_unslash( $_POST['url'] ) ) ) : '';
		$events = isset( $_POST['events'] ) ? array_values( array_map( 'sanitize_text_field', (array) wp_unslash( $_POST['events'] ) ) ) : array();
		return array(
			'url'         => $url,
			'description' => Actions::plain_text( 'description', true ),
			'events'      => $events,
		);
	}

	public static function create( int $actor ): void {
		$token              = isset( $_POST['form_token'] ) ? sanitize_key( wp_unslash( $_POST['form_token'] ) ) : '';
		Actions::$submitted = self::read_form();
		if ( ! Actions::$submitted['events'] ) {
			// Checked here, before the token is used up, so that the form can be corrected and sent again.
			throw new Validation_Error( array( 'events' => __( 'Choose at least one event.', 'latepoint-api-keys' ) ) );
		}
		if ( ! Actions::consume_form_token( $token ) ) {
			Actions::notice( 'warning', __( 'This form was already submitted, so no new endpoint was added. Its secret is shown only once; if you lost it, rotate the secret.', 'latepoint-api-keys' ) );
			return;
		}
		$made               = Webhook_Service::create( Actions::$submitted, $actor );
		Actions::$submitted = array();
		self::$revealed     = array(
			'secret'  => $made['secret'],
			'record'  => $made['record'],
			'rotated' => false,
		);
	}

	public static function rotate( int $id, int $actor ): void {
		$grace = isset( $_POST['grace_seconds'] ) ? (int) $_POST['grace_seconds'] : 0;
		$token = isset( $_POST['form_token'] ) ? sanitize_key( wp_unslash( $_POST['form_token'] ) ) : '';
		if ( ! in_array( $grace, self::GRACE_CHOICES, true ) ) {
			throw new Validation_Error( array( 'grace_seconds' => __( 'Choose a grace period from the list.', 'latepoint-api-keys' ) ) );
		}
		if ( ! Actions::consume_form_token( $token ) ) {
			Actions::notice( 'warning', __( 'This form was already submitted, so the secret was not rotated again.', 'latepoint-api-keys' ) );
			return;
		}
		$rotated        = Webhook_Service::rotate_secret( $id, $grace, $actor );
		self::$revealed = array(
			'secret'  => $rotated['secret'],
			'record'  => $rotated['record'],
			'rotated' => true,
		);
	}

	/** Sends a test event now; the page it redirects to shows the attempt (by its id, never its content). */
	public static function send_test( int $id, int $actor ): void {
		try {
			$attempt = Delivery_Log::send_test( $id, $actor );
		} catch ( Validation_Error $e ) {
			Actions::notice( 'error', implode( ' ', $e->fields() ) );
			return;
		}
		wp_safe_redirect(
			Admin_Page::url(
				array(
					'tab'     => 'webhooks',
					'done'    => 'webhook_tested',
					'attempt' => (int) $attempt['id'],
				)
			)
		);
		exit;
	}

	/** What the page says after each redirect (Admin_Page::render()). */
	public static function done_messages(): array {
		return array(
			'webhook_saved'    => __( 'The endpoint is saved.', 'latepoint-api-keys' ),
			'webhook_enabled'  => __( 'The endpoint is enabled: new events are sent to it.', 'latepoint-api-keys' ),
			'webhook_disabled' => __( 'The endpoint is disabled: no events are sent to it, and its pending deliveries are cancelled.', 'latepoint-api-keys' ),
			'webhook_deleted'  => __( 'The endpoint is deleted. Its past deliveries stay in the log for the retention period.', 'latepoint-api-keys' ),
			'webhook_resent'   => __( 'The delivery is sent again, with the same webhook-id. Its attempt appears in the log in a moment.', 'latepoint-api-keys' ),
		);
	}

	public static function redirect_with( string $message ): void {
		Actions::redirect_with( $message, 'webhooks' );
	}
}
