<?php
/**
 * The Webhooks tab: the endpoints and their actions, the form of a new one,
 * the confirmation steps, the result of a test event, and the delivery log.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Admin;

use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Webhooks\Delivery_Log;
use LatePointApi\Webhooks\Sender;
use LatePointApi\Webhooks\Webhook_Service;

defined( 'ABSPATH' ) || exit;

/**
 * The Webhooks tab.
 */
final class Webhooks_Tab {

	const PER_PAGE_ENDPOINTS  = 20;
	const PER_PAGE_DELIVERIES = 50;

	public static function render_webhooks(): void {
		$view = isset( $_GET['view'] ) ? sanitize_key( wp_unslash( $_GET['view'] ) ) : '';
		$id   = isset( $_GET['webhook'] ) ? absint( $_GET['webhook'] ) : 0;
		self::render_hints();
		if ( null !== Webhook_Actions::$revealed ) {
			self::render_reveal( Webhook_Actions::$revealed );
		} elseif ( $id && in_array( $view, array( 'edit', 'rotate', 'delete' ), true ) ) {
			try {
				$webhook = Webhook_Service::get( $id );
			} catch ( Not_Found_Error $e ) {
				echo '<p>' . esc_html( $e->getMessage() ) . '</p>';
				return;
			}
			'edit' === $view ? self::render_edit( $webhook ) : self::render_confirm( $view, $webhook );
			return;
		}
		self::render_test_result();
		self::render_endpoints();
		self::render_add();
		self::render_deliveries();
	}

	/** The page-wide notice of endpoints turned off on their own (410 Gone, or failing for a whole retry schedule). */
	public static function render_turned_off(): void {
		$off = array_filter(
			Webhook_Service::list( array( 'status' => 'disabled' ), 0, 100 )['items'],
			static fn ( array $webhook ): bool => in_array( $webhook['disabled_reason'], array( 'gone', 'failing' ), true )
		);
		foreach ( $off as $webhook ) {
			echo '<div class="notice notice-error lpapi-webhook-off" data-webhook-id="' . esc_attr( (string) $webhook['id'] ) . '"><p>';
			/* translators: 1: the endpoint's URL, 2: why it was turned off */
			echo esc_html( sprintf( __( 'The webhook endpoint %1$s was turned off automatically: %2$s', 'latepoint-api-keys' ), $webhook['url'], self::reason( $webhook ) ) );
			echo ' <a href="' . esc_url( Admin_Page::url( array( 'tab' => 'webhooks' ) ) ) . '">' . esc_html__( 'Enable it again on the Webhooks tab when it works.', 'latepoint-api-keys' ) . '</a>';
			echo '</p></div>';
		}
	}

	/** Why an endpoint was turned off, in words ('' when an admin turned it off, or it is on). */
	public static function reason( array $webhook ): string {
		if ( 'gone' === $webhook['disabled_reason'] ) {
			return __( 'it answered 410 Gone, which means it no longer wants deliveries.', 'latepoint-api-keys' );
		}
		if ( 'failing' === $webhook['disabled_reason'] ) {
			if ( null !== $webhook['failing_since'] ) {
				/* translators: %s: date and time */
				return sprintf( __( 'every attempt of a delivery failed, for its whole retry schedule (failing since %s).', 'latepoint-api-keys' ), Admin_Page::date( $webhook['failing_since'] ) );
			}
			return __( 'every attempt of a delivery failed, for its whole retry schedule.', 'latepoint-api-keys' );
		}
		return '';
	}

	/** Local URLs refused (production) and no curl: what the admin should know before adding an endpoint. */
	public static function render_hints(): void {
		if ( ! Sender::available() ) {
			echo '<div class="notice notice-warning inline lpapi-hint-curl"><p>' . esc_html__( 'PHP\'s curl extension is not loaded, so webhooks cannot be sent: every delivery fails until it is installed (php-curl).', 'latepoint-api-keys' ) . '</p></div>';
		}
		if ( ! Webhook_Service::allow_local() ) {
			echo '<p class="description lpapi-hint-local">' . esc_html__( 'Endpoint URLs on this machine or a private network (localhost, 127.0.0.1, 10.x, 192.168.x and the like) are refused, as a production site should. For development, define LPAPI_WEBHOOKS_ALLOW_LOCAL as true in wp-config.php.', 'latepoint-api-keys' ) . '</p>';
		}
	}

	/** The new secret, shown in the response to the POST that made it, and never again. */
	public static function render_reveal( array $revealed ): void {
		$record = $revealed['record'];
		echo '<div class="lpapi-reveal lpapi-webhook-reveal notice notice-success" role="alert">';
		$title = $revealed['rotated']
			/* translators: %s: the endpoint's URL */
			? __( 'The new signing secret of %s', 'latepoint-api-keys' )
			/* translators: %s: the endpoint's URL */
			: __( 'Endpoint added: %s', 'latepoint-api-keys' );
		echo '<h2>' . esc_html( sprintf( $title, $record['url'] ) ) . '</h2>';
		echo '<p><strong>' . esc_html__( 'Copy the signing secret now. It is shown only this once: reloading this page will not show it again.', 'latepoint-api-keys' ) . '</strong></p>';
		echo '<p class="lpapi-key-row"><input type="text" readonly class="large-text code lpapi-new-key" id="lpapi-new-secret" value="' . esc_attr( $revealed['secret'] ) . '" onfocus="this.select()" aria-label="' . esc_attr__( 'Signing secret', 'latepoint-api-keys' ) . '">';
		echo ' <button type="button" class="button button-primary lpapi-copy" data-copy-target="lpapi-new-secret">' . esc_html__( 'Copy', 'latepoint-api-keys' ) . '</button> <span class="lpapi-copied" aria-live="polite"></span></p>';
		echo '<p>' . esc_html__( 'The receiver checks the webhook-signature header of each delivery with it (Standard Webhooks: an HMAC-SHA256 of webhook-id, webhook-timestamp and the body).', 'latepoint-api-keys' ) . '</p>';
		if ( $revealed['rotated'] && null !== $record['previous_secret_until'] ) {
			/* translators: %s: date and time */
			echo '<p>' . esc_html( sprintf( __( 'Until %s, deliveries are signed with both the old and the new secret.', 'latepoint-api-keys' ), Admin_Page::date( $record['previous_secret_until'] ) ) ) . '</p>';
		}
		echo '</div>';
	}

	/** The attempt of the test event just sent (done=webhook_tested&attempt=ID). */
	public static function render_test_result(): void {
		$done = isset( $_GET['done'] ) ? sanitize_key( wp_unslash( $_GET['done'] ) ) : '';
		$id   = isset( $_GET['attempt'] ) ? absint( $_GET['attempt'] ) : 0;
		if ( 'webhook_tested' !== $done || ! $id ) {
			return;
		}
		$attempt = Delivery_Log::attempt( $id );
		if ( null === $attempt ) {
			return;
		}
		echo '<div class="notice inline lpapi-test-result notice-' . ( $attempt['succeeded'] ? 'success' : 'error' ) . '"><p>';
		$status = null === $attempt['http_status'] ? __( 'no response', 'latepoint-api-keys' ) : sprintf( /* translators: %d: HTTP status */ __( 'HTTP %d', 'latepoint-api-keys' ), $attempt['http_status'] );
		$text   = $attempt['succeeded']
			/* translators: 1: the endpoint's URL, 2: "HTTP 200", 3: milliseconds */
			? __( 'Test event delivered to %1$s: %2$s in %3$d ms.', 'latepoint-api-keys' )
			/* translators: 1: the endpoint's URL, 2: "HTTP 500" or "no response", 3: milliseconds */
			: __( 'The test event to %1$s failed: %2$s after %3$d ms.', 'latepoint-api-keys' );
		echo '<strong>' . esc_html( sprintf( $text, (string) $attempt['webhook_url'], $status, $attempt['duration_ms'] ) ) . '</strong>';
		if ( null !== $attempt['error'] ) {
			/* translators: %s: the error */
			echo ' <span class="lpapi-test-error">' . esc_html( sprintf( __( 'Error: %s', 'latepoint-api-keys' ), $attempt['error'] ) ) . '</span>';
		}
		if ( '' !== $attempt['response'] ) {
			echo '</p><details><summary>' . esc_html__( 'Response', 'latepoint-api-keys' ) . '</summary><pre class="lpapi-response">' . esc_html( $attempt['response'] ) . '</pre></details><p>';
		}
		echo '</p></div>';
	}

	public static function render_endpoints(): void {
		$paged  = isset( $_GET['endpoints_page'] ) ? max( 1, absint( $_GET['endpoints_page'] ) ) : 1;
		$result = Webhook_Service::list( array(), ( $paged - 1 ) * self::PER_PAGE_ENDPOINTS, self::PER_PAGE_ENDPOINTS );
		echo '<h2>' . esc_html__( 'Endpoints', 'latepoint-api-keys' ) . '</h2>';
		echo '<table class="widefat striped lpapi-webhooks"><thead><tr>';
		foreach ( array( __( 'URL', 'latepoint-api-keys' ), __( 'Events', 'latepoint-api-keys' ), __( 'Status', 'latepoint-api-keys' ), __( 'Last success', 'latepoint-api-keys' ), __( 'Actions', 'latepoint-api-keys' ) ) as $heading ) {
			echo '<th scope="col">' . esc_html( $heading ) . '</th>';
		}
		echo '</tr></thead><tbody>';
		if ( ! $result['items'] ) {
			echo '<tr><td colspan="5">' . esc_html__( 'No endpoints yet. Add one below.', 'latepoint-api-keys' ) . '</td></tr>';
		}
		foreach ( $result['items'] as $webhook ) {
			self::render_endpoint_row( $webhook );
		}
		echo '</tbody></table>';
		$pages = (int) ceil( $result['total'] / self::PER_PAGE_ENDPOINTS );
		if ( $pages > 1 ) {
			echo '<div class="tablenav"><div class="tablenav-pages">';
			echo wp_kses_post(
				(string) paginate_links(
					array(
						'base'    => esc_url_raw( add_query_arg( 'endpoints_page', '%#%', Admin_Page::url( array( 'tab' => 'webhooks' ) ) ) ),
						'format'  => '',
						'current' => $paged,
						'total'   => $pages,
					)
				)
			);
			echo '</div></div>';
		}
	}

	private static function render_endpoint_row( array $webhook ): void {
		$id = (int) $webhook['id'];
		echo '<tr data-webhook-id="' . esc_attr( (string) $id ) . '">';
		echo '<td><code class="lpapi-webhook-url">' . esc_html( $webhook['url'] ) . '</code>';
		if ( '' !== $webhook['description'] ) {
			echo '<br><span class="description lpapi-webhook-description">' . esc_html( $webhook['description'] ) . '</span>';
		}
		echo '</td>';
		echo '<td class="lpapi-webhook-events">' . esc_html( implode( ', ', $webhook['events'] ) ) . '</td>';
		echo '<td><span class="lpapi-badge lpapi-status-' . esc_attr( $webhook['status'] ) . '">' . esc_html( 'enabled' === $webhook['status'] ? __( 'enabled', 'latepoint-api-keys' ) : __( 'disabled', 'latepoint-api-keys' ) ) . '</span>';
		$reason = self::reason( $webhook );
		if ( '' !== $reason ) {
			/* translators: %s: why it was turned off */
			echo '<br><span class="lpapi-webhook-reason">' . esc_html( sprintf( __( 'Turned off automatically: %s', 'latepoint-api-keys' ), $reason ) ) . '</span>';
		} elseif ( null !== $webhook['failing_since'] ) {
			/* translators: %s: date and time */
			echo '<br><span class="lpapi-badge lpapi-badge-warning lpapi-webhook-failing">' . esc_html( sprintf( __( 'failing since %s', 'latepoint-api-keys' ), Admin_Page::date( $webhook['failing_since'] ) ) ) . '</span>';
		}
		if ( null !== $webhook['previous_secret_until'] && strtotime( $webhook['previous_secret_until'] ) > time() ) {
			/* translators: %s: date and time */
			echo '<br><span class="description">' . esc_html( sprintf( __( 'Old secret also signs until %s', 'latepoint-api-keys' ), Admin_Page::date( $webhook['previous_secret_until'] ) ) ) . '</span>';
		}
		echo '</td>';
		echo '<td>' . esc_html( null !== $webhook['last_success_at'] ? Admin_Page::date( $webhook['last_success_at'] ) : __( 'Never', 'latepoint-api-keys' ) ) . '</td>';
		echo '<td class="lpapi-actions">';
		if ( 'enabled' === $webhook['status'] ) {
			self::action_button( 'webhook_test', 'webhook_id', $id, __( 'Send test event', 'latepoint-api-keys' ) );
			self::action_button( 'webhook_disable', 'webhook_id', $id, __( 'Disable', 'latepoint-api-keys' ) );
		} else {
			self::action_button( 'webhook_enable', 'webhook_id', $id, __( 'Enable', 'latepoint-api-keys' ) );
		}
		foreach ( array( 'edit' => __( 'Edit', 'latepoint-api-keys' ), 'rotate' => __( 'Rotate secret', 'latepoint-api-keys' ) ) as $view => $label ) {
			echo '<a class="button button-small lpapi-webhook-' . esc_attr( $view ) . '" href="' . esc_url( self::view_url( $view, $id ) ) . '">' . esc_html( $label ) . '</a> ';
		}
		echo '<a class="button button-small" href="' . esc_url( Admin_Page::url( array( 'tab' => 'webhooks', 'webhook_id' => $id ) ) . '#lpapi-deliveries' ) . '">' . esc_html__( 'Deliveries', 'latepoint-api-keys' ) . '</a> ';
		echo '<a class="button button-small button-link-delete lpapi-webhook-delete" href="' . esc_url( self::view_url( 'delete', $id ) ) . '">' . esc_html__( 'Delete', 'latepoint-api-keys' ) . '</a>';
		echo '</td></tr>';
	}

	private static function view_url( string $view, int $id ): string {
		return Admin_Page::url(
			array(
				'tab'     => 'webhooks',
				'view'    => $view,
				'webhook' => $id,
			)
		);
	}

	/** A one-button form posting $action with the id in $field. */
	public static function action_button( string $action, string $field, int $id, string $label ): void {
		echo '<form method="post" action="' . esc_url( Admin_Page::url( array( 'tab' => 'webhooks' ) ) ) . '" class="lpapi-inline-form">';
		wp_nonce_field( Admin_Page::NONCE );
		echo '<input type="hidden" name="lpapi_action" value="' . esc_attr( $action ) . '"><input type="hidden" name="' . esc_attr( $field ) . '" value="' . esc_attr( (string) $id ) . '">';
		echo '<button type="submit" class="button button-small lpapi-' . esc_attr( str_replace( '_', '-', $action ) ) . '">' . esc_html( $label ) . '</button></form> ';
	}

	/** The rows of the add and edit forms: URL, description, events (with "select all"). */
	private static function form_rows( array $values ): void {
		Admin_Page::row( 'url', __( 'URL', 'latepoint-api-keys' ), '<input type="url" id="lpapi-webhook-url" name="url" class="large-text code" maxlength="2048" required placeholder="https://example.com/webhooks/latepoint" value="' . esc_attr( (string) ( $values['url'] ?? '' ) ) . '"><p class="description">' . esc_html__( 'Each event is POSTed to it as JSON, signed (Standard Webhooks). A 2xx answer is a success; others are retried for about three days; 410 Gone turns the endpoint off.', 'latepoint-api-keys' ) . '</p>' );
		Admin_Page::row( 'description', __( 'Description', 'latepoint-api-keys' ), '<textarea id="lpapi-webhook-description" name="description" class="large-text" rows="2" maxlength="500">' . esc_textarea( (string) ( $values['description'] ?? '' ) ) . '</textarea>' );
		$chosen = is_array( $values['events'] ?? null ) ? $values['events'] : array();
		$boxes  = '<fieldset class="lpapi-events"><legend class="screen-reader-text">' . esc_html__( 'Events', 'latepoint-api-keys' ) . '</legend>';
		$boxes .= '<label class="lpapi-select-all-label"><input type="checkbox" class="lpapi-select-all" data-select-all=".lpapi-events input[name=\'events[]\']" aria-label="' . esc_attr__( 'Select all events', 'latepoint-api-keys' ) . '"> <strong>' . esc_html__( 'Select all', 'latepoint-api-keys' ) . '</strong></label><br>';
		foreach ( Webhook_Service::EVENTS as $event ) {
			$boxes .= '<label><input type="checkbox" name="events[]" value="' . esc_attr( $event ) . '"' . checked( in_array( $event, $chosen, true ), true, false ) . '> <code>' . esc_html( $event ) . '</code></label><br>';
		}
		$boxes .= '</fieldset>';
		Admin_Page::row( 'events', __( 'Events', 'latepoint-api-keys' ), $boxes );
	}

	public static function render_add(): void {
		$values = Webhook_Actions::$handled && 0 === Webhook_Actions::$submitted_id ? Actions::$submitted : array();
		echo '<h2 id="lpapi-add-endpoint">' . esc_html__( 'Add endpoint', 'latepoint-api-keys' ) . '</h2>';
		echo '<form method="post" action="' . esc_url( Admin_Page::url( array( 'tab' => 'webhooks' ) ) . '#lpapi-add-endpoint' ) . '" class="lpapi-webhook-form lpapi-webhook-add">';
		wp_nonce_field( Admin_Page::NONCE );
		echo '<input type="hidden" name="lpapi_action" value="webhook_create"><input type="hidden" name="form_token" value="' . esc_attr( Actions::new_form_token() ) . '">';
		echo '<table class="form-table" role="presentation">';
		self::form_rows( $values );
		echo '</table>';
		submit_button( __( 'Add endpoint', 'latepoint-api-keys' ), 'primary', 'submit', true, array( 'id' => 'lpapi-webhook-add-submit' ) );
		echo '</form>';
	}

	public static function render_edit( array $webhook ): void {
		$values = Webhook_Actions::$submitted_id === $webhook['id'] ? Actions::$submitted : $webhook;
		/* translators: %s: the endpoint's URL */
		echo '<h2>' . esc_html( sprintf( __( 'Edit the endpoint %s', 'latepoint-api-keys' ), $webhook['url'] ) ) . '</h2>';
		echo '<form method="post" action="' . esc_url( self::view_url( 'edit', $webhook['id'] ) ) . '" class="lpapi-webhook-form lpapi-webhook-edit">';
		wp_nonce_field( Admin_Page::NONCE );
		echo '<input type="hidden" name="lpapi_action" value="webhook_update"><input type="hidden" name="webhook_id" value="' . esc_attr( (string) $webhook['id'] ) . '">';
		echo '<table class="form-table" role="presentation">';
		self::form_rows( $values );
		echo '</table>';
		echo '<p class="submit"><button type="submit" class="button button-primary" id="lpapi-webhook-save">' . esc_html__( 'Save endpoint', 'latepoint-api-keys' ) . '</button> ';
		echo '<a class="button" href="' . esc_url( Admin_Page::url( array( 'tab' => 'webhooks' ) ) ) . '">' . esc_html__( 'Cancel', 'latepoint-api-keys' ) . '</a></p>';
		echo '</form>';
	}

	/** The confirmation step of delete and rotate (works without JavaScript). */
	public static function render_confirm( string $view, array $webhook ): void {
		echo '<div class="lpapi-confirm card">';
		if ( 'delete' === $view ) {
			/* translators: %s: the endpoint's URL */
			echo '<h2>' . esc_html( sprintf( __( 'Delete the endpoint %s?', 'latepoint-api-keys' ), $webhook['url'] ) ) . '</h2>';
			echo '<p>' . esc_html__( 'Deleting is permanent: no event is sent to it any more, and its pending deliveries are cancelled. Its past deliveries stay in the log for the retention period.', 'latepoint-api-keys' ) . '</p>';
		} else {
			/* translators: %s: the endpoint's URL */
			echo '<h2>' . esc_html( sprintf( __( 'Rotate the signing secret of %s?', 'latepoint-api-keys' ), $webhook['url'] ) ) . '</h2>';
			echo '<p>' . esc_html__( 'A new secret is made and shown once. During the grace period you choose, deliveries carry signatures of both secrets, so the receiver can switch to the new one without missing any.', 'latepoint-api-keys' ) . '</p>';
		}
		echo '<form method="post" action="' . esc_url( self::view_url( $view, $webhook['id'] ) ) . '">';
		wp_nonce_field( Admin_Page::NONCE );
		echo '<input type="hidden" name="lpapi_action" value="' . esc_attr( 'webhook_' . $view ) . '"><input type="hidden" name="webhook_id" value="' . esc_attr( (string) $webhook['id'] ) . '">';
		if ( 'rotate' === $view ) {
			echo '<input type="hidden" name="form_token" value="' . esc_attr( Actions::new_form_token() ) . '">';
			echo '<p><label for="lpapi-webhook-grace">' . esc_html__( 'Grace period for the old secret', 'latepoint-api-keys' ) . '</label> <select id="lpapi-webhook-grace" name="grace_seconds">';
			$choices = array(
				0      => __( 'None: stop now', 'latepoint-api-keys' ),
				3600   => __( '1 hour', 'latepoint-api-keys' ),
				86400  => __( '24 hours', 'latepoint-api-keys' ),
				604800 => __( '7 days', 'latepoint-api-keys' ),
			);
			foreach ( $choices as $seconds => $label ) {
				echo '<option value="' . esc_attr( (string) $seconds ) . '"' . selected( 86400, $seconds, false ) . '>' . esc_html( $label ) . '</option>';
			}
			echo '</select></p>';
			if ( isset( Actions::$field_errors['grace_seconds'] ) ) {
				echo '<p class="lpapi-field-error">' . esc_html( Actions::$field_errors['grace_seconds'] ) . '</p>';
			}
		}
		$label = 'delete' === $view ? __( 'Delete permanently', 'latepoint-api-keys' ) : __( 'Rotate secret', 'latepoint-api-keys' );
		echo '<p><button type="submit" class="button ' . ( 'delete' === $view ? 'button-link-delete lpapi-confirm-delete' : 'button-primary lpapi-confirm-rotate' ) . '">' . esc_html( $label ) . '</button> ';
		echo '<a class="button" href="' . esc_url( Admin_Page::url( array( 'tab' => 'webhooks' ) ) ) . '">' . esc_html__( 'Cancel', 'latepoint-api-keys' ) . '</a></p>';
		echo '</form></div>';
	}

	/** The filters of the delivery log, from the query string. */
	public static function delivery_filters(): array {
		$filters = array(
			'webhook_id' => isset( $_GET['webhook_id'] ) ? absint( $_GET['webhook_id'] ) : 0,
			'event_type' => isset( $_GET['event_type'] ) ? sanitize_text_field( wp_unslash( $_GET['event_type'] ) ) : '',
			'result'     => isset( $_GET['result'] ) ? sanitize_key( wp_unslash( $_GET['result'] ) ) : '',
			'message_id' => isset( $_GET['message_id'] ) ? sanitize_text_field( wp_unslash( $_GET['message_id'] ) ) : '',
		);
		if ( ! in_array( $filters['event_type'], self::event_types(), true ) ) {
			$filters['event_type'] = '';
		}
		if ( ! in_array( $filters['result'], Delivery_Log::RESULTS, true ) ) {
			$filters['result'] = '';
		}
		return array_filter( $filters );
	}

	private static function event_types(): array {
		return array_merge( Webhook_Service::EVENTS, array( Delivery_Log::TEST_TYPE ) );
	}

	public static function render_deliveries(): void {
		$filters   = self::delivery_filters();
		$paged     = isset( $_GET['paged'] ) ? max( 1, absint( $_GET['paged'] ) ) : 1;
		$result    = Delivery_Log::query( $filters, ( $paged - 1 ) * self::PER_PAGE_DELIVERIES, self::PER_PAGE_DELIVERIES );
		$endpoints = Webhook_Service::list( array(), 0, 200 )['items'];
		echo '<h2 id="lpapi-deliveries">' . esc_html__( 'Delivery log', 'latepoint-api-keys' ) . '</h2>';
		echo '<form method="get" class="lpapi-log-filters lpapi-delivery-filters"><input type="hidden" name="page" value="' . esc_attr( Admin_Page::SLUG ) . '"><input type="hidden" name="tab" value="webhooks">';
		echo '<label>' . esc_html__( 'Endpoint', 'latepoint-api-keys' ) . ' <select name="webhook_id"><option value="">' . esc_html__( 'All', 'latepoint-api-keys' ) . '</option>';
		foreach ( $endpoints as $webhook ) {
			echo '<option value="' . esc_attr( (string) $webhook['id'] ) . '"' . selected( $filters['webhook_id'] ?? 0, $webhook['id'], false ) . '>' . esc_html( $webhook['url'] ) . '</option>';
		}
		echo '</select></label> <label>' . esc_html__( 'Event', 'latepoint-api-keys' ) . ' <select name="event_type"><option value="">' . esc_html__( 'All', 'latepoint-api-keys' ) . '</option>';
		foreach ( self::event_types() as $type ) {
			echo '<option value="' . esc_attr( $type ) . '"' . selected( $filters['event_type'] ?? '', $type, false ) . '>' . esc_html( $type ) . '</option>';
		}
		echo '</select></label> <label>' . esc_html__( 'Result', 'latepoint-api-keys' ) . ' <select name="result">';
		foreach ( array( '' => __( 'All', 'latepoint-api-keys' ), 'succeeded' => __( 'Succeeded', 'latepoint-api-keys' ), 'failed' => __( 'Failed', 'latepoint-api-keys' ) ) as $value => $label ) {
			echo '<option value="' . esc_attr( $value ) . '"' . selected( $filters['result'] ?? '', $value, false ) . '>' . esc_html( $label ) . '</option>';
		}
		echo '</select></label> <label>' . esc_html__( 'webhook-id', 'latepoint-api-keys' ) . ' <input type="text" name="message_id" class="regular-text code" value="' . esc_attr( $filters['message_id'] ?? '' ) . '"></label> ';
		echo '<button class="button">' . esc_html__( 'Filter', 'latepoint-api-keys' ) . '</button></form>';
		echo '<table class="widefat striped lpapi-deliveries"><thead><tr>';
		foreach ( array( __( 'Time (UTC)', 'latepoint-api-keys' ), __( 'Event', 'latepoint-api-keys' ), __( 'Endpoint', 'latepoint-api-keys' ), __( 'Attempt', 'latepoint-api-keys' ), __( 'Result', 'latepoint-api-keys' ), __( 'HTTP status or error', 'latepoint-api-keys' ), __( 'ms', 'latepoint-api-keys' ), __( 'Response', 'latepoint-api-keys' ), __( 'Actions', 'latepoint-api-keys' ) ) as $heading ) {
			echo '<th scope="col">' . esc_html( $heading ) . '</th>';
		}
		echo '</tr></thead><tbody>';
		if ( ! $result['items'] ) {
			echo '<tr><td colspan="9">' . esc_html__( 'No deliveries for these filters.', 'latepoint-api-keys' ) . '</td></tr>';
		}
		foreach ( $result['items'] as $row ) {
			self::render_delivery_row( $row );
		}
		echo '</tbody></table>';
		Admin_Page::pagination( $result['total'], $paged, self::PER_PAGE_DELIVERIES, array( 'tab' => 'webhooks' ) + $filters );
	}

	private static function render_delivery_row( array $row ): void {
		echo '<tr data-attempt-id="' . esc_attr( (string) $row['id'] ) . '" data-delivery-id="' . esc_attr( (string) $row['delivery_id'] ) . '" data-message-id="' . esc_attr( $row['message_id'] ) . '">';
		echo '<td>' . esc_html( str_replace( array( 'T', 'Z' ), array( ' ', '' ), $row['attempted_at'] ) ) . '</td>';
		echo '<td class="lpapi-delivery-event">' . esc_html( $row['event_type'] ) . '<br><span class="description">' . esc_html( $row['message_id'] ) . '</span></td>';
		echo '<td class="lpapi-delivery-url">' . esc_html( $row['webhook_url'] ?? __( '(deleted endpoint)', 'latepoint-api-keys' ) ) . '</td>';
		echo '<td class="lpapi-delivery-attempt">' . esc_html( (string) $row['attempt'] ) . '</td>';
		echo '<td class="lpapi-delivery-result"><span class="lpapi-badge lpapi-result-' . ( $row['succeeded'] ? 'succeeded' : 'failed' ) . '">' . esc_html( $row['succeeded'] ? __( 'succeeded', 'latepoint-api-keys' ) : __( 'failed', 'latepoint-api-keys' ) ) . '</span></td>';
		echo '<td class="lpapi-delivery-status">' . esc_html( null === $row['http_status'] ? __( 'no response', 'latepoint-api-keys' ) : (string) $row['http_status'] );
		if ( null !== $row['error'] ) {
			echo '<br><span class="lpapi-delivery-error">' . esc_html( $row['error'] ) . '</span>';
		}
		echo '</td>';
		echo '<td class="lpapi-delivery-ms">' . esc_html( (string) $row['duration_ms'] ) . '</td>';
		echo '<td class="lpapi-delivery-response">';
		if ( '' !== $row['response'] ) {
			$start = (string) preg_replace( '/\s+/', ' ', $row['response'] );
			$start = mb_strlen( $start ) > 40 ? mb_substr( $start, 0, 40 ) . '…' : $start;
			echo '<details><summary>' . esc_html( $start ) . '</summary><pre class="lpapi-response">' . esc_html( $row['response'] ) . '</pre></details>';
		}
		echo '</td><td class="lpapi-actions">';
		if ( null !== $row['webhook_url'] ) {
			self::action_button( 'webhook_resend', 'delivery_id', $row['delivery_id'], __( 'Resend', 'latepoint-api-keys' ) );
		}
		echo '</td></tr>';
	}
}
