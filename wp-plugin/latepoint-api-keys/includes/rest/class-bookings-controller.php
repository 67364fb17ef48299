<?php
/**
 * /bookings over LatePoint's tables: list, get, create, update (reschedule,
 * status), delete. A booking is three rows, as LatePoint's admin makes it: an
 * order, an order item (variant booking, item_data JSON) and the booking.
 *
 * Times: the API speaks start_date (YYYY-MM-DD), start_time/end_time (HH:MM,
 * site time zone) and start/end_datetime_utc (ISO 8601 "…Z"); the database
 * keeps LatePoint's minutes from midnight.
 *
 * Ids referenced in a body (customer_id, service_id, agent_id, location_id)
 * that do not exist give 422 validation_failed naming the field; an unknown
 * booking id in the path gives 404.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

use LatePointApi\Auth\Request_Context;
use LatePointApi\LatePoint\Availability;
use LatePointApi\LatePoint\Tables;
use LatePointApi\Support\Conflict_Error;
use LatePointApi\Support\Not_Found_Error;
use LatePointApi\Support\Validation_Error;

defined( 'ABSPATH' ) || exit;

/**
 * Handlers and the booking data layer.
 */
final class Bookings_Controller {

	const CREATE_FIELDS = array( 'customer_id', 'service_id', 'agent_id', 'location_id', 'start_date', 'start_time', 'status', 'total_attendees', 'customer_comment' );
	const UPDATE_FIELDS = array( 'agent_id', 'location_id', 'start_date', 'start_time', 'status', 'total_attendees' );

	/** @return array<string, array<string, mixed>> */
	public static function list_args(): array {
		return Args::paging() + array(
			'status'      => array( 'type' => 'string', 'enum' => Tables::BOOKING_STATUSES, 'description' => __( 'Only bookings with this status.', 'latepoint-api-keys' ) ),
			'agent_id'    => Tables::id_arg( __( 'Only this agent\'s bookings.', 'latepoint-api-keys' ) ),
			'service_id'  => Tables::id_arg( __( 'Only bookings of this service.', 'latepoint-api-keys' ) ),
			'customer_id' => Tables::id_arg( __( 'Only this customer\'s bookings.', 'latepoint-api-keys' ) ),
			'location_id' => Tables::id_arg( __( 'Only bookings at this location.', 'latepoint-api-keys' ) ),
			'date_from'   => Tables::date_arg( array( 'description' => __( 'Bookings starting on or after this date.', 'latepoint-api-keys' ) ) ),
			'date_to'     => Tables::date_arg( array( 'description' => __( 'Bookings starting on or before this date.', 'latepoint-api-keys' ) ) ),
		);
	}

	/** @return array<string, array<string, mixed>> */
	public static function id_args(): array {
		return array( 'id' => Tables::id_arg( __( 'The booking id.', 'latepoint-api-keys' ), array( 'required' => true ) ) );
	}

	/** @return array<string, array<string, mixed>> */
	public static function create_args(): array {
		return array(
			'customer_id'      => Tables::id_arg( __( 'The customer.', 'latepoint-api-keys' ), array( 'required' => true ) ),
			'service_id'       => Tables::id_arg( __( 'The service; gives the duration and buffers.', 'latepoint-api-keys' ), array( 'required' => true ) ),
			'agent_id'         => Tables::id_arg( __( 'The agent.', 'latepoint-api-keys' ), array( 'required' => true ) ),
			'location_id'      => Tables::id_arg( __( 'The location; the default location when omitted.', 'latepoint-api-keys' ) ),
			'start_date'       => Tables::date_arg( array( 'required' => true ) ),
			'start_time'       => Tables::time_arg( array( 'required' => true ) ),
			'status'           => array( 'type' => 'string', 'enum' => Tables::BOOKING_STATUSES, 'description' => __( 'Default: the service\'s override, else approved.', 'latepoint-api-keys' ) ),
			'total_attendees'  => array( 'type' => 'integer', 'minimum' => 1, 'maximum' => 1000, 'default' => 1 ),
			'customer_comment' => array( 'type' => 'string', 'maxLength' => 5000 ),
		);
	}

	/** @return array<string, array<string, mixed>> */
	public static function update_args(): array {
		return self::id_args() + array(
			'agent_id'        => Tables::id_arg( __( 'Move the booking to this agent.', 'latepoint-api-keys' ) ),
			'location_id'     => Tables::id_arg( __( 'Move the booking to this location.', 'latepoint-api-keys' ) ),
			'start_date'      => Tables::date_arg(),
			'start_time'      => Tables::time_arg(),
			'status'          => array( 'type' => 'string', 'enum' => Tables::BOOKING_STATUSES ),
			'total_attendees' => array( 'type' => 'integer', 'minimum' => 1, 'maximum' => 1000 ),
		);
	}

	// ---- handlers ------------------------------------------------------------

	public static function list_bookings( \WP_REST_Request $request ) {
		return Tables::run(
			static function () use ( $request ) {
				$paging = Args::read_paging( $request );
				if ( is_wp_error( $paging ) ) {
					return $paging;
				}
				$filters = array();
				foreach ( array( 'status', 'agent_id', 'service_id', 'customer_id', 'location_id', 'date_from', 'date_to' ) as $name ) {
					$value = $request->get_param( $name );
					if ( null !== $value && '' !== $value ) {
						$filters[ $name ] = $value;
					}
				}
				if ( isset( $filters['date_from'], $filters['date_to'] ) && $filters['date_from'] > $filters['date_to'] ) {
					throw new Validation_Error( array( 'date_to' => __( 'Must not be before date_from.', 'latepoint-api-keys' ) ) );
				}
				return Args::paged_response( $paging, static fn ( $offset, $limit, $after ) => self::query( $filters, $offset, $limit, $after ) );
			}
		);
	}

	public static function get_booking( \WP_REST_Request $request ) {
		return Tables::run( static fn () => Api_Response::success( self::present( self::row( (int) $request['id'] ) ) ) );
	}

	public static function create_booking( \WP_REST_Request $request ) {
		return Tables::run(
			static function () use ( $request ) {
				$body = Tables::body( $request );
				Tables::reject_unknown( $body, self::CREATE_FIELDS );
				return Api_Response::success( self::create( $body ), array(), 201 );
			}
		);
	}

	public static function update_booking( \WP_REST_Request $request ) {
		return Tables::run(
			static function () use ( $request ) {
				$body = Tables::body( $request );
				Tables::reject_unknown( $body, self::UPDATE_FIELDS );
				return Api_Response::success( self::update( (int) $request['id'], $body ) );
			}
		);
	}

	public static function delete_booking( \WP_REST_Request $request ) {
		return Tables::run(
			static function () use ( $request ) {
				$id = (int) $request['id'];
				return Api_Response::success( array( 'id' => $id, 'deleted' => true, 'previous' => self::delete( $id ) ) );
			}
		);
	}

	// ---- data layer ----------------------------------------------------------

	private static function select(): string {
		return 'SELECT b.*, oi.order_id AS order_id, o.confirmation_code AS confirmation_code FROM ' . Tables::name( 'bookings' ) . ' b LEFT JOIN '
			. Tables::name( 'order_items' ) . ' oi ON oi.id = b.order_item_id LEFT JOIN ' . Tables::name( 'orders' ) . ' o ON o.id = oi.order_id';
	}

	/** The raw row (with order_id and confirmation_code), or Not_Found_Error. */
	public static function row( int $id ): array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( self::select() . ' WHERE b.id = %d', $id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
		if ( ! $row ) {
			throw new Not_Found_Error( __( 'No booking with this id.', 'latepoint-api-keys' ) );
		}
		return $row;
	}

	/**
	 * A page of bookings sorted by start (date, time, id). The cursor names the
	 * last booking of the previous page; the next page starts after it.
	 *
	 * @return array{items: array[], total: int}
	 */
	public static function query( array $filters, int $offset, int $limit, ?int $after_id ): array {
		global $wpdb;
		$clauses = array();
		$args    = array();
		foreach ( array( 'status' => '%s', 'agent_id' => '%d', 'service_id' => '%d', 'customer_id' => '%d', 'location_id' => '%d' ) as $column => $format ) {
			if ( isset( $filters[ $column ] ) ) {
				$clauses[] = "b.{$column} = {$format}";
				$args[]    = $filters[ $column ];
			}
		}
		if ( isset( $filters['date_from'] ) ) {
			$clauses[] = 'b.start_date >= %s';
			$args[]    = $filters['date_from'];
		}
		if ( isset( $filters['date_to'] ) ) {
			$clauses[] = 'b.start_date <= %s';
			$args[]    = $filters['date_to'];
		}
		$where = $clauses ? ' WHERE ' . implode( ' AND ', $clauses ) : '';
		$count = 'SELECT COUNT(*) FROM ' . Tables::name( 'bookings' ) . ' b' . $where;
		$total = (int) $wpdb->get_var( $args ? $wpdb->prepare( $count, $args ) : $count ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
		if ( null !== $after_id ) {
			$last = $wpdb->get_row( $wpdb->prepare( 'SELECT start_date, start_time FROM ' . Tables::name( 'bookings' ) . ' WHERE id = %d', $after_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
			if ( ! $last ) {
				throw new Validation_Error( array( 'cursor' => __( 'The cursor\'s booking no longer exists; start again from page 1.', 'latepoint-api-keys' ) ) );
			}
			$where .= ( $where ? ' AND' : ' WHERE' ) . ' (b.start_date > %s OR (b.start_date = %s AND (b.start_time > %d OR (b.start_time = %d AND b.id > %d))))';
			array_push( $args, $last['start_date'], $last['start_date'], (int) $last['start_time'], (int) $last['start_time'], $after_id );
			$offset = 0;
		}
		$args[] = $limit;
		$args[] = $offset;
		$rows   = $wpdb->get_results( $wpdb->prepare( self::select() . $where . ' ORDER BY b.start_date ASC, b.start_time ASC, b.id ASC LIMIT %d OFFSET %d', $args ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
		return array(
			'items' => array_map( array( self::class, 'present' ), $rows ?: array() ),
			'total' => $total,
		);
	}

	/** The API representation of a booking row. */
	public static function present( array $row ): array {
		$int = static fn ( $v ) => null === $v ? null : (int) $v;
		return array(
			'id'                 => (int) $row['id'],
			'booking_code'       => $row['booking_code'],
			'confirmation_code'  => $row['confirmation_code'] ?? null,
			'status'             => $row['status'],
			'customer_id'        => (int) $row['customer_id'],
			'service_id'         => (int) $row['service_id'],
			'agent_id'           => (int) $row['agent_id'],
			'location_id'        => $int( $row['location_id'] ),
			'order_id'           => $int( $row['order_id'] ?? null ),
			'order_item_id'      => $int( $row['order_item_id'] ),
			'start_date'         => $row['start_date'],
			'start_time'         => Tables::hhmm( $int( $row['start_time'] ) ),
			'end_date'           => $row['end_date'],
			'end_time'           => Tables::hhmm( $int( $row['end_time'] ) ),
			'start_datetime_utc' => Tables::iso_utc( $row['start_datetime_utc'] ),
			'end_datetime_utc'   => Tables::iso_utc( $row['end_datetime_utc'] ),
			'duration'           => $int( $row['duration'] ),
			'buffer_before'      => (int) $row['buffer_before'],
			'buffer_after'       => (int) $row['buffer_after'],
			'total_attendees'    => $int( $row['total_attendees'] ) ?? 1,
			'created_at'         => Tables::iso_local( $row['created_at'] ),
			'updated_at'         => Tables::iso_local( $row['updated_at'] ),
		);
	}

	/** A catalog row by id, or a 422 naming the field. */
	private static function referenced( string $table, int $id, string $field ): array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . Tables::name( $table ) . ' WHERE id = %d', $id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
		if ( ! $row ) {
			/* translators: %s: field name */
			throw new Validation_Error( array( $field => sprintf( __( 'No %s with this id.', 'latepoint-api-keys' ), str_replace( '_id', '', $field ) ) ) );
		}
		return $row;
	}

	/**
	 * The location of a booking that names none: the first active location
	 * where the agent offers the service (agents_services), else the first
	 * active one, else the first; created as "Main Location" when there is none.
	 */
	private static function default_location_id( int $agent_id = 0, int $service_id = 0 ): int {
		global $wpdb;
		$table = Tables::name( 'locations' );
		if ( $agent_id && $service_id ) {
			$links   = Tables::name( 'agents_services' );
			$offered = $wpdb->get_var( $wpdb->prepare( "SELECT l.id FROM {$links} a JOIN {$table} l ON l.id = a.location_id WHERE a.agent_id = %d AND a.service_id = %d AND l.status = 'active' ORDER BY l.order_number ASC, l.id ASC LIMIT 1", $agent_id, $service_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			if ( $offered ) {
				return (int) $offered;
			}
		}
		$id    = $wpdb->get_var( "SELECT id FROM {$table} ORDER BY (status = 'active') DESC, order_number ASC, id ASC LIMIT 1" ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		if ( null !== $id ) {
			return (int) $id;
		}
		$now = Tables::now();
		return Tables::insert(
			'locations',
			array(
				'name'       => __( 'Main Location', 'latepoint-api-keys' ),
				'status'     => 'active',
				'created_at' => $now,
				'updated_at' => $now,
			)
		);
	}

	/**
	 * The booking's times from a date, a start minute and the service.
	 *
	 * @return array<string, mixed>
	 */
	private static function times( string $date, int $start, array $service ): array {
		$duration = max( 1, (int) $service['duration'] );
		$end      = $start + $duration;
		if ( $end > 24 * 60 ) {
			throw new Validation_Error( array( 'start_time' => __( 'The booking would end after midnight; pick an earlier start.', 'latepoint-api-keys' ) ) );
		}
		return array(
			'start_date'         => $date,
			'end_date'           => $date,
			'start_time'         => $start,
			'end_time'           => $end,
			'duration'           => $duration,
			'start_datetime_utc' => Tables::utc( $date, $start ),
			'end_datetime_utc'   => Tables::utc( $date, $end ),
		);
	}

	/**
	 * Throws a 409 slot_unavailable when the slot is taken: Availability's
	 * full check when it is there, and always the overlap check against the
	 * agent's blocking bookings (buffers of both sides included; bookings of the
	 * same service at the same start share its capacity).
	 *
	 * Call inside the write transaction: it locks the agent's bookings around the date.
	 */
	private static function check_slot( array $b, array $service, ?int $ignore_id ): void {
		global $wpdb;
		if ( class_exists( Availability::class ) ) {
			$conflict = Availability::slot_conflict( (int) $b['agent_id'], (int) $b['service_id'], (int) $b['location_id'], $b['start_date'], (int) $b['start_time'], (int) $b['duration'], (int) $b['total_attendees'], $ignore_id );
			if ( null !== $conflict ) {
				throw new Conflict_Error( 'slot_unavailable', (string) ( $conflict['message'] ?? __( 'This slot is not available.', 'latepoint-api-keys' ) ), (array) ( $conflict['details'] ?? array() ) );
			}
		}
		$day      = new \DateTimeImmutable( $b['start_date'] );
		$from     = $day->modify( '-1 day' )->format( 'Y-m-d' );
		$to       = $day->modify( '+1 day' )->format( 'Y-m-d' );
		$rows     = $wpdb->get_results( $wpdb->prepare( 'SELECT id, service_id, start_date, start_time, end_date, end_time, buffer_before, buffer_after, status, total_attendees FROM ' . Tables::name( 'bookings' ) . ' WHERE agent_id = %d AND start_date BETWEEN %s AND %s FOR UPDATE', (int) $b['agent_id'], $from, $to ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
		$blocking = Tables::blocking_statuses();
		$base     = $day->getTimestamp();
		$abs      = static fn ( string $date, int $minute ) => intdiv( ( new \DateTimeImmutable( $date ) )->getTimestamp() - $base, 60 ) + $minute;
		$start    = (int) $b['start_time'] - (int) $b['buffer_before'];
		$end      = (int) $b['end_time'] + (int) $b['buffer_after'];
		$capacity = max( 1, (int) ( $service['capacity_max'] ?? 1 ) );
		$used     = 0;
		foreach ( $rows ?: array() as $row ) {
			if ( (int) $row['id'] === $ignore_id || ! in_array( $row['status'], $blocking, true ) ) {
				continue;
			}
			$row_start = $abs( $row['start_date'], (int) $row['start_time'] );
			$row_end   = $abs( $row['end_date'] ?: $row['start_date'], (int) $row['end_time'] );
			if ( $row_start - (int) $row['buffer_before'] >= $end || $start >= $row_end + (int) $row['buffer_after'] ) {
				continue;
			}
			if ( (int) $row['service_id'] === (int) $b['service_id'] && $row_start === (int) $b['start_time'] ) {
				$used += max( 1, (int) $row['total_attendees'] );
				continue;
			}
			throw new Conflict_Error( 'slot_unavailable', __( 'The agent has another booking at this time.', 'latepoint-api-keys' ), array( 'reason' => 'booked', 'conflicting_booking_id' => (int) $row['id'] ) );
		}
		if ( $used + (int) $b['total_attendees'] > $capacity ) {
			throw new Conflict_Error( 'slot_unavailable', __( 'This slot is full.', 'latepoint-api-keys' ), array( 'reason' => 'capacity', 'capacity' => $capacity, 'booked_attendees' => $used ) );
		}
	}

	/** item_data of the order item: the booking as LatePoint serialises it. */
	private static function item_data( array $b, int $id ): string {
		return (string) wp_json_encode(
			array(
				'id'              => $id,
				'customer_id'     => (int) $b['customer_id'],
				'agent_id'        => (int) $b['agent_id'],
				'location_id'     => (int) $b['location_id'],
				'service_id'      => (int) $b['service_id'],
				'start_date'      => $b['start_date'],
				'start_time'      => (int) $b['start_time'],
				'end_date'        => $b['end_date'],
				'end_time'        => (int) $b['end_time'],
				'status'          => $b['status'],
				'buffer_before'   => (int) $b['buffer_before'],
				'buffer_after'    => (int) $b['buffer_after'],
				'duration'        => (int) $b['duration'],
				'total_attendees' => (int) $b['total_attendees'],
			)
		);
	}

	/** The service's price for the order: charge_amount, else price_min, else 0. */
	private static function price( array $service ): string {
		foreach ( array( 'charge_amount', 'price_min' ) as $column ) {
			if ( null !== $service[ $column ] && '' !== $service[ $column ] ) {
				return (string) $service[ $column ];
			}
		}
		return '0';
	}

	/** Creates order + order item + booking; returns the presented booking. */
	public static function create( array $input ): array {
		$customer = self::referenced( 'customers', (int) $input['customer_id'], 'customer_id' );
		$service  = self::referenced( 'services', (int) $input['service_id'], 'service_id' );
		self::referenced( 'agents', (int) $input['agent_id'], 'agent_id' );
		if ( isset( $input['location_id'] ) ) {
			self::referenced( 'locations', (int) $input['location_id'], 'location_id' );
		}
		$status = $input['status'] ?? '';
		if ( '' === $status ) {
			$override = (string) ( $service['override_default_booking_status'] ?? '' );
			$status   = in_array( $override, Tables::BOOKING_STATUSES, true ) ? $override : 'approved';
		}
		$booking = array(
			'customer_id'     => (int) $customer['id'],
			'service_id'      => (int) $service['id'],
			'agent_id'        => (int) $input['agent_id'],
			'status'          => $status,
			'buffer_before'   => (int) $service['buffer_before'],
			'buffer_after'    => (int) $service['buffer_after'],
			'total_attendees' => (int) ( $input['total_attendees'] ?? 1 ),
		) + self::times( $input['start_date'], Tables::minutes( $input['start_time'] ), $service );

		$id = Tables::transaction(
			static function () use ( &$booking, $service, $input ) {
				$booking['location_id'] = isset( $input['location_id'] ) ? (int) $input['location_id'] : self::default_location_id( (int) $booking['agent_id'], (int) $booking['service_id'] );
				if ( in_array( $booking['status'], Tables::blocking_statuses(), true ) ) {
					self::check_slot( $booking, $service, null );
				}
				$now      = Tables::now();
				$price    = self::price( $service );
				$order_id = Tables::insert(
					'orders',
					array(
						'subtotal'           => $price,
						'total'              => $price,
						'status'             => 'open',
						'fulfillment_status' => 'not_fulfilled',
						'payment_status'     => 'not_paid',
						'source_id'          => 'api',
						'ip_address'         => substr( Request_Context::$client_ip, 0, 55 ),
						'customer_id'        => $booking['customer_id'],
						'customer_comment'   => $input['customer_comment'] ?? null,
						'confirmation_code'  => Tables::random_code(),
						'created_at'         => $now,
						'updated_at'         => $now,
					)
				);
				$item_id  = Tables::insert(
					'order_items',
					array(
						'order_id'   => $order_id,
						'variant'    => 'booking',
						'item_data'  => self::item_data( $booking, 0 ),
						'subtotal'   => $price,
						'total'      => $price,
						'created_at' => $now,
						'updated_at' => $now,
					)
				);
				$id       = Tables::insert(
					'bookings',
					$booking + array(
						'booking_code'  => Tables::random_code(),
						'order_item_id' => $item_id,
						'created_at'    => $now,
						'updated_at'    => $now,
					)
				);
				global $wpdb;
				Tables::check_write( $wpdb->update( Tables::name( 'order_items' ), array( 'item_data' => self::item_data( $booking, $id ) ), array( 'id' => $item_id ) ) );
				Tables::activity(
					'booking_created',
					/* translators: %d: booking id */
					sprintf( __( 'Booking #%d created', 'latepoint-api-keys' ), $id ),
					array( 'booking_id' => $id, 'order_id' => $order_id, 'order_item_id' => $item_id ) + array_intersect_key( $booking, array_flip( array( 'customer_id', 'agent_id', 'service_id', 'location_id' ) ) )
				);
				return $id;
			}
		);
		$presented = self::present( self::row( $id ) );
		if ( class_exists( 'OsBookingModel' ) ) {
			do_action( 'latepoint_booking_created', new \OsBookingModel( $id ) );
		}
		/**
		 * A booking was created through the API (after the transaction committed).
		 *
		 * @param array $booking The booking as the API presents it.
		 */
		do_action( 'lpapi_booking_created', $presented );
		return $presented;
	}

	/** Reschedules and/or changes status; returns the presented booking. */
	public static function update( int $id, array $input ): array {
		$old_row   = self::row( $id );
		$old_model = class_exists( 'OsBookingModel' ) ? new \OsBookingModel( $id ) : null;
		$service   = self::referenced( 'services', (int) $old_row['service_id'], 'service_id' );
		if ( isset( $input['agent_id'] ) ) {
			self::referenced( 'agents', (int) $input['agent_id'], 'agent_id' );
		}
		if ( isset( $input['location_id'] ) ) {
			self::referenced( 'locations', (int) $input['location_id'], 'location_id' );
		}
		$booking = array(
			'customer_id'     => (int) $old_row['customer_id'],
			'service_id'      => (int) $old_row['service_id'],
			'agent_id'        => (int) ( $input['agent_id'] ?? $old_row['agent_id'] ),
			'location_id'     => (int) ( $input['location_id'] ?? $old_row['location_id'] ),
			'status'          => (string) ( $input['status'] ?? $old_row['status'] ),
			'buffer_before'   => (int) $old_row['buffer_before'],
			'buffer_after'    => (int) $old_row['buffer_after'],
			'total_attendees' => (int) ( $input['total_attendees'] ?? ( $old_row['total_attendees'] ?? 1 ) ),
		);
		$moved = isset( $input['start_date'] ) || isset( $input['start_time'] );
		if ( $moved ) {
			$date     = (string) ( $input['start_date'] ?? $old_row['start_date'] );
			$start    = isset( $input['start_time'] ) ? Tables::minutes( $input['start_time'] ) : (int) $old_row['start_time'];
			$booking += self::times( $date, $start, array( 'duration' => $old_row['duration'] ?: $service['duration'] ) );
		} else {
			foreach ( array( 'start_date', 'end_date', 'start_time', 'end_time', 'duration', 'start_datetime_utc', 'end_datetime_utc' ) as $column ) {
				$booking[ $column ] = $old_row[ $column ];
			}
		}
		Tables::transaction(
			static function () use ( $id, $booking, $service, $old_row ) {
				global $wpdb;
				if ( in_array( $booking['status'], Tables::blocking_statuses(), true ) ) {
					self::check_slot( $booking, $service, $id );
				}
				$now = Tables::now();
				Tables::check_write( $wpdb->update( Tables::name( 'bookings' ), $booking + array( 'updated_at' => $now ), array( 'id' => $id ) ) );
				if ( $old_row['order_item_id'] ) {
					Tables::check_write( $wpdb->update( Tables::name( 'order_items' ), array( 'item_data' => self::item_data( $booking, $id ), 'updated_at' => $now ), array( 'id' => (int) $old_row['order_item_id'] ) ) );
				}
				Tables::activity(
					$booking['status'] !== $old_row['status'] ? 'booking_change_status' : 'booking_updated',
					/* translators: %d: booking id */
					sprintf( __( 'Booking #%d updated', 'latepoint-api-keys' ), $id ),
					array( 'booking_id' => $id, 'order_id' => (int) $old_row['order_id'], 'order_item_id' => (int) $old_row['order_item_id'] ) + array_intersect_key( $booking, array_flip( array( 'customer_id', 'agent_id', 'service_id', 'location_id' ) ) )
				);
			}
		);
		$presented = self::present( self::row( $id ) );
		if ( null !== $old_model ) {
			do_action( 'latepoint_booking_updated', new \OsBookingModel( $id ), $old_model );
		}
		/**
		 * A booking was changed through the API (after the transaction committed).
		 *
		 * @param array $booking     The booking as the API presents it now.
		 * @param array $old_booking As it was before.
		 */
		do_action( 'lpapi_booking_updated', $presented, self::present( $old_row ) );
		return $presented;
	}

	/** Deletes the booking, its order item, and its order when that is left empty; returns the deleted booking. */
	public static function delete( int $id ): array {
		$row = self::row( $id );
		do_action( 'latepoint_booking_will_be_deleted', $id );
		Tables::transaction(
			static function () use ( $id, $row ) {
				global $wpdb;
				Tables::check_write( $wpdb->delete( Tables::name( 'bookings' ), array( 'id' => $id ) ) );
				if ( $row['order_item_id'] ) {
					Tables::check_write( $wpdb->delete( Tables::name( 'order_items' ), array( 'id' => (int) $row['order_item_id'] ) ) );
				}
				if ( $row['order_id'] ) {
					$left = (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . Tables::name( 'order_items' ) . ' WHERE order_id = %d', (int) $row['order_id'] ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
					if ( 0 === $left ) {
						Tables::check_write( $wpdb->delete( Tables::name( 'orders' ), array( 'id' => (int) $row['order_id'] ) ) );
					}
				}
				Tables::activity(
					'booking_deleted',
					/* translators: %d: booking id */
					sprintf( __( 'Booking #%d deleted', 'latepoint-api-keys' ), $id ),
					array( 'booking_id' => $id, 'customer_id' => (int) $row['customer_id'], 'agent_id' => (int) $row['agent_id'], 'service_id' => (int) $row['service_id'], 'location_id' => (int) $row['location_id'] )
				);
			}
		);
		$presented = self::present( $row );
		/**
		 * A booking was deleted through the API (after the transaction committed).
		 *
		 * @param array $booking The booking as it was.
		 */
		do_action( 'lpapi_booking_deleted', $presented );
		return $presented;
	}
}
