<?php
/**
 * GET /agents/{id}/schedule, GET /availability and GET /agents/availability
 * (the agents free at one start: the slots /availability offers then),
 * docs/api.md, on Schedule and Availability.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\LatePoint\Availability;
use LatePointApi\LatePoint\Catalog;
use LatePointApi\LatePoint\Schedule;
use LatePointApi\LatePoint\Tables;
use LatePointApi\Support\Dates;
use LatePointApi\Support\Not_Found_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Schedule and availability handlers and their `args`.
 */
final class Availability_Controller extends Resource_Controller {

	const DAYS = array( 1 => 'monday', 2 => 'tuesday', 3 => 'wednesday', 4 => 'thursday', 5 => 'friday', 6 => 'saturday', 7 => 'sunday' );

	const ROUTE_SCHEDULE     = '/agents/(?P<id>\d+)/schedule';
	const ROUTE_AVAILABILITY = '/availability';
	const ROUTE_FREE_AGENTS  = '/agents/availability';

	/** The most attendees one request may ask for (as a booking's total_attendees). */
	const MAX_ATTENDEES = 1000;

	public static function register_routes(): void {
		self::route( self::ROUTE_SCHEDULE, self::endpoint( 'GET', 'agents:read', array( self::class, 'get_schedule' ), self::schedule_args(), Schemas::one( 'Schedule' ), Routes::LANE_WITHOUT_ADDONS ) );
		self::route( self::ROUTE_AVAILABILITY, self::endpoint( 'GET', 'availability:read', array( self::class, 'get_availability' ), self::availability_args(), Schemas::many( 'Slot', 'SlotsMeta' ), Routes::LANE_WITHOUT_ADDONS ) );
		self::route( self::ROUTE_FREE_AGENTS, self::endpoint( 'GET', 'availability:read', array( self::class, 'get_free_agents' ), self::free_agents_args(), Schemas::many( 'FreeAgent', 'FreeAgentsMeta' ), Routes::LANE_WITHOUT_ADDONS ) );
	}

	private static function id_arg( string $description, bool $required = false ): array {
		return Args::id_arg( $description, array( 'required' => $required ) );
	}

	private static function date_arg( string $description, ?callable $more = null ): array {
		return Args::date_arg( array( 'description' => $description ), $more );
	}

	/** `args` of GET /agents/{id}/schedule. */
	public static function schedule_args(): array {
		return array(
			'id'          => self::id_arg( __( 'The agent id.', 'latepoint-api-keys' ), true ),
			'service_id'  => self::id_arg( __( 'Resolve for this service (default: rows that apply to every service).', 'latepoint-api-keys' ) ),
			'location_id' => self::id_arg( __( 'Resolve for this location (default: rows that apply to every location).', 'latepoint-api-keys' ) ),
		);
	}

	/** `args` of GET /availability. */
	public static function availability_args(): array {
		return array(
			'service_id'  => self::id_arg( __( 'The service to book.', 'latepoint-api-keys' ), true ),
			'agent_id'    => self::id_arg( __( 'Only this agent.', 'latepoint-api-keys' ) ),
			'location_id' => self::id_arg( __( 'Only this location.', 'latepoint-api-keys' ) ),
			'attendees'   => array(
				'type'        => 'integer',
				'minimum'     => 1,
				'maximum'     => self::MAX_ATTENDEES,
				'default'     => 1,
				'description' => __( 'Slots with room for this many attendees (default 1); at most the service\'s capacity_max.', 'latepoint-api-keys' ),
			),
			'date_from'   => self::date_arg( __( 'First day, YYYY-MM-DD in the site\'s time zone (default: today).', 'latepoint-api-keys' ) ),
			'date_to'     => self::date_arg(
				__( 'Last day, YYYY-MM-DD (default: date_from + 6 days); at most 31 days from date_from, both included.', 'latepoint-api-keys' ),
				static function ( $value, $request ) {
					$from = $request->get_param( 'date_from' );
					if ( null === $from ) {
						$from = Dates::today();
					} elseif ( ! Dates::is_date( $from ) ) {
						return true; // date_from reports its own error.
					}
					if ( $value < $from ) {
						return new \WP_Error( 'rest_invalid_param', __( 'Must not be before date_from.', 'latepoint-api-keys' ) );
					}
					if ( Dates::day_index( $value ) - Dates::day_index( $from ) >= Availability::MAX_DAYS ) {
						/* translators: %d: number of days */
						return new \WP_Error( 'rest_invalid_param', sprintf( __( 'The range may cover at most %d days.', 'latepoint-api-keys' ), Availability::MAX_DAYS ) );
					}
					return true;
				}
			),
		);
	}

	/** `args` of GET /agents/availability. */
	public static function free_agents_args(): array {
		$args = self::availability_args();
		return array(
			'service_id'  => $args['service_id'],
			'date'        => Args::date_arg( array( 'required' => true, 'description' => __( 'The day, YYYY-MM-DD in the site\'s time zone.', 'latepoint-api-keys' ) ) ),
			'time'        => Args::time_arg( array( 'required' => true ) ),
			'location_id' => $args['location_id'],
			'attendees'   => $args['attendees'],
			'include'     => array(
				'type'        => 'string',
				'enum'        => array( 'agent' ),
				'description' => __( 'agent: embed each agent (needs agents:read).', 'latepoint-api-keys' ),
			),
		);
	}

	/** @return array{start_time: string, end_time: string}[] */
	private static function periods_out( array $periods ): array {
		return array_map(
			static function ( $p ) {
				return array(
					'start_time' => Dates::hhmm( $p[0] ),
					'end_time'   => Dates::hhmm( $p[1] ),
				);
			},
			$periods
		);
	}

	/** GET /agents/{id}/schedule. */
	public static function get_schedule( \WP_REST_Request $request ) {
		return self::run(
			static function () use ( $request ) {
				$agent_id = (int) $request['id'];
				if ( null === Tables::find( 'agents', $agent_id, 'id, status' ) ) {
					throw new Not_Found_Error( __( 'No agent with this id.', 'latepoint-api-keys' ) );
				}
				$service_id  = (int) $request->get_param( 'service_id' );
				$location_id = (int) $request->get_param( 'location_id' );
				$schedule    = Schedule::load( array( $agent_id ), $service_id, array( $location_id ) );
				$weekly      = array();
				foreach ( self::DAYS as $n => $name ) {
					$periods  = $schedule->weekday_periods( $agent_id, $location_id, $n );
					$weekly[] = array(
						'week_day' => $n,
						'day'      => $name,
						'day_off'  => ! $periods,
						'periods'  => self::periods_out( $periods ),
					);
				}
				$custom = array();
				foreach ( $schedule->custom_dates( $agent_id, $location_id ) as $date => $periods ) {
					$custom[] = array(
						'date'    => $date,
						'day_off' => ! $periods,
						'periods' => self::periods_out( $periods ),
					);
				}
				return Api_Response::success(
					array(
						'agent_id'     => $agent_id,
						'service_id'   => $service_id ? $service_id : null,
						'location_id'  => $location_id ? $location_id : null,
						'timezone'     => wp_timezone_string(),
						'weekly'       => $weekly,
						'custom_dates' => $custom,
					)
				);
			}
		);
	}

	/** GET /availability. */
	public static function get_availability( \WP_REST_Request $request ) {
		return self::run(
			static function () use ( $request ) {
				$from      = $request->get_param( 'date_from' );
				$from      = null === $from ? Dates::today() : (string) $from;
				$to        = $request->get_param( 'date_to' );
				$to        = null === $to ? Dates::date_of( Dates::day_index( $from ) + 6 ) : (string) $to;
				$agent     = $request->get_param( 'agent_id' );
				$location  = $request->get_param( 'location_id' );
				$attendees = (int) ( $request->get_param( 'attendees' ) ?? 1 );
				$result    = Availability::slots(
					(int) $request->get_param( 'service_id' ),
					$from,
					$to,
					null === $agent ? null : (int) $agent,
					null === $location ? null : (int) $location,
					$attendees
				);
				return Api_Response::success(
					$result['slots'],
					array(
						'count'      => count( $result['slots'] ),
						'service_id' => (int) $request->get_param( 'service_id' ),
						'date_from'  => $from,
						'date_to'    => $to,
						'attendees'  => $attendees,
						'interval'   => $result['interval'],
						'timezone'   => wp_timezone_string(),
					)
				);
			}
		);
	}

	/** GET /agents/availability: who could take the service at that start (one item per agent and location). */
	public static function get_free_agents( \WP_REST_Request $request ) {
		$embed = 'agent' === $request->get_param( 'include' );
		if ( $embed && ! Permission_Error::held( 'agents:read' ) ) {
			return ( new Permission_Error( 'agents:read' ) )->response();
		}
		return self::run(
			static function () use ( $request, $embed ) {
				$date      = (string) $request->get_param( 'date' );
				$time      = (string) $request->get_param( 'time' );
				$location  = $request->get_param( 'location_id' );
				$attendees = (int) ( $request->get_param( 'attendees' ) ?? 1 );
				$service   = (int) $request->get_param( 'service_id' );
				$result    = Availability::slots( $service, $date, $date, null, null === $location ? null : (int) $location, $attendees );
				$free      = array();
				foreach ( $result['slots'] as $slot ) {
					if ( $slot['start_time'] === $time ) {
						$free[ sprintf( '%010d|%010d', $slot['agent_id'], $slot['location_id'] ) ] = $slot;
					}
				}
				ksort( $free, SORT_STRING );
				$free = array_values( $free );
				if ( $embed ) {
					$agents = array();
					foreach ( $free as &$slot ) {
						$agents[ $slot['agent_id'] ] = $agents[ $slot['agent_id'] ] ?? Catalog::agent( $slot['agent_id'] );
						$slot['agent']               = $agents[ $slot['agent_id'] ];
					}
					unset( $slot );
				}
				return Api_Response::success(
					$free,
					array(
						'count'      => count( $free ),
						'agent_ids'  => array_values( array_unique( array_column( $free, 'agent_id' ) ) ),
						'service_id' => $service,
						'date'       => $date,
						'time'       => $time,
						'attendees'  => $attendees,
						'timezone'   => wp_timezone_string(),
					)
				);
			}
		);
	}
}
