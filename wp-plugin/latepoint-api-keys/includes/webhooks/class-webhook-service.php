<?php
/**
 * The webhook endpoint store: creating, reading, listing, updating, deleting
 * endpoints and rotating their signing secrets. Used by the REST routes under
 * /webhooks (docs/api.md) and the Webhooks tab; Delivery_Runner sends.
 *
 * The plaintext secret ("whsec_…", Standard Webhooks) is returned by create()
 * and rotate_secret() only, and is stored encrypted (Signature::encrypt()).
 * Every change is written to the audit log as an admin action.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Webhooks;

use LatePointApi\Audit\Audit_Log;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Paged_Query;
use LatePointApi\Support\Schema;
use LatePointApi\Support\Storage_Error;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Static service over the webhooks table.
 */
final class Webhook_Service {

	/** The events an endpoint can subscribe to. */
	const EVENTS = array(
		'booking.created',
		'booking.updated',
		'booking.status_changed',
		'booking.deleted',
		'customer.created',
		'customer.updated',
		'customer.deleted',
		'order.created',
		'transaction.created',
		'key.expiring',
	);

	const STATUSES         = array( 'enabled', 'disabled' );
	const MAX_DESCRIPTION  = 500;
	const MAX_URL          = 2048;
	const MAX_GRACE        = 604800;
	const EDITABLE         = array( 'url', 'description', 'events', 'status' );
	const ALLOW_LOCAL_NAME = 'LPAPI_WEBHOOKS_ALLOW_LOCAL';

	/**
	 * @var Destination|null For tests: the destination check (with its resolver).
	 */
	public static $destination = null;

	/**
	 * @var bool|null For tests: replaces LPAPI_WEBHOOKS_ALLOW_LOCAL (false: as in production).
	 */
	public static $allow_local = null;

	/**
	 * Creates an endpoint with a new secret.
	 *
	 * @param array<string, mixed> $input url, events (required), description, status.
	 * @return array{secret: string, record: array<string, mixed>}
	 * @throws Validation_Error
	 */
	public static function create( array $input, int $actor ): array {
		$fields = self::validate( $input, true );
		$secret = Signature::new_secret();
		$now    = self::now();
		$row    = $fields + array(
			'description' => '',
			'status'      => 'enabled',
		);
		$row    = array_merge(
			$row,
			array(
				'secret'     => Signature::encrypt( $secret ),
				'created_at' => $now,
				'updated_at' => $now,
				'created_by' => $actor,
			)
		);
		global $wpdb;
		if ( false === $wpdb->insert( Schema::webhooks(), $row ) ) {
			throw new Storage_Error( 'The webhook could not be saved.' );
		}
		$id = (int) $wpdb->insert_id;
		Outbox::endpoints_changed();
		Audit_Log::admin_action( 'webhook_created', null, '', $actor );
		return array(
			'secret' => $secret,
			'record' => self::get( $id ),
		);
	}

	/** The public representation, or a Not_Found_Error. */
	public static function get( int $id ): array {
		return self::present( self::row( $id ) );
	}

	/**
	 * A page of endpoints, newest first.
	 *
	 * @param array{status?: string} $filters
	 * @return array{items: array[], total: int}
	 */
	public static function list( array $filters, int $offset, int $limit, ?int $before_id = null ): array {
		$where = '';
		$args  = array();
		if ( ! empty( $filters['status'] ) ) {
			$where  = ' WHERE status = %s';
			$args[] = (string) $filters['status'];
		}
		$page = Paged_Query::newest_first( Schema::webhooks(), $where, $args, $offset, $limit, $before_id );
		return array(
			'items' => array_map( array( self::class, 'present' ), $page['rows'] ),
			'total' => $page['total'],
		);
	}

	/**
	 * Changes url, description, events or status.
	 *
	 * @throws Validation_Error|Not_Found_Error
	 */
	public static function update( int $id, array $input, int $actor ): array {
		self::row( $id );
		$fields = self::validate( $input, false );
		if ( isset( $fields['status'] ) ) {
			// Enabling clears why it was disabled; an admin's disabling has no automatic reason.
			$fields['disabled_reason'] = null;
		}
		if ( $fields ) {
			self::write( $id, $fields + array( 'updated_at' => self::now() ) );
		}
		if ( 'disabled' === ( $fields['status'] ?? null ) ) {
			self::cancel_pending( $id );
		}
		Outbox::endpoints_changed();
		Audit_Log::admin_action( 'webhook_updated', null, '', $actor );
		return self::get( $id );
	}

	/**
	 * Deletes an endpoint.
	 *
	 * @return array<string, mixed> The endpoint as it was.
	 */
	public static function delete( int $id, int $actor ): array {
		$previous = self::get( $id );
		global $wpdb;
		$deleted = $wpdb->delete( Schema::webhooks(), array( 'id' => $id ), array( '%d' ) );
		if ( false === $deleted ) {
			throw new Storage_Error( 'The webhook could not be deleted.' );
		}
		if ( 0 === $deleted ) {
			throw new Not_Found_Error( __( 'No webhook has this id.', 'latepoint-api-keys' ) );
		}
		self::cancel_pending( $id );
		Outbox::endpoints_changed();
		Audit_Log::admin_action( 'webhook_deleted', null, '', $actor );
		return $previous;
	}

	/**
	 * A new secret; the current one keeps signing (alongside) until now + $grace_seconds.
	 *
	 * @return array{secret: string, record: array<string, mixed>}
	 * @throws Validation_Error|Not_Found_Error
	 */
	public static function rotate_secret( int $id, int $grace_seconds, int $actor ): array {
		if ( $grace_seconds < 0 || $grace_seconds > self::MAX_GRACE ) {
			throw new Validation_Error( array( 'grace_seconds' => __( 'Must be from 0 to 604800 seconds (7 days).', 'latepoint-api-keys' ) ) );
		}
		$row    = self::row( $id );
		$secret = Signature::new_secret();
		$keep   = $grace_seconds > 0;
		self::write(
			$id,
			array(
				'secret'                => Signature::encrypt( $secret ),
				'previous_secret'       => $keep ? (string) $row['secret'] : null,
				'previous_secret_until' => $keep ? gmdate( 'Y-m-d H:i:s', time() + $grace_seconds ) : null,
				'updated_at'            => self::now(),
			)
		);
		Audit_Log::admin_action( 'webhook_secret_rotated', null, '', $actor );
		return array(
			'secret' => $secret,
			'record' => self::get( $id ),
		);
	}

	/**
	 * The plaintext secrets that sign a delivery now: the current one, and the
	 * previous one while its grace lasts.
	 *
	 * @return string[]
	 */
	public static function signing_secrets( int $id ): array {
		$row     = self::row( $id );
		$secrets = array( Signature::decrypt( (string) $row['secret'] ) );
		$until   = self::timestamp( $row['previous_secret_until'] );
		if ( null !== $row['previous_secret'] && '' !== $row['previous_secret'] && null !== $until && $until > time() ) {
			$secrets[] = Signature::decrypt( (string) $row['previous_secret'] );
		}
		return $secrets;
	}

	/**
	 * Turns an endpoint off on its own (410 Gone, or failing for a whole retry
	 * schedule): its pending deliveries are cancelled, the audit log says so,
	 * and the site's admin email is told. The Webhooks tab shows why until an
	 * admin enables it again.
	 *
	 * @param string $reason  'gone' or 'failing' (disabled_reason).
	 * @param string $message What the email says happened.
	 */
	public static function turn_off( int $id, string $reason, string $message ): void {
		global $wpdb;
		$changed = $wpdb->query(
			$wpdb->prepare(
				'UPDATE ' . Schema::webhooks() . ' SET status = %s, disabled_reason = %s, updated_at = %s WHERE id = %d AND status = %s',
				'disabled',
				$reason,
				self::now(),
				$id,
				'enabled'
			)
		);
		self::cancel_pending( $id );
		Outbox::endpoints_changed();
		if ( 1 !== $changed ) {
			return;
		}
		Audit_Log::admin_action( 'webhook_disabled_' . $reason, null, '', 0 );
		$url  = (string) $wpdb->get_var( $wpdb->prepare( 'SELECT url FROM ' . Schema::webhooks() . ' WHERE id = %d', $id ) );
		$body = implode(
			"\n\n",
			array(
				/* translators: %s: the endpoint's URL */
				sprintf( __( 'The webhook endpoint %s was turned off.', 'latepoint-api-keys' ), $url ),
				$message,
				__( 'Events are no longer sent to it. When it works again, enable it on LatePoint > API Settings > Webhooks:', 'latepoint-api-keys' ),
				\LatePointApi\Admin\Admin_Page::url( array( 'tab' => 'webhooks' ) ),
			)
		);
		/* translators: %s: the site's name */
		$subject = sprintf( __( '[%s] A webhook endpoint was turned off', 'latepoint-api-keys' ), wp_specialchars_decode( (string) get_option( 'blogname' ), ENT_QUOTES ) );
		wp_mail( (string) get_option( 'admin_email' ), $subject, $body );
	}

	/** Cancels an endpoint's deliveries that were still to be sent (the log keeps them, resendable). */
	private static function cancel_pending( int $id ): void {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'UPDATE ' . Schema::webhook_deliveries() . ' SET status = %s, next_attempt_at = NULL WHERE webhook_id = %d AND status = %s', 'cancelled', $id, 'pending' ) );
	}

	/** Whether local (loopback and private) URLs are allowed: the wp-config constant LPAPI_WEBHOOKS_ALLOW_LOCAL, for development. */
	public static function allow_local(): bool {
		if ( null !== self::$allow_local ) {
			return self::$allow_local;
		}
		return defined( self::ALLOW_LOCAL_NAME ) && true === constant( self::ALLOW_LOCAL_NAME );
	}

	/**
	 * Checks the input; returns the columns to write.
	 *
	 * @throws Validation_Error
	 */
	private static function validate( array $input, bool $creating ): array {
		$errors  = array();
		$columns = array();
		$unknown = array_diff( array_keys( $input ), self::EDITABLE );
		foreach ( $unknown as $name ) {
			$errors[ (string) $name ] = __( 'Not a field of a webhook.', 'latepoint-api-keys' );
		}
		if ( $creating || array_key_exists( 'url', $input ) ) {
			$url = $input['url'] ?? null;
			if ( ! is_string( $url ) || '' === trim( $url ) ) {
				$errors['url'] = __( 'Required: the http or https URL the events are sent to.', 'latepoint-api-keys' );
			} elseif ( strlen( $url ) > self::MAX_URL ) {
				$errors['url'] = __( 'At most 2048 characters.', 'latepoint-api-keys' );
			} else {
				try {
					( self::$destination ?? new Destination() )->check( $url, self::allow_local() );
					$columns['url'] = $url;
				} catch ( Destination_Error $e ) {
					$errors['url'] = $e->getMessage();
				}
			}
		}
		if ( array_key_exists( 'description', $input ) ) {
			$description = $input['description'] ?? '';
			if ( ! is_string( $description ) ) {
				$errors['description'] = __( 'Must be text.', 'latepoint-api-keys' );
			} elseif ( mb_strlen( $description ) > self::MAX_DESCRIPTION ) {
				$errors['description'] = __( 'At most 500 characters.', 'latepoint-api-keys' );
			} else {
				// Kept as written, as a key's description is (every output escapes it): only invalid UTF-8 and control characters go.
				$columns['description'] = trim( (string) preg_replace( '/[\x00-\x08\x0B-\x1F\x7F]/', '', str_replace( "\r\n", "\n", wp_check_invalid_utf8( $description ) ) ) );
			}
		}
		if ( $creating || array_key_exists( 'events', $input ) ) {
			$events = $input['events'] ?? null;
			if ( ! is_array( $events ) || ! $events || array_filter( $events, 'is_string' ) !== $events ) {
				$errors['events'] = __( 'Required: a non-empty list of event names.', 'latepoint-api-keys' );
			} elseif ( array_diff( $events, self::EVENTS ) ) {
				/* translators: %s: the unknown event names */
				$errors['events'] = sprintf( __( 'Unknown events: %s.', 'latepoint-api-keys' ), implode( ', ', array_diff( $events, self::EVENTS ) ) );
			} else {
				$events = array_values( array_unique( $events ) );
				sort( $events );
				$columns['events'] = (string) wp_json_encode( $events );
			}
		}
		if ( array_key_exists( 'status', $input ) ) {
			if ( ! in_array( $input['status'], self::STATUSES, true ) ) {
				$errors['status'] = __( 'Must be enabled or disabled.', 'latepoint-api-keys' );
			} else {
				$columns['status'] = $input['status'];
			}
		}
		if ( $errors ) {
			throw new Validation_Error( $errors );
		}
		return $columns;
	}

	/** The row, or a Not_Found_Error. */
	private static function row( int $id ): array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . Schema::webhooks() . ' WHERE id = %d', $id ), ARRAY_A );
		if ( ! $row ) {
			throw new Not_Found_Error( __( 'No webhook has this id.', 'latepoint-api-keys' ) );
		}
		return $row;
	}

	/** Updates columns of an endpoint. */
	private static function write( int $id, array $columns ): void {
		global $wpdb;
		if ( false === $wpdb->update( Schema::webhooks(), $columns, array( 'id' => $id ) ) ) {
			throw new Storage_Error( 'The webhook could not be saved.' );
		}
	}

	/** The public representation: never a secret, current or previous. */
	public static function present( array $row ): array {
		$events = json_decode( (string) $row['events'], true );
		return array(
			'id'                    => (int) $row['id'],
			'url'                   => (string) $row['url'],
			'description'           => (string) $row['description'],
			'events'                => is_array( $events ) ? array_values( $events ) : array(),
			'status'                => (string) $row['status'],
			'disabled_reason'       => null === $row['disabled_reason'] ? null : (string) $row['disabled_reason'],
			'previous_secret_until' => null !== $row['previous_secret'] ? self::iso( $row['previous_secret_until'] ) : null,
			'created_at'            => self::iso( $row['created_at'] ),
			'updated_at'            => self::iso( $row['updated_at'] ),
			'created_by'            => (int) $row['created_by'],
			'failing_since'         => self::iso( $row['failing_since'] ?? null ),
			'last_success_at'       => self::iso( $row['last_success_at'] ?? null ),
		);
	}

	private static function timestamp( $datetime ): ?int {
		if ( null === $datetime || '' === $datetime || '0000-00-00 00:00:00' === $datetime ) {
			return null;
		}
		$time = strtotime( $datetime . ' UTC' );
		return false === $time ? null : $time;
	}

	private static function iso( $datetime ): ?string {
		$time = self::timestamp( $datetime );
		return null === $time ? null : gmdate( 'Y-m-d\TH:i:s\Z', $time );
	}

	private static function now(): string {
		return gmdate( 'Y-m-d H:i:s' );
	}
}
