<?php
/**
 * The LatePoint records of the API as JSON Schemas, field for field as the
 * presenters build them: Bookings::present (+ Booking_Embeds),
 * Customers::present_all (+ Customer_Fields, Customer_Stats),
 * Catalog::present_agent and present_service (+ Service_Embeds),
 * Locations::present, Orders::present (items, their bookings, transactions),
 * the slots of Availability and the schedule of Availability_Controller.
 * Schemas::record() gives the shorthand of the field types.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Rest;

defined( 'ABSPATH' ) || exit;

/**
 * LatePoint record schemas.
 */
final class Schemas_Records {

	/** @return array<string, array> */
	public static function latepoint(): array {
		$location = self::location();
		$stamps   = array(
			'created_at' => '?date-time',
			'updated_at' => '?date-time',
		);
		return array(
			'Booking'          => Schemas::record(
				self::booking(),
				array(
					'customer' => Schemas::nullable( Schemas::ref( 'BookingCustomer' ) ),
					'agent'    => Schemas::nullable( Schemas::ref( 'Agent' ) ),
					'service'  => Schemas::nullable( Schemas::ref( 'Service' ) ),
					'location' => Schemas::nullable( Schemas::ref( 'BookingLocation' ) ),
				),
				'A booking. include=customer,agent,service,location embeds those records (null when gone).'
			),
			'BookingLocation'  => Schemas::record( array_diff_key( $location, array( 'category' => true ) ), array(), 'A location as a booking embeds it (include=location).' ),
			'Customer'         => Schemas::record( self::customer(), array(), 'A customer, with its custom fields and booking and payment figures.' ),
			'BookingCustomer'  => Schemas::record( array_diff_key( self::customer(), array( 'custom_fields' => true, 'stats' => true ) ), array(), 'A customer as a booking embeds it (include=customer).' ),
			'CustomerStats'    => Schemas::record(
				array(
					'bookings_count'       => 'integer',
					'next_booking'         => Schemas::nullable( Schemas::ref( 'BookingSummary' ) ),
					'last_booking'         => Schemas::nullable( Schemas::ref( 'BookingSummary' ) ),
					'total_paid'           => 'decimal',
					'total_paid_formatted' => 'string',
				)
			),
			'BookingSummary'   => Schemas::record(
				array(
					'id'                 => 'integer',
					'status'             => 'string',
					'service_id'         => 'integer',
					'agent_id'           => 'integer',
					'location_id'        => '?integer',
					'start_date'         => '?date',
					'start_time'         => '?time',
					'end_date'           => '?date',
					'end_time'           => '?time',
					'start_datetime_utc' => '?date-time',
				)
			),
			'Agent'            => Schemas::record( self::agent(), array(), 'An agent (never the password).' ),
			'Service'          => Schemas::record(
				self::service(),
				array(
					'agents'    => array( 'type' => 'array', 'items' => Schemas::ref( 'Agent' ) ),
					'locations' => array( 'type' => 'array', 'items' => Schemas::ref( 'Location' ) ),
					'category'  => Schemas::nullable( Schemas::ref( 'ServiceCategory' ) ),
				),
				'A service. include=agents,locations,category embeds those records.'
			),
			'ServiceCategory'  => Schemas::record(
				array(
					'id'                => 'integer',
					'name'              => 'string',
					'short_description' => 'string',
					'parent_id'         => '?integer',
					'order_number'      => '?integer',
				)
			),
			'Location'         => Schemas::record( $location, array(), 'A location, with its category.' ),
			'Order'            => Schemas::record( self::order(), array(), 'An order with its items (and their bookings) and transactions.' ),
			'OrderItem'        => Schemas::record(
				array(
					'id'              => 'integer',
					'variant'         => 'string',
					'subtotal'        => '?decimal',
					'total'           => '?decimal',
					'tax_total'       => '?decimal',
					'coupon_code'     => '?string',
					'coupon_discount' => '?decimal',
					'bookings'        => array( 'type' => 'array', 'items' => Schemas::ref( 'OrderBooking' ) ),
				) + $stamps
			),
			'OrderBooking'     => Schemas::record(
				array(
					'id'           => 'integer',
					'booking_code' => '?string',
					'status'       => 'string',
					'service_id'   => 'integer',
					'agent_id'     => 'integer',
					'location_id'  => '?integer',
					'start_date'   => '?date',
					'start_time'   => '?time',
				)
			),
			'Transaction'      => Schemas::record(
				array(
					'id'              => 'integer',
					'amount'          => '?decimal',
					'payment_method'  => '?string',
					'processor'       => '?string',
					'payment_portion' => '?string',
					'kind'            => '?string',
					'status'          => '?string',
					'token'           => '?string',
					'notes'           => 'string',
				) + $stamps
			),
			'Slot'             => Schemas::record( self::slot(), array(), 'A start an agent can take at a location.' ),
			'FreeAgent'        => Schemas::record( self::slot(), array( 'agent' => Schemas::ref( 'Agent' ) ), 'The slot of one agent and location at the asked start; include=agent embeds the agent.' ),
			'Schedule'         => Schemas::record(
				array(
					'agent_id'     => 'integer',
					'service_id'   => '?integer',
					'location_id'  => '?integer',
					'timezone'     => 'string',
					'weekly'       => array(
						'type'  => 'array',
						'items' => Schemas::record(
							array(
								'week_day' => array( 'type' => 'integer', 'minimum' => 1, 'maximum' => 7 ),
								'day'      => array( 'type' => 'string', 'enum' => array_values( Availability_Controller::DAYS ) ),
								'day_off'  => 'boolean',
								'periods'  => self::periods(),
							)
						),
					),
					'custom_dates' => array(
						'type'  => 'array',
						'items' => Schemas::record(
							array(
								'date'    => 'date',
								'day_off' => 'boolean',
								'periods' => self::periods(),
							)
						),
					),
				),
				array(),
				'An agent\'s working hours, resolved for a service and location.'
			),
		);
	}

	private static function booking(): array {
		return array(
			'id'                 => 'integer',
			'booking_code'       => '?string',
			'confirmation_code'  => '?string',
			'status'             => array( 'type' => 'string', 'description' => 'LatePoint\'s booking status: approved, pending, payment_pending, cancelled, no_show, completed, or one a site defines.' ),
			'customer_id'        => 'integer',
			'service_id'         => 'integer',
			'agent_id'           => 'integer',
			'location_id'        => '?integer',
			'order_id'           => '?integer',
			'order_item_id'      => '?integer',
			'start_date'         => '?date',
			'start_time'         => '?time',
			'end_date'           => '?date',
			'end_time'           => '?time',
			'start_datetime_utc' => '?date-time',
			'end_datetime_utc'   => '?date-time',
			'duration'           => '?integer',
			'buffer_before'      => 'integer',
			'buffer_after'       => 'integer',
			'total_attendees'    => 'integer',
			'price'              => '?decimal',
			'total'              => '?decimal',
			'payment_status'     => '?string',
			'customer_comment'   => 'string',
			'created_at'         => '?date-time',
			'updated_at'         => '?date-time',
		);
	}

	private static function customer(): array {
		return array(
			'id'                => 'integer',
			'first_name'        => 'string',
			'last_name'         => 'string',
			'full_name'         => 'string',
			'email'             => '?string',
			'phone'             => 'string',
			'status'            => '?string',
			'is_guest'          => 'boolean',
			'wordpress_user_id' => '?integer',
			'notes'             => 'string',
			'admin_notes'       => 'string',
			'created_at'        => '?date-time',
			'updated_at'        => '?date-time',
			'custom_fields'     => array(
				'type'                 => 'object',
				'description'          => 'Custom field id => value (null when unset), for the fields defined in LatePoint.',
				'additionalProperties' => array( 'type' => array( 'string', 'null' ) ),
			),
			'stats'             => Schemas::nullable( Schemas::ref( 'CustomerStats' ) ),
		);
	}

	private static function agent(): array {
		return array(
			'id'              => 'integer',
			'first_name'      => 'string',
			'last_name'       => 'string',
			'display_name'    => 'string',
			'full_name'       => 'string',
			'title'           => 'string',
			'bio'             => 'string',
			'email'           => 'string',
			'phone'           => 'string',
			'status'          => Schemas::catalog_status(),
			'avatar_image_id' => '?integer',
			'wp_user_id'      => '?integer',
			'created_at'      => '?date-time',
			'updated_at'      => '?date-time',
		);
	}

	private static function service(): array {
		$money = array( 'type' => array( 'string', 'null' ), 'description' => 'As LatePoint shows it (currency, separators), or null.' );
		return array(
			'id'                              => 'integer',
			'name'                            => 'string',
			'short_description'               => 'string',
			'status'                          => Schemas::catalog_status(),
			'visibility'                      => '?string',
			'category_id'                     => '?integer',
			'duration'                        => 'integer',
			'duration_name'                   => 'string',
			'buffer_before'                   => 'integer',
			'buffer_after'                    => 'integer',
			'timeblock_interval'              => 'integer',
			'capacity_min'                    => 'integer',
			'capacity_max'                    => 'integer',
			'is_price_variable'               => 'boolean',
			'price_min'                       => '?decimal',
			'price_max'                       => '?decimal',
			'charge_amount'                   => '?decimal',
			'deposit_amount'                  => '?decimal',
			'prices_formatted'                => Schemas::record(
				array(
					'price_min'         => $money,
					'price_max'         => $money,
					'charge_amount'     => $money,
					'deposit_amount'    => $money,
					'display'           => $money,
					'is_starting_price' => 'boolean',
				)
			),
			'is_deposit_required'             => 'boolean',
			'override_default_booking_status' => '?string',
			'bg_color'                        => 'string',
			'order_number'                    => '?integer',
			'created_at'                      => '?date-time',
			'updated_at'                      => '?date-time',
		);
	}

	private static function location(): array {
		return array(
			'id'           => 'integer',
			'name'         => 'string',
			'full_address' => 'string',
			'status'       => Schemas::catalog_status(),
			'category_id'  => '?integer',
			'category'     => Schemas::nullable( Schemas::record( array( 'id' => 'integer', 'name' => 'string' ) ) ),
			'order_number' => '?integer',
			'created_at'   => '?date-time',
			'updated_at'   => '?date-time',
		);
	}

	private static function order(): array {
		return array(
			'id'                 => 'integer',
			'confirmation_code'  => '?string',
			'customer_id'        => 'integer',
			'status'             => '?string',
			'payment_status'     => '?string',
			'fulfillment_status' => '?string',
			'subtotal'           => '?decimal',
			'total'              => '?decimal',
			'tax_total'          => '?decimal',
			'coupon_code'        => '?string',
			'coupon_discount'    => '?decimal',
			'total_paid'         => 'decimal',
			'balance_due'        => 'decimal',
			'price_breakdown'    => array( 'type' => array( 'object', 'array', 'null' ), 'description' => 'LatePoint\'s price breakdown, as it stores it.' ),
			'customer_comment'   => 'string',
			'source_url'         => '?string',
			'items'              => array( 'type' => 'array', 'items' => Schemas::ref( 'OrderItem' ) ),
			'transactions'       => array( 'type' => 'array', 'items' => Schemas::ref( 'Transaction' ) ),
			'created_at'         => '?date-time',
			'updated_at'         => '?date-time',
		);
	}

	private static function slot(): array {
		return array(
			'start_date'         => 'date',
			'start_time'         => 'time',
			'end_time'           => 'time',
			'start_datetime'     => array( 'type' => 'string', 'format' => 'date-time', 'description' => 'Site-local, with its offset.' ),
			'start_datetime_utc' => 'date-time',
			'service_id'         => 'integer',
			'agent_id'           => 'integer',
			'location_id'        => 'integer',
			'capacity_left'      => 'integer',
		);
	}

	private static function periods(): array {
		return array(
			'type'  => 'array',
			'items' => Schemas::record(
				array(
					'start_time' => 'time',
					'end_time'   => 'time',
				)
			),
		);
	}
}
