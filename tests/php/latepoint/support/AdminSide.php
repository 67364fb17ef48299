<?php
/**
 * The baseline: each write done the way LatePoint's own admin does it, by running its admin controllers
 * in this process with the parameters its forms post.
 *
 * The controllers are LatePoint's (OsOrdersController, OsCustomersController); the subclasses below only
 * replace how a request reaches them: the parameters are given instead of read from $_POST (LatePoint's
 * OsParamsHelper caches the first request's in a static), the nonce check is skipped (the acting user is
 * an administrator, set with wp_set_current_user() and OsAuthHelper::set_current_user()), and send_json()
 * throws Admin_Response instead of wp_send_json()'s die.
 *
 * The parameters are built as the admin's forms fill them in (lib/views/orders/quick_edit.php with its
 * booking block, price breakdown and inline customer form; lib/views/customers/quick_edit.php):
 *
 *  - booking create: the order form of a new order for an existing customer, one booking item, status
 *    approved (the form's default), end time = start + the service's duration, the service's buffers;
 *    order[subtotal]/order[total] and price_breakdown[...] as the form holds them after it reloaded its
 *    price breakdown (OsOrderModel::generate_price_breakdown_rows with the booking as the item);
 *  - booking update (reschedule, status): the order form of the booking's order, every field as the
 *    form shows it, then the changed ones (a new start moves the end by the booking's duration);
 *  - booking delete: the order form's "Delete Order" button (OsOrdersController::destroy) on the
 *    booking's order, which holds only that booking. Of the admin's ways to delete an ordinary booking
 *    (LatePoint 5.0.15 has no booking-level delete) it is the one that removes the booking with its
 *    meta and process jobs, its order item, the order, the order's meta and jobs; the other, removing
 *    the item from the order form, leaves the booking's meta and jobs behind and keeps an empty order;
 *  - customers: the customer form's fields (first and last name, email, phone, notes, admin notes).
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

/** What a controller answered (send_json), thrown where LatePoint would die. */
final class Admin_Response extends \RuntimeException {

	/** @var array<string, mixed> */
	public $data;

	public function __construct(array $data) {
		parent::__construct('admin controller answered: ' . wp_json_encode($data));
		$this->data = $data;
	}
}

/** A controller that takes its parameters directly. */
trait Direct_Params {

	/** @var array<string, mixed> */
	private $lpsuite_params;

	public function __construct(array $params) {
		$this->lpsuite_params = $params;
		parent::__construct();
		$this->set_return_format('json');
	}

	public function get_params() {
		return $this->lpsuite_params;
	}

	public function check_nonce($action) {
	}

	public function send_json($data, $status_code = null) {
		if (!empty($this->fields_to_update)) {
			$data['fields_to_update'] = $this->fields_to_update;
		}
		throw new Admin_Response((array) $data);
	}
}

final class Admin_Orders_Controller extends \OsOrdersController {
	use Direct_Params;
}

final class Admin_Customers_Controller extends \OsCustomersController {
	use Direct_Params;
}

final class Admin_Activities_Controller extends \OsActivitiesController {
	use Direct_Params;
}

final class AdminSide {

	/** Makes the stack's administrator the acting user, for WordPress and for LatePoint's cached user. */
	public static function act_as_admin(): int {
		$login = getenv('LPAPI_ADMIN_USER') ?: 'admin';
		$user  = get_user_by('login', $login);
		if (!$user) {
			$admins = get_users(array('role' => 'administrator', 'number' => 1, 'orderby' => 'ID'));
			$user   = $admins[0] ?? null;
		}
		if (!$user) {
			throw new \RuntimeException('no administrator on this site');
		}
		wp_set_current_user((int) $user->ID);
		\OsAuthHelper::set_current_user();
		return (int) $user->ID;
	}

	/**
	 * What one admin write posts, to which controller action. $action: create_booking, update_booking,
	 * delete_booking, create_customer, update_customer, delete_customer. Built before the recording
	 * starts: reading the models to fill the form in is the form's page load, not the write.
	 *
	 * @return array{controller: class-string, method: string, params: array<string, mixed>, total_attendees?: int}
	 */
	public static function plan(string $action, array $args): array {
		switch ($action) {
			case 'create_booking':
				// The free admin has no attendees field: a group booking of more than one gets its
				// total_attendees from LatePoint's model afterwards (for preparing availability cases).
				return array('controller' => Admin_Orders_Controller::class, 'method' => 'create', 'params' => self::new_order_params($args), 'total_attendees' => (int) ($args['total_attendees'] ?? 1));
			case 'update_booking':
				return array('controller' => Admin_Orders_Controller::class, 'method' => 'update', 'params' => self::edit_order_params((int) $args['booking_id'], $args['changes'] ?? array()));
			case 'delete_booking':
				$booking = new \OsBookingModel((int) $args['booking_id']);
				$item    = new \OsOrderItemModel((int) $booking->order_item_id);
				return array('controller' => Admin_Orders_Controller::class, 'method' => 'destroy', 'params' => array('id' => (string) $item->order_id));
			case 'create_customer':
				return array('controller' => Admin_Customers_Controller::class, 'method' => 'create', 'params' => array('customer' => self::customer_form(new \OsCustomerModel(), $args['fields'] ?? array())));
			case 'update_customer':
				$customer = new \OsCustomerModel((int) $args['customer_id']);
				return array('controller' => Admin_Customers_Controller::class, 'method' => 'update', 'params' => array('customer' => self::customer_form($customer, $args['fields'] ?? array())));
			case 'delete_customer':
				return array('controller' => Admin_Customers_Controller::class, 'method' => 'destroy', 'params' => array('id' => (string) (int) $args['customer_id']));
		}
		throw new \InvalidArgumentException("unknown admin action {$action}");
	}

	/**
	 * Runs a plan: the controller is made and its action called, as LatePoint's router does.
	 *
	 * @param array{controller: class-string, method: string, params: array<string, mixed>} $plan
	 * @return array{status: string, message: mixed, params: array<string, mixed>}
	 */
	public static function run(array $plan): array {
		$class      = $plan['controller'];
		$method     = $plan['method'];
		$controller = new $class($plan['params']);
		try {
			$controller->$method();
			$answer = array('status' => 'no answer', 'message' => null);
		} catch (Admin_Response $response) {
			$answer = array('status' => (string) ($response->data['status'] ?? ''), 'message' => $response->data['message'] ?? null);
		}
		if (($plan['total_attendees'] ?? 1) > 1 && LATEPOINT_STATUS_SUCCESS === $answer['status']) {
			global $wpdb;
			$booking = new \OsBookingModel((int) $wpdb->get_var('SELECT MAX(id) FROM ' . LATEPOINT_TABLE_BOOKINGS));
			$booking->update_attributes(array('total_attendees' => $plan['total_attendees']));
		}
		return $answer + array('params' => $plan['params']);
	}

	/**
	 * LatePoint's Activities screens as its admin renders them in PHP: the list, and each activity's
	 * view (what the list's "view" link opens), by activity id.
	 *
	 * The PHP messages rendering raises are returned ("messages"), not logged: the test compares them
	 * with those of LatePoint's own activities (its Activities view has warnings of its own).
	 *
	 * @param int[] $ids
	 * @return array{list: string, views: array<int, string>, messages: string[]}
	 */
	public static function activity_screens(array $ids): array {
		$messages = array();
		set_error_handler(static function (int $level, string $message, string $file, int $line) use (&$messages): bool {
			$messages[] = "{$message} in {$file} on line {$line}";
			return true;
		});
		try {
			return self::render_activity_screens($ids) + array('messages' => &$messages);
		} finally {
			restore_error_handler();
		}
	}

	/** @param int[] $ids */
	private static function render_activity_screens(array $ids): array {
		$render = static function (string $method, array $params): string {
			try {
				(new Admin_Activities_Controller($params))->$method();
			} catch (Admin_Response $response) {
				return (string) ($response->data['message'] ?? '');
			}
			return '';
		};
		$views = array();
		foreach ($ids as $id) {
			$views[ (int) $id ] = $render('view', array('id' => (string) $id));
		}
		return array('list' => $render('index', array()), 'views' => $views);
	}

	// ------------------------------------------------------------------------------------ the order form

	/**
	 * The order form of a new order: $spec has customer_id, service_id, agent_id, location_id,
	 * start_date (Y-m-d), start_time (HH:MM) and optionally status; for a new customer, customer_id ''
	 * and customer (the fields the form's new-customer part is filled in with).
	 */
	private static function new_order_params(array $spec): array {
		$booking = \OsBookingHelper::prepare_new_from_params(array(
			'customer_id' => $spec['customer_id'],
			'service_id'  => $spec['service_id'],
			'agent_id'    => $spec['agent_id'],
			'location_id' => $spec['location_id'],
			'start_date'  => $spec['start_date'],
			'start_time'  => self::minutes($spec['start_time']),
		));
		$booking->duration = $booking->service->duration;
		if (!empty($spec['status'])) {
			$booking->status = $spec['status'];
		}

		$order                     = new \OsOrderModel();
		$order->customer_id        = $spec['customer_id'];
		$order->status             = \OsOrdersHelper::get_default_order_status();
		$order->fulfillment_status = $order->get_default_fulfillment_status();
		$item                      = new \OsOrderItemModel();
		$item->variant             = LATEPOINT_ITEM_VARIANT_BOOKING;
		$item->item_data           = $booking->generate_item_data();
		$order->items              = array($item);
		// What the form holds once it reloaded its price breakdown (OsOrdersController::reload_price_breakdown).
		$order->subtotal = $order->recalculate_subtotal();
		$order->total    = $order->recalculate_total();
		$rows            = $order->generate_price_breakdown_rows(array('balance', 'payments'), true);

		return array(
			'order'           => self::order_fields($order),
			'customer'        => self::customer_fields(new \OsCustomerModel((int) $spec['customer_id']), $spec['customer'] ?? array()),
			'order_items'     => array(
				'new_lpsuite_item' => array(
					'variant'  => LATEPOINT_ITEM_VARIANT_BOOKING,
					'bookings' => array('new_lpsuite_booking' => self::booking_fields($booking, 'new_lpsuite_booking')),
				),
			),
			'price_breakdown' => self::price_breakdown_fields($rows),
		);
	}

	/** The order form of the booking's order, with $changes (start_date, start_time, status, agent_id, location_id). */
	private static function edit_order_params(int $booking_id, array $changes): array {
		$booking = new \OsBookingModel($booking_id);
		if ($booking->is_new_record()) {
			throw new \RuntimeException("no booking {$booking_id}");
		}
		$item  = new \OsOrderItemModel((int) $booking->order_item_id);
		$order = new \OsOrderModel((int) $item->order_id);
		$rows  = $order->generate_price_breakdown_rows();

		foreach (array('status', 'agent_id', 'location_id', 'start_date') as $field) {
			if (array_key_exists($field, $changes)) {
				$booking->$field = $changes[ $field ];
			}
		}
		if (array_key_exists('start_time', $changes)) {
			$booking->start_time = self::minutes($changes['start_time']);
		}
		if (array_key_exists('start_time', $changes) || array_key_exists('start_date', $changes)) {
			// The form moves the end with the start: start + the booking's duration.
			$booking->end_time = $booking->calculate_end_time();
			$booking->end_date = $booking->calculate_end_date();
		}

		return array(
			'order'           => self::order_fields($order),
			'customer'        => self::customer_fields(new \OsCustomerModel((int) $order->customer_id), array()),
			'order_items'     => array(
				(string) $item->id => array(
					'variant'  => (string) $item->variant,
					'bookings' => array((string) $booking->id => self::booking_fields($booking, (string) $booking->id)),
				),
			),
			'price_breakdown' => self::price_breakdown_fields($rows),
		);
	}

	private static function order_fields(\OsOrderModel $order): array {
		$fields = array(
			'id'                 => $order->is_new_record() ? '' : (string) $order->id,
			'customer_id'        => (string) $order->customer_id,
			'status'             => (string) $order->status,
			'fulfillment_status' => (string) $order->fulfillment_status,
			'subtotal'           => \OsMoneyHelper::to_money_field_format($order->get_subtotal() ?? 0),
			'total'              => \OsMoneyHelper::to_money_field_format($order->get_total() ?? 0),
		);
		if (!empty($order->customer_comment)) {
			$fields['customer_comment'] = (string) $order->customer_comment;
		}
		return $fields;
	}

	/** One booking block of the order form (lib/views/bookings/_booking_data.php). */
	private static function booking_fields(\OsBookingModel $booking, string $form_id): array {
		return array(
			'service_id'           => (string) $booking->service_id,
			'duration'             => (string) $booking->duration,
			'location_id'          => (string) $booking->location_id,
			'agent_id'             => (string) $booking->agent_id,
			'status'               => (string) $booking->status,
			'start_date_formatted' => $booking->format_start_date(),
			'start_time'           => self::time_field((int) $booking->start_time),
			'end_time'             => self::time_field((int) $booking->end_time),
			'buffer_before'        => (string) $booking->buffer_before,
			'buffer_after'         => (string) $booking->buffer_after,
			'order_item_id'        => (string) ($booking->order_item_id ?? ''),
			'id'                   => $booking->is_new_record() ? '' : (string) $booking->id,
			'form_id'              => $form_id,
		);
	}

	/** A time input of the forms (OsFormHelper::time_field): "HH:MM" plus am/pm on a 12-hour clock. */
	private static function time_field(int $minutes): array {
		$field = array('formatted_value' => \OsTimeHelper::minutes_to_hours_and_minutes($minutes, false, false));
		if (!\OsTimeHelper::is_army_clock()) {
			$field['ampm'] = \OsTimeHelper::am_or_pm($minutes);
		}
		return $field;
	}

	/** The inputs _price_breakdown.php prints for the before/after-subtotal rows (the row keys are random there). */
	private static function price_breakdown_fields(array $rows): array {
		$fields = array();
		foreach (array('before_subtotal', 'after_subtotal') as $group) {
			foreach ($rows[ $group ] ?? array() as $i => $row) {
				$fields[ $group ][ 'r' . $i ] = self::price_row_fields($row);
			}
		}
		return $fields;
	}

	private static function price_row_fields(array $row): array {
		$fields = array();
		if (!empty($row['items'])) {
			$fields['heading'] = (string) ($row['heading'] ?? '');
			foreach ($row['items'] as $i => $item) {
				$fields['items'][ 'i' . $i ] = self::price_row_fields($item);
			}
		} else {
			$fields['value'] = \OsMoneyHelper::to_money_field_format($row['raw_value'] ?? 0);
			foreach (array('label', 'style', 'type', 'note', 'badge') as $key) {
				$fields[ $key ] = (string) ($row[ $key ] ?? '');
			}
		}
		foreach ($row['sub_items'] ?? array() as $i => $sub) {
			$fields['sub_items'][ 's' . $i ] = self::price_row_fields($sub);
		}
		return $fields;
	}

	// ------------------------------------------------------------------------------------ the customer form

	/** The customer form (lib/views/customers/quick_edit.php): its avatar and id fields, and the rest. */
	private static function customer_form(\OsCustomerModel $customer, array $changes): array {
		return array('avatar_image_id' => (string) ($customer->avatar_image_id ?? '')) + self::customer_fields($customer, $changes)
			+ array('id' => $customer->is_new_record() ? '' : (string) $customer->id);
	}

	/** The customer fields of the forms (the order form's inline customer form has the same, without avatar). */
	private static function customer_fields(\OsCustomerModel $customer, array $changes): array {
		$fields = array();
		foreach (array('first_name', 'last_name', 'email', 'phone', 'notes', 'admin_notes') as $field) {
			$fields[ $field ] = array_key_exists($field, $changes) ? (string) $changes[ $field ] : (string) ($customer->$field ?? '');
		}
		return $fields;
	}

	/** "HH:MM" to minutes after midnight. */
	public static function minutes(string $time): int {
		if (!preg_match('/^(\d{1,2}):(\d{2})$/', $time, $m)) {
			throw new \InvalidArgumentException("not a time: {$time}");
		}
		return 60 * (int) $m[1] + (int) $m[2];
	}
}
