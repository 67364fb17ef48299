<?php
/**
 * The plugin's tables, created and upgraded with dbDelta and versioned.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Support;

use LatePointApi\Audit\Audit_Log;

defined( 'ABSPATH' ) || exit;

/**
 * Table names and their definitions.
 */
final class Schema {

	/** Bump when a table definition changes; dbDelta brings old sites up to it. */
	const DB_VERSION        = '7';
	const DB_VERSION_OPTION = 'lpapi_db_version';

	public static function keys(): string {
		global $wpdb;
		return $wpdb->prefix . 'lpapi_keys';
	}

	public static function audit_log(): string {
		global $wpdb;
		return $wpdb->prefix . 'lpapi_audit_log';
	}

	public static function usage_daily(): string {
		global $wpdb;
		return $wpdb->prefix . 'lpapi_usage_daily';
	}

	public static function rate_counters(): string {
		global $wpdb;
		return $wpdb->prefix . 'lpapi_rate_counters';
	}

	/** Which API key wrote which of LatePoint's activity rows (LatePoint's Activities view shows it). */
	public static function activity_authors(): string {
		global $wpdb;
		return $wpdb->prefix . 'lpapi_activity_authors';
	}

	/** Idempotency-Key claims and the responses they keep (Idempotency). */
	public static function idempotency(): string {
		global $wpdb;
		return $wpdb->prefix . 'lpapi_idempotency';
	}

	/** Webhook endpoints: where events go, and their signing secrets (encrypted, Signature::encrypt). */
	public static function webhooks(): string {
		global $wpdb;
		return $wpdb->prefix . 'lpapi_webhooks';
	}

	/** Webhook events: one row per event (its Standard Webhooks message id and body), kept for the delivery log. */
	public static function webhook_events(): string {
		global $wpdb;
		return $wpdb->prefix . 'lpapi_webhook_events';
	}

	/** One row per event and endpoint: what is still to be sent, and when. */
	public static function webhook_deliveries(): string {
		global $wpdb;
		return $wpdb->prefix . 'lpapi_webhook_deliveries';
	}

	/** The delivery log: one row per HTTP attempt. */
	public static function webhook_attempts(): string {
		global $wpdb;
		return $wpdb->prefix . 'lpapi_webhook_attempts';
	}

	/** Every table of the plugin. */
	public static function tables(): array {
		return array( self::keys(), self::audit_log(), self::usage_daily(), self::rate_counters(), self::activity_authors(), self::idempotency(), self::webhooks(), self::webhook_events(), self::webhook_deliveries(), self::webhook_attempts() );
	}

	/** Creates or upgrades the tables when the stored version is older. */
	public static function maybe_upgrade(): void {
		if ( get_option( self::DB_VERSION_OPTION ) !== self::DB_VERSION ) {
			self::install();
			self::share_rotated_counters();
		}
	}

	/**
	 * Keys rotated before counter_id existed: each replacement takes its
	 * predecessor's counters (NULL means the key's own id), down the chain.
	 */
	private static function share_rotated_counters(): void {
		global $wpdb;
		$keys = self::keys();
		for ( $hop = 0; $hop < 100; $hop++ ) {
			$moved = $wpdb->query( 'UPDATE ' . $keys . ' k JOIN ' . $keys . ' p ON p.id = k.rotated_from SET k.counter_id = COALESCE(p.counter_id, p.id) WHERE k.counter_id IS NULL OR k.counter_id <> COALESCE(p.counter_id, p.id)' ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared -- literal SQL over this class's own table name.
			if ( ! $moved ) {
				return;
			}
		}
	}

	public static function install(): void {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$charset = $wpdb->get_charset_collate();
		$keys    = self::keys();
		$log     = self::audit_log();
		$usage   = self::usage_daily();
		$rate    = self::rate_counters();
		$authors = self::activity_authors();
		$idem    = self::idempotency();
		$hooks   = self::webhooks();
		$events  = self::webhook_events();
		$sends   = self::webhook_deliveries();
		$tries   = self::webhook_attempts();

		dbDelta(
			"CREATE TABLE {$keys} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  name varchar(100) NOT NULL,
  description text NULL,
  environment varchar(8) NOT NULL,
  key_hash char(64) NOT NULL,
  key_prefix varchar(16) NOT NULL,
  key_last4 char(4) NOT NULL,
  permissions text NOT NULL,
  rate_limit_per_minute int(10) unsigned NULL,
  rate_limit_per_hour int(10) unsigned NULL,
  rate_limit_per_day int(10) unsigned NULL,
  operation_limits text NULL,
  allowed_ips text NULL,
  allowed_origins text NULL,
  status varchar(16) NOT NULL DEFAULT 'active',
  created_at datetime NOT NULL,
  created_by bigint(20) unsigned NOT NULL DEFAULT 0,
  updated_at datetime NOT NULL,
  expires_at datetime NULL,
  last_used_at datetime NULL,
  last_used_ip varchar(45) NULL,
  revoked_at datetime NULL,
  rotated_from bigint(20) unsigned NULL,
  counter_id bigint(20) unsigned NULL,
  grace_until datetime NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY key_hash (key_hash),
  KEY status (status)
) {$charset};"
		);
		dbDelta(
			"CREATE TABLE {$log} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  created_at datetime(3) NOT NULL,
  request_id varchar(32) NOT NULL DEFAULT '',
  event varchar(20) NOT NULL,
  key_id bigint(20) unsigned NULL,
  key_prefix varchar(16) NOT NULL DEFAULT '',
  actor_user_id bigint(20) unsigned NULL,
  method varchar(10) NOT NULL DEFAULT '',
  route varchar(191) NOT NULL DEFAULT '',
  status smallint(5) unsigned NOT NULL DEFAULT 0,
  error_code varchar(64) NOT NULL DEFAULT '',
  client_ip varchar(45) NOT NULL DEFAULT '',
  user_agent varchar(255) NOT NULL DEFAULT '',
  duration_ms int(10) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY  (id),
  KEY created_at (created_at),
  KEY key_time (key_id,created_at),
  KEY status (status)
) {$charset};"
		);
		dbDelta(
			"CREATE TABLE {$usage} (
  key_id bigint(20) unsigned NOT NULL,
  day date NOT NULL,
  requests int(10) unsigned NOT NULL DEFAULT 0,
  errors int(10) unsigned NOT NULL DEFAULT 0,
  rate_limited int(10) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY  (key_id,day)
) {$charset};"
		);
		// Used only by the pure-PHP fallback when no APCu is available.
		dbDelta(
			"CREATE TABLE {$rate} (
  bucket char(64) NOT NULL,
  minute_index int(10) unsigned NOT NULL DEFAULT 0,
  minute_count int(10) unsigned NOT NULL DEFAULT 0,
  hour_count int(10) unsigned NOT NULL DEFAULT 0,
  day_count int(10) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY  (bucket)
) {$charset};"
		);
		dbDelta(
			"CREATE TABLE {$authors} (
  activity_id bigint(20) unsigned NOT NULL,
  key_id bigint(20) unsigned NOT NULL,
  created_at datetime NOT NULL,
  PRIMARY KEY  (activity_id),
  KEY created_at (created_at)
) {$charset};"
		);
		// One row per API key (its counter_id) and Idempotency-Key (SHA-256); the unique key makes the claim atomic.
		dbDelta(
			"CREATE TABLE {$idem} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  scope_id bigint(20) unsigned NOT NULL,
  key_hash char(64) NOT NULL,
  fingerprint char(64) NOT NULL,
  claim_token char(32) NOT NULL,
  created_at datetime NOT NULL,
  claimed_at datetime NOT NULL,
  response_status smallint(5) unsigned NULL,
  response longtext NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY scope_key (scope_id,key_hash),
  KEY created_at (created_at)
) {$charset};"
		);
		// secret and previous_secret are Signature::encrypt() output, never the plaintext.
		dbDelta(
			"CREATE TABLE {$hooks} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  url varchar(2048) NOT NULL,
  description varchar(500) NOT NULL DEFAULT '',
  events text NOT NULL,
  status varchar(16) NOT NULL DEFAULT 'enabled',
  disabled_reason varchar(191) NULL,
  secret text NOT NULL,
  previous_secret text NULL,
  previous_secret_until datetime NULL,
  created_at datetime NOT NULL,
  updated_at datetime NOT NULL,
  created_by bigint(20) unsigned NOT NULL DEFAULT 0,
  failing_since datetime NULL,
  last_success_at datetime NULL,
  PRIMARY KEY  (id),
  KEY status (status)
) {$charset};"
		);
		// dedupe names events that must be queued once only (key.expiring per key and expiry).
		dbDelta(
			"CREATE TABLE {$events} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  message_id varchar(64) NOT NULL,
  type varchar(64) NOT NULL,
  object_id bigint(20) unsigned NULL,
  payload longtext NOT NULL,
  dedupe varchar(191) NULL,
  created_at datetime NOT NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY message_id (message_id),
  UNIQUE KEY dedupe (dedupe),
  KEY created_at (created_at)
) {$charset};"
		);
		dbDelta(
			"CREATE TABLE {$sends} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  event_id bigint(20) unsigned NOT NULL,
  webhook_id bigint(20) unsigned NOT NULL,
  status varchar(16) NOT NULL DEFAULT 'pending',
  attempts smallint(5) unsigned NOT NULL DEFAULT 0,
  next_attempt_at datetime NULL,
  last_status smallint(5) unsigned NULL,
  last_attempt_at datetime NULL,
  created_at datetime NOT NULL,
  PRIMARY KEY  (id),
  KEY due (status,next_attempt_at),
  KEY webhook (webhook_id,status),
  KEY event_id (event_id),
  KEY created_at (created_at)
) {$charset};"
		);
		dbDelta(
			"CREATE TABLE {$tries} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  delivery_id bigint(20) unsigned NOT NULL,
  webhook_id bigint(20) unsigned NOT NULL,
  event_id bigint(20) unsigned NOT NULL,
  message_id varchar(64) NOT NULL,
  event_type varchar(64) NOT NULL,
  attempt smallint(5) unsigned NOT NULL,
  attempted_at datetime NOT NULL,
  succeeded tinyint(1) NOT NULL DEFAULT 0,
  http_status smallint(5) unsigned NULL,
  duration_ms int(10) unsigned NOT NULL DEFAULT 0,
  response varchar(1024) NOT NULL DEFAULT '',
  error varchar(255) NOT NULL DEFAULT '',
  PRIMARY KEY  (id),
  KEY webhook (webhook_id,id),
  KEY delivery (delivery_id),
  KEY event_type (event_type),
  KEY attempted_at (attempted_at)
) {$charset};"
		);
		update_option( self::DB_VERSION_OPTION, self::DB_VERSION, true );
	}

	/** Drops every table and option the plugin made (uninstall only). */
	public static function uninstall(): void {
		global $wpdb;
		foreach ( self::tables() as $table ) {
			$wpdb->query( "DROP TABLE IF EXISTS {$table}" ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared -- $table iterates over this class's own table names.
		}
		delete_option( self::DB_VERSION_OPTION );
		delete_option( 'lpapi_settings' );
		// The "LatePoint API" user stays: LatePoint's activities name it as their author.
		delete_option( 'lpapi_api_user_id' );
		delete_option( \LatePointApi\LatePoint\Tables::FOUND_OPTION );
		delete_option( \LatePointApi\Keys\Key_Format::COUNTER_SCOPE_OPTION );
		wp_clear_scheduled_hook( 'lpapi_flush_audit' );
		wp_clear_scheduled_hook( 'lpapi_daily_maintenance' );
		wp_clear_scheduled_hook( \LatePointApi\Webhooks\Delivery_Runner::CRON_HOOK );
		Audit_Log::remove_spool();
		if ( function_exists( 'lpapi_cache_invalidate' ) ) {
			lpapi_cache_invalidate();
		}
	}
}
