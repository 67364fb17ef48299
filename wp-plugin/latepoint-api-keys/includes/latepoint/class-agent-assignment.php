<?php
/**
 * agent_id "any" on a booking create: the agent LatePoint's booking form
 * would assign (OsBookingHelper::get_any_agent_for_booking_by_rule, called by
 * OsBookingModel::is_bookable), by the same rule and setting.
 *
 * LatePoint's rule, followed step by step:
 *   - the candidates are the active agents connected to the service at the
 *     location; with the location "any" too, the locations are tried in the
 *     order of the service's connections, and the first one with an agent
 *     wins;
 *   - of them, those free for the booking's slot (here Booking_Slots, the
 *     API's check of LatePoint's availability, run locked inside the write);
 *   - the filter latepoint_agent_ids_assignable_to_any_agent_booking( ids,
 *     booking );
 *   - LatePoint's setting any_agent_order (default random): random (wp_rand
 *     over the candidates), price_high / price_low (LatePoint's
 *     calculate_full_amount_for_booking with each agent), busy_high /
 *     busy_low (the agent's bookings that day, any status); on a tie the
 *     first agent by id;
 *   - the filter latepoint_get_any_agent_id_for_booking_by_rule( id, agents,
 *     booking, rule ).
 * No agent left is 409 slot_unavailable, reason no_agent_available.
 *
 * @package LatePointApi
 */

namespace LatePointApi\LatePoint;

use LatePointApi\Support\Conflict_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Assignment.
 */
final class Agent_Assignment {

	/** The setting's values, as LatePoint's constants LATEPOINT_ANY_AGENT_ORDER_*. */
	const RULES = array( 'random', 'price_high', 'price_low', 'busy_high', 'busy_low' );

	/**
	 * Picks the agent (and, without a location, the location). Runs inside the
	 * write's transaction: it locks the candidates' rows and the bookings it reads.
	 *
	 * @param array $fields the booking (service_id, start_date, start_time, duration, buffers, total_attendees, …).
	 * @param ?int  $location_id the requested location, or null for any.
	 * @return array{agent_id: int, location_id: int, rule: string}
	 */
	public static function assign( array $fields, ?int $location_id ): array {
		$rule = (string) Tables::setting( 'any_agent_order', 'random' );
		$rule = '' === $rule ? 'random' : $rule;
		foreach ( null === $location_id ? self::locations( (int) $fields['service_id'] ) : array( $location_id ) as $location ) {
			$booking   = $fields + array( 'location_id' => $location );
			$connected = self::connected_agents( (int) $fields['service_id'], $location );
			Availability_Data::lock( $connected, array() );
			$free  = array_values( array_filter( $connected, static fn ( $agent_id ) => null === Booking_Slots::refusal( array( 'agent_id' => $agent_id ) + $booking, null, true ) ) );
			$model = self::model( $booking );
			$free  = array_values( array_map( 'intval', (array) apply_filters( 'latepoint_agent_ids_assignable_to_any_agent_booking', $free, $model ) ) );
			$ids   = self::active( $free );
			if ( ! $ids ) {
				continue;
			}
			$agents   = array_map( static fn ( $id ) => new \OsAgentModel( $id ), $ids );
			$selected = apply_filters( 'latepoint_get_any_agent_id_for_booking_by_rule', self::pick( $rule, $free, $ids, $model ), $agents, $model, $rule );
			if ( $selected ) {
				return array(
					'agent_id'    => (int) $selected,
					'location_id' => (int) $location,
					'rule'        => $rule,
				);
			}
		}
		throw new Conflict_Error( 'slot_unavailable', __( 'No agent is free for that slot.', 'latepoint-api-keys' ), array( 'reason' => 'no_agent_available' ) );
	}

	/**
	 * The rule's choice. Random picks among all the (filtered) candidates as
	 * LatePoint does; the others go through the active ones by id, the first
	 * keeping a tie.
	 *
	 * @param int[] $candidates
	 * @param int[] $ids the active candidates, by id.
	 * @return int|false
	 */
	private static function pick( string $rule, array $candidates, array $ids, \OsBookingModel $model ) {
		if ( 'random' === $rule ) {
			return $candidates[ wp_rand( 0, count( $candidates ) - 1 ) ];
		}
		if ( ! in_array( $rule, self::RULES, true ) ) {
			return false;
		}
		$best  = false;
		$score = null;
		foreach ( $ids as $agent_id ) {
			$value = self::score( $rule, $agent_id, $model );
			$high  = in_array( $rule, array( 'price_high', 'busy_high' ), true );
			if ( null === $score || ( $high ? $value > $score : $value < $score ) ) {
				$score = $value;
				$best  = $agent_id;
			}
		}
		return $best;
	}

	/** The agent's price for the booking, or bookings that day. */
	private static function score( string $rule, int $agent_id, \OsBookingModel $model ): float {
		global $wpdb;
		if ( str_starts_with( $rule, 'price_' ) ) {
			$model->agent_id = $agent_id;
			return (float) \OsBookingHelper::calculate_full_amount_for_booking( $model );
		}
		return (float) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . Tables::name( 'bookings' ) . ' WHERE start_date = %s AND agent_id = %d', $model->start_date, $agent_id ) );
	}

	/** A LatePoint booking model of the request, its agent "any", for LatePoint's filters. */
	private static function model( array $booking ): \OsBookingModel {
		$model = new \OsBookingModel();
		$model->set_data( array_diff_key( $booking, array_flip( array( 'start_datetime_utc', 'end_datetime_utc' ) ) ) );
		$model->agent_id = 'any';
		return $model;
	}

	/** @return int[] the service's locations that are active, in the order of its connections */
	private static function locations( int $service_id ): array {
		global $wpdb;
		$rows = $wpdb->get_col( $wpdb->prepare( 'SELECT s.location_id FROM ' . Tables::name( 'agents_services' ) . ' s JOIN ' . Tables::name( 'agents' ) . ' a ON a.id = s.agent_id JOIN ' . Tables::name( 'locations' ) . " l ON l.id = s.location_id WHERE s.service_id = %d AND a.status = 'active' AND l.status = 'active' ORDER BY s.id", $service_id ) );
		return array_values( array_unique( array_map( 'intval', (array) $rows ) ) );
	}

	/** @return int[] the active agents connected to the service at the location, by id */
	private static function connected_agents( int $service_id, int $location_id ): array {
		global $wpdb;
		$rows = $wpdb->get_col( $wpdb->prepare( 'SELECT DISTINCT s.agent_id FROM ' . Tables::name( 'agents_services' ) . ' s JOIN ' . Tables::name( 'agents' ) . " a ON a.id = s.agent_id WHERE s.service_id = %d AND s.location_id = %d AND a.status = 'active' ORDER BY s.agent_id", $service_id, $location_id ) );
		return array_map( 'intval', (array) $rows );
	}

	/**
	 * @param int[] $ids
	 * @return int[] those that are active agents, by id
	 */
	private static function active( array $ids ): array {
		global $wpdb;
		$ids = array_values( array_filter( array_unique( $ids ) ) );
		if ( ! $ids ) {
			return array();
		}
		$placeholders = implode( ', ', array_fill( 0, count( $ids ), '%d' ) );
		$rows         = $wpdb->get_col( $wpdb->prepare( 'SELECT id FROM ' . Tables::name( 'agents' ) . " WHERE status = 'active' AND id IN ({$placeholders}) ORDER BY id", $ids ) ); // phpcs:ignore LatePointApi.Security.PreparedSql.InterpolatedVariable -- $placeholders is only %d placeholders for $ids.
		return array_map( 'intval', (array) $rows );
	}
}
