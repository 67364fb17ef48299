<?php
/**
 * The API as the author of what it writes in LatePoint.
 *
 * LatePoint's activity log names who did something from a fixed list of
 * initiator types (its admin, agent, custom role, customer, or a WordPress
 * user). API writes are attributed to a dedicated WordPress user, "LatePoint
 * API" (login latepoint-api, no role: it can do nothing and never logs in),
 * as initiator type wp_user, which LatePoint itself never writes. Which key
 * wrote each activity is kept in the plugin's own table
 * (Schema::activity_authors()) and shown beside the author in LatePoint's
 * Activities view: its name and display prefix, never the key.
 *
 * While an API write runs (during()), every new activity LatePoint saves - its
 * listeners' rows, process job runs and sent emails included - is attributed.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Auth\Request_Context;
use LatePointApi\Support\Schema;

defined( 'ABSPATH' ) || exit;

/**
 * Attribution of API writes.
 */
final class Api_Author {

	const USER_LOGIN   = 'latepoint-api';
	const USER_OPTION  = 'lpapi_api_user_id';
	const DISPLAY_NAME = 'LatePoint API';

	/** @var bool an API write is running */
	private static $writing = false;

	/** @var int[] activity ids saved during the write */
	private static $activity_ids = array();

	public static function init(): void {
		add_action( 'latepoint_model_validate', array( self::class, 'attribute' ), 10, 1 );
		add_action( 'latepoint_model_save', array( self::class, 'collect' ), 10, 1 );
		add_filter( 'latepoint_activity_view_vars', array( self::class, 'view_vars' ), 10, 2 );
	}

	/** The id of the "LatePoint API" user, created on first use. */
	public static function user_id(): int {
		$id   = (int) get_option( self::USER_OPTION, 0 );
		$user = $id > 0 ? get_userdata( $id ) : false;
		if ( $user && self::USER_LOGIN === $user->user_login ) {
			return $id;
		}
		$user = get_user_by( 'login', self::USER_LOGIN );
		if ( ! $user ) {
			$id = wp_insert_user(
				array(
					'user_login'   => self::USER_LOGIN,
					'user_pass'    => wp_generate_password( 64, true, true ),
					'user_email'   => '',
					'display_name' => self::DISPLAY_NAME,
					'nickname'     => self::DISPLAY_NAME,
					'description'  => __( 'The author of changes made through the LatePoint API Keys REST API. It has no role and cannot log in to do anything.', 'latepoint-api-keys' ),
					'role'         => '',
				)
			);
			if ( is_wp_error( $id ) ) {
				return 0;
			}
			$user = get_userdata( $id );
		}
		update_option( self::USER_OPTION, (int) $user->ID, false );
		return (int) $user->ID;
	}

	/**
	 * Runs an API write: LatePoint's new activities are the API user's, and
	 * remembered with the calling key.
	 *
	 * @return mixed what $write returns
	 */
	public static function during( callable $write ) {
		self::user_id(); // created before the write's transaction, not inside it
		self::$writing      = true;
		self::$activity_ids = array();
		try {
			$result = $write();
		} finally {
			self::$writing = false;
		}
		self::remember( self::$activity_ids );
		self::$activity_ids = array();
		return $result;
	}

	/**
	 * latepoint_model_validate: a new activity saved during an API write gets
	 * the API user as its initiator (validation runs inside save(), before the
	 * INSERT).
	 *
	 * @param object $model
	 */
	public static function attribute( $model ): void {
		if ( ! self::$writing || ! $model instanceof \OsActivityModel || ! $model->is_new_record() ) {
			return;
		}
		$model->initiated_by    = 'wp_user';
		$model->initiated_by_id = self::user_id();
	}

	/**
	 * latepoint_model_save: notes the ids of the activities saved during an API write.
	 *
	 * @param object $model
	 */
	public static function collect( $model ): void {
		if ( self::$writing && $model instanceof \OsActivityModel && ! empty( $model->id ) ) {
			self::$activity_ids[] = (int) $model->id;
		}
	}

	/** @param int[] $ids */
	private static function remember( array $ids ): void {
		global $wpdb;
		$key = Request_Context::$key;
		if ( ! $ids || ! is_array( $key ) || empty( $key['id'] ) ) {
			return;
		}
		$now = current_time( 'mysql', true );
		foreach ( array_unique( $ids ) as $id ) {
			$wpdb->replace(
				Schema::activity_authors(),
				array(
					'activity_id' => $id,
					'key_id'      => (int) $key['id'],
					'created_at'  => $now,
				),
				array( '%d', '%d', '%s' )
			);
		}
	}

	/**
	 * latepoint_activity_view_vars: LatePoint's Activities view shows which
	 * key made an API activity (name and display prefix).
	 *
	 * @param array  $vars
	 * @param object $activity
	 */
	public static function view_vars( $vars, $activity ) {
		global $wpdb;
		if ( ! is_array( $vars ) || ! is_object( $activity ) || empty( $activity->id ) ) {
			return $vars;
		}
		$key = $wpdb->get_row( $wpdb->prepare( 'SELECT k.name, k.key_prefix FROM ' . Schema::activity_authors() . ' a JOIN ' . Schema::keys() . ' k ON k.id = a.key_id WHERE a.activity_id = %d', (int) $activity->id ), ARRAY_A );
		if ( ! $key ) {
			return $vars;
		}
		$vars['meta_html'] = ( $vars['meta_html'] ?? '' ) . '<div class="lpapi-activity-key">'
			/* translators: 1: key name, 2: key display prefix */
			. esc_html( sprintf( __( 'Through the API with the key "%1$s" (%2$s…)', 'latepoint-api-keys' ), $key['name'], $key['key_prefix'] ) )
			. '</div>';
		return $vars;
	}

	/** Forgets the authors of activities LatePoint has deleted (it keeps a week of them). */
	public static function purge(): void {
		global $wpdb;
		$wpdb->query( 'DELETE a FROM ' . Schema::activity_authors() . ' a LEFT JOIN ' . Tables::name( 'activities' ) . ' l ON l.id = a.activity_id WHERE l.id IS NULL' );
	}
}
