<?php
/**
 * The audit log and usage counts (docs/api.md).
 *
 * API requests never wait for the database: their rows are appended to a
 * spool file after the response has been sent (fastcgi_finish_request), and
 * the spool is moved into the database in batches: by whichever request
 * finds it older than FLUSH_SECONDS or larger than FLUSH_BYTES, by WP-Cron
 * every minute, and when an admin opens the logs. A batch whose insert fails
 * (database down) stays on disk and is retried, so no row is lost. The same
 * flush adds the rows to the daily usage counts and moves each key's
 * last-used time (at most once a minute per key).
 *
 * Admin actions on keys are rare and written at once.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Audit;

use LatePointApi\Auth\Client_Ip;
use LatePointApi\Auth\Request_Context;
use LatePointApi\Support\Schema;
use LatePointApi\Support\Settings;

defined( 'ABSPATH' ) || exit;

/**
 * Writes, flushes, queries and purges the log.
 */
final class Audit_Log {

	const FLUSH_SECONDS   = 10;
	const FLUSH_BYTES     = 262144;
	const BATCH_ROWS      = 500;
	const USER_AGENT_MAX  = Audit_Row::USER_AGENT_MAX;
	const LAST_USED_EVERY = 60;

	/** @var array<int, array<string, mixed>> rows of this request, written at shutdown. */
	private static $pending = array();
	/** @var bool */
	private static $shutdown_registered = false;

	/** Queues one API request's row; it reaches the spool after the response is sent. */
	public static function record( array $row ): void {
		self::$pending[] = Audit_Row::clean( $row );
		if ( ! self::$shutdown_registered ) {
			self::$shutdown_registered = true;
			register_shutdown_function( array( self::class, 'after_response' ) );
		}
	}

	/** Writes an admin action at once. */
	public static function admin_action( string $action, ?int $key_id, string $key_prefix, int $actor ): void {
		global $wpdb;
		$wpdb->insert(
			Schema::audit_log(),
			Audit_Row::clean(
				array(
					'event'         => 'admin_action',
					'error_code'    => $action,
					'key_id'        => $key_id,
					'key_prefix'    => $key_prefix,
					'actor_user_id' => $actor,
					'method'        => isset( $_SERVER['REQUEST_METHOD'] ) ? sanitize_text_field( wp_unslash( $_SERVER['REQUEST_METHOD'] ) ) : '',
					'client_ip'     => Client_Ip::resolve( $_SERVER, (array) Settings::get( 'trusted_proxies' ) ),
					'user_agent'    => isset( $_SERVER['HTTP_USER_AGENT'] ) ? wp_unslash( $_SERVER['HTTP_USER_AGENT'] ) : '',
					'request_id'    => Request_Context::request_id(),
				)
			)
		);
	}

	/** Shutdown: finish the response first, then spool (and maybe flush). */
	public static function after_response(): void {
		if ( ! self::$pending ) {
			return;
		}
		if ( function_exists( 'fastcgi_finish_request' ) && ! defined( 'LPAPI_TESTING' ) ) {
			fastcgi_finish_request();
		}
		$rows          = self::$pending;
		self::$pending = array();
		self::spool( $rows );
		if ( self::spool_due() ) {
			self::flush();
		}
	}

	/** Appends rows to the spool (Spool); without a writable one they are written directly (after the response). */
	public static function spool( array $rows ): bool {
		self::spool_dir();
		return Spool::append( $rows ) || self::insert_rows( $rows );
	}

	/** Whether the spool is big enough, or its oldest row old enough, to flush. No database access. */
	private static function spool_due(): bool {
		$size = Spool::size();
		if ( $size <= strlen( Spool::HEADER ) ) {
			return false;
		}
		if ( $size >= self::FLUSH_BYTES ) {
			return true;
		}
		$row    = Spool::first_row();
		$oldest = is_array( $row ) && isset( $row['created_at'] ) ? strtotime( substr( (string) $row['created_at'], 0, 19 ) . ' UTC' ) : false;
		return false === $oldest || time() - $oldest >= self::FLUSH_SECONDS;
	}

	/**
	 * Moves the spool into the database. Safe to run from several processes
	 * at once: the spool is renamed (atomic) to a batch file, and each batch
	 * is processed by the one process holding its lock.
	 *
	 * @return int rows written
	 */
	public static function flush(): int {
		if ( null === self::spool_dir() ) {
			return 0;
		}
		Spool::seal();
		$written = 0;
		foreach ( Spool::batches() as $batch ) {
			$written += self::flush_batch( $batch );
		}
		return $written;
	}

	private static function flush_batch( string $file ): int {
		$handle = @fopen( $file, 'r+b' ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- the spool file may be gone (another process flushed it); false is handled.
		if ( false === $handle ) {
			return 0;
		}
		if ( ! flock( $handle, LOCK_EX | LOCK_NB ) ) {
			fclose( $handle );
			return 0; // Another process is on it.
		}
		$rows = array();
		while ( false !== ( $line = fgets( $handle ) ) ) { // phpcs:ignore Generic.CodeAnalysis.AssignmentInCondition -- the read-a-line loop.
			$row = Spool::decode( $line );
			if ( null !== $row ) {
				$rows[] = $row;
			}
		}
		$rows = array_map( array( Audit_Row::class, 'clean' ), self::resolve_keys( $rows ) );
		// All chunks or none: a batch that fails halfway is retried whole, never inserted twice.
		global $wpdb;
		$wpdb->query( 'START TRANSACTION' );
		$ok = true;
		foreach ( array_chunk( $rows, self::BATCH_ROWS ) as $chunk ) {
			$ok = $ok && self::insert_rows( $chunk );
		}
		$wpdb->query( $ok ? 'COMMIT' : 'ROLLBACK' );
		if ( $ok ) {
			self::add_usage( $rows );
			self::touch_keys( $rows );
			unlink( $file );
		}
		flock( $handle, LOCK_UN );
		fclose( $handle );
		return $ok ? count( $rows ) : 0;
	}

	/** One multi-row INSERT. */
	private static function insert_rows( array $rows ): bool {
		global $wpdb;
		if ( ! $rows ) {
			return true;
		}
		$columns      = array_keys( Audit_Row::clean( array() ) );
		$placeholders = array();
		$values       = array();
		foreach ( $rows as $row ) {
			$cells = array();
			foreach ( $columns as $column ) {
				$value = $row[ $column ];
				if ( null === $value ) {
					$cells[] = 'NULL';
				} else {
					$cells[]  = is_int( $value ) ? '%d' : '%s';
					$values[] = $value;
				}
			}
			$placeholders[] = '(' . implode( ',', $cells ) . ')';
		}
		$sql      = 'INSERT INTO ' . Schema::audit_log() . ' (' . implode( ',', $columns ) . ') VALUES ' . implode( ',', $placeholders );
		$suppress = $wpdb->suppress_errors( true );
		$result   = $wpdb->query( $values ? $wpdb->prepare( $sql, $values ) : $sql ); // phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared,LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $sql holds only literals and the placeholders built above for $values.
		$wpdb->suppress_errors( $suppress );
		return false !== $result;
	}

	private static function add_usage( array $rows ): void {
		global $wpdb;
		$counts = array();
		foreach ( $rows as $row ) {
			if ( empty( $row['key_id'] ) || 'admin_action' === $row['event'] ) {
				continue;
			}
			$day = substr( $row['created_at'], 0, 10 );
			$k   = $row['key_id'] . '|' . $day;
			if ( ! isset( $counts[ $k ] ) ) {
				$counts[ $k ] = array( (int) $row['key_id'], $day, 0, 0, 0 );
			}
			++$counts[ $k ][2];
			if ( 429 === (int) $row['status'] ) {
				++$counts[ $k ][4];
			} elseif ( (int) $row['status'] >= 400 ) {
				++$counts[ $k ][3];
			}
		}
		foreach ( $counts as list( $key_id, $day, $requests, $errors, $limited ) ) {
			$wpdb->query(
				$wpdb->prepare(
					'INSERT INTO ' . Schema::usage_daily() . ' (key_id, day, requests, errors, rate_limited) VALUES (%d, %s, %d, %d, %d)
					 ON DUPLICATE KEY UPDATE requests = requests + VALUES(requests), errors = errors + VALUES(errors), rate_limited = rate_limited + VALUES(rate_limited)',
					$key_id,
					$day,
					$requests,
					$errors,
					$limited
				)
			);
		}
	}

	/** last_used_at / last_used_ip, moved at most once a minute per key. */
	private static function touch_keys( array $rows ): void {
		global $wpdb;
		$latest = array();
		foreach ( $rows as $row ) {
			if ( ! empty( $row['key_id'] ) && 'request' === $row['event'] ) {
				$latest[ (int) $row['key_id'] ] = $row;
			}
		}
		foreach ( $latest as $key_id => $row ) {
			$used_at = substr( $row['created_at'], 0, 19 );
			$wpdb->query(
				$wpdb->prepare(
					'UPDATE ' . Schema::keys() . ' SET last_used_at = %s, last_used_ip = %s WHERE id = %d AND (last_used_at IS NULL OR last_used_at <= %s)',
					$used_at,
					$row['client_ip'],
					$key_id,
					gmdate( 'Y-m-d H:i:s', strtotime( $used_at . ' UTC' ) - self::LAST_USED_EVERY )
				)
			);
		}
	}

	/**
	 * Rows the db-error drop-in spooled while the database was down carry the
	 * presented key's hash instead of its id: the id is looked up now.
	 *
	 * @param array<int, array<string, mixed>> $rows
	 * @return array<int, array<string, mixed>>
	 */
	private static function resolve_keys( array $rows ): array {
		$hashes = array();
		foreach ( $rows as $row ) {
			if ( isset( $row['key_hash'] ) && is_string( $row['key_hash'] ) && 1 === preg_match( '/^[0-9a-f]{64}$/', $row['key_hash'] ) ) {
				$hashes[ $row['key_hash'] ] = true;
			}
		}
		$ids = array();
		if ( $hashes ) {
			global $wpdb;
			$found = $wpdb->get_results( $wpdb->prepare( 'SELECT id, key_hash, key_prefix FROM ' . Schema::keys() . ' WHERE key_hash IN (' . implode( ',', array_fill( 0, count( $hashes ), '%s' ) ) . ')', array_keys( $hashes ) ), ARRAY_A );
			foreach ( $found ?: array() as $key ) {
				$ids[ $key['key_hash'] ] = $key;
			}
		}
		foreach ( $rows as $i => $row ) {
			$hash = $row['key_hash'] ?? null;
			unset( $rows[ $i ]['key_hash'] );
			if ( is_string( $hash ) && isset( $ids[ $hash ] ) ) {
				$rows[ $i ]['key_id']     = (int) $ids[ $hash ]['id'];
				$rows[ $i ]['key_prefix'] = $ids[ $hash ]['key_prefix'];
			}
		}
		return $rows;
	}

	/** Now, as a UTC datetime with milliseconds. */
	public static function now_ms(): string {
		return Audit_Row::now_ms();
	}

	/** The spool folder (Spool), or null when none is writable. */
	public static function spool_dir(): ?string {
		$dir = Spool::dir( false );
		if ( null !== $dir ) {
			return $dir;
		}
		// Earlier versions named the folder after the site's salt: adopted, so its rows are still flushed.
		$legacy = WP_CONTENT_DIR . '/lpapi-spool-' . substr( hash_hmac( 'sha256', 'lpapi-spool', wp_salt( 'auth' ) ), 0, 16 );
		return Spool::dir( true, $legacy );
	}

	/** Deletes the spool (uninstall). */
	public static function remove_spool(): void {
		self::spool_dir();
		Spool::remove();
	}

	/** Deletes rows older than the retention setting (daily, by WP-Cron). */
	public static function purge(): int {
		global $wpdb;
		$days    = max( 1, (int) Settings::get( 'retention_days' ) );
		$cutoff  = gmdate( 'Y-m-d H:i:s', time() - $days * DAY_IN_SECONDS );
		$deleted = (int) $wpdb->query( $wpdb->prepare( 'DELETE FROM ' . Schema::audit_log() . ' WHERE created_at < %s', $cutoff ) );
		$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . Schema::usage_daily() . ' WHERE day < %s', substr( $cutoff, 0, 10 ) ) );
		return $deleted;
	}
}
