<?php
/**
 * The stand-in LatePoint model classes (see latepoint-models.php, which loads this file only where
 * real LatePoint is not there).
 */

const LPAPI_STAND_IN_MODELS = true;

#[AllowDynamicProperties]
abstract class OsModel
{
	public $id;
	/** @var string[] */
	protected $validation_errors = [];
	/** @var string */
	protected $table_name = '';

	public function __construct($id = false)
	{
		if ($id) {
			$this->load_by_id($id);
		}
	}

	abstract protected function table(): string;

	/** @return string[] */
	abstract protected function allowed_params(): array;

	/** @return array<string, string[]> */
	protected function properties_to_validate(): array
	{
		return [];
	}

	protected function before_save(): void
	{
	}

	protected function before_create(): void
	{
	}

	protected function after_data_was_set(): void
	{
	}

	public static function table_of(string $name): string
	{
		global $wpdb;
		return $wpdb->prefix . 'latepoint_' . $name;
	}

	public function load_by_id($id)
	{
		global $wpdb;
		$row = $wpdb->get_row($wpdb->prepare('SELECT * FROM ' . $this->table() . ' WHERE id = %d', (int) $id), ARRAY_A);
		foreach ($row ?: [] as $column => $value) {
			$this->$column = $value;
		}
		return $this;
	}

	public function is_new_record(): bool
	{
		return empty($this->id);
	}

	public function set_data($data)
	{
		do_action('latepoint_model_prepare_set_data', $this, $data);
		foreach ($this->allowed_params() as $param) {
			if (isset($data[$param])) {
				$value        = is_string($data[$param]) ? sanitize_text_field($data[$param]) : $data[$param];
				$this->$param = $value === '' && substr($param, -3) === '_id' ? 0 : $value; // an empty id field is 0, as LatePoint stores it
			}
		}
		do_action('latepoint_model_set_data', $this, $data);
		$this->after_data_was_set();
		return $this;
	}

	public function validate($alternative_validation = false, $skip_properties = []): bool
	{
		$this->validation_errors = [];
		foreach ($this->properties_to_validate() as $property => $rules) {
			if (in_array($property, (array) $skip_properties, true)) {
				continue;
			}
			foreach ($rules as $rule) {
				$value = $this->$property ?? null;
				if ($rule === 'presence' && empty($value)) {
					$this->validation_errors[] = ucwords(str_replace('_', ' ', $property)) . ' can not be blank';
				} elseif ($rule === 'email' && !is_email((string) $value)) {
					$this->validation_errors[] = ucwords(str_replace('_', ' ', $property)) . ' is not valid';
				} elseif ($rule === 'uniqueness' && !empty($value)) {
					global $wpdb;
					$other = $wpdb->get_var($wpdb->prepare('SELECT id FROM ' . $this->table() . " WHERE {$property} = %s AND id <> %d", $value, (int) $this->id));
					if ($other) {
						$this->validation_errors[] = ucwords(str_replace('_', ' ', $property)) . ' has to be unique';
					}
				}
			}
		}
		do_action('latepoint_model_validate', $this, $alternative_validation, $skip_properties);
		return !$this->validation_errors;
	}

	/** @return string[] */
	public function get_error_messages($code = false): array
	{
		return $this->validation_errors;
	}

	public function has_validation_error(): bool
	{
		return (bool) $this->validation_errors;
	}

	public function save(): bool
	{
		global $wpdb;
		$this->before_save();
		if (!$this->validate()) {
			return false;
		}
		$this->updated_at = current_time('mysql');
		$row              = [];
		if ($this->is_new_record()) {
			$this->before_create();
			$this->created_at = $this->updated_at;
		}
		foreach (array_merge($this->allowed_params(), $this->saved_only(), ['created_at', 'updated_at']) as $column) {
			if (property_exists($this, $column) && $column !== 'id') {
				$row[$column] = $this->$column;
			}
		}
		if ($this->is_new_record()) {
			if (false === $wpdb->insert($this->table(), $row)) {
				$this->validation_errors[] = $wpdb->last_error;
				return false;
			}
			$this->id = $wpdb->insert_id;
		} elseif (false === $wpdb->update($this->table(), $row, ['id' => (int) $this->id])) {
			$this->validation_errors[] = $wpdb->last_error;
			return false;
		}
		do_action('latepoint_model_save', $this);
		return true;
	}

	/** @return string[] columns saved that set_data() does not set */
	protected function saved_only(): array
	{
		return [];
	}

	public function delete($id = false): bool
	{
		global $wpdb;
		$id     = $id ?: $this->id;
		$result = $wpdb->delete($this->table(), ['id' => (int) $id]);
		if ($result) {
			do_action('latepoint_model_deleted', $this, $id);
		}
		return (bool) $result;
	}

	public function get_data_vars(): array
	{
		$vars = [];
		foreach (array_merge(['id'], $this->allowed_params()) as $param) {
			$vars[$param] = $this->$param ?? null;
		}
		return $vars;
	}

	public function __get($property)
	{
		return null;
	}
}

final class OsBookingModel extends OsModel
{
	protected function table(): string
	{
		return self::table_of('bookings');
	}

	protected function allowed_params(): array
	{
		return ['service_id', 'booking_code', 'agent_id', 'customer_id', 'location_id', 'start_date', 'end_date', 'start_time', 'end_time',
			'start_datetime_utc', 'end_datetime_utc', 'buffer_before', 'duration', 'buffer_after', 'total_attendees', 'order_item_id', 'status'];
	}

	protected function properties_to_validate(): array
	{
		$presence = ['presence'];
		return ['order_item_id' => $presence, 'service_id' => $presence, 'agent_id' => $presence, 'location_id' => $presence,
			'customer_id' => $presence, 'start_date' => $presence, 'end_date' => $presence, 'status' => $presence];
	}

	protected function after_data_was_set(): void
	{
		if (empty($this->end_time) && isset($this->start_time, $this->duration)) {
			$this->end_time = (int) $this->start_time + (int) $this->duration;
		}
		if (empty($this->end_date) && !empty($this->start_date)) {
			$this->end_date = $this->start_date;
		}
	}

	protected function before_save(): void
	{
		if (empty($this->booking_code)) {
			$this->booking_code = strtoupper(wp_generate_password(7, false));
		}
		if (empty($this->status)) {
			$this->status = OsBookingHelper::get_default_booking_status($this->service_id);
		}
		if (empty($this->total_attendees)) {
			$this->total_attendees = 1;
		}
	}

	public function set_utc_datetimes(): void
	{
		if (empty($this->start_date) || empty($this->end_date) || empty($this->start_time) || empty($this->end_time)) {
			return;
		}
		$zone = wp_timezone();
		$utc  = new DateTimeZone('UTC');
		foreach (['start', 'end'] as $side) {
			$minutes = (int) $this->{$side . '_time'};
			$local   = new DateTimeImmutable(sprintf('%s %02d:%02d:00', $this->{$side . '_date'}, intdiv($minutes, 60), $minutes % 60), $zone);
			$this->{$side . '_datetime_utc'} = $local->setTimezone($utc)->format('Y-m-d H:i:s');
		}
	}

	public function generate_item_data(): string
	{
		$keys = ['id', 'customer_id', 'agent_id', 'location_id', 'service_id', 'start_date', 'start_time', 'end_date', 'end_time', 'status',
			'buffer_before', 'buffer_after', 'duration'];
		$data = [];
		foreach ($keys as $key) {
			$data[$key] = $this->$key ?? null;
		}
		return (string) wp_json_encode($data);
	}

	public function delete($id = false): bool
	{
		global $wpdb;
		$id = $id ?: $this->id;
		$wpdb->delete(self::table_of('booking_meta'), ['object_id' => (int) $id]);
		$wpdb->delete(self::table_of('process_jobs'), ['object_id' => (int) $id, 'object_model_type' => 'booking']);
		return parent::delete($id);
	}
}

final class OsOrderModel extends OsModel
{
	/** @var OsOrderItemModel[] */
	public $items;

	protected function table(): string
	{
		return self::table_of('orders');
	}

	protected function allowed_params(): array
	{
		return ['subtotal', 'total', 'status', 'fulfillment_status', 'payment_status', 'source_id', 'confirmation_code', 'source_url',
			'customer_id', 'customer_comment', 'coupon_code', 'coupon_discount', 'tax_total'];
	}

	protected function saved_only(): array
	{
		return ['price_breakdown'];
	}

	protected function properties_to_validate(): array
	{
		return ['customer_id' => ['presence'], 'status' => ['presence']];
	}

	protected function before_save(): void
	{
		$this->confirmation_code  = $this->confirmation_code ?: strtoupper(wp_generate_password(7, false));
		$this->payment_status     = $this->payment_status ?: 'not_paid';
		$this->fulfillment_status = $this->fulfillment_status ?: 'not_fulfilled';
		$this->status             = $this->status ?: 'open';
		$this->source_url         = $this->source_url ?? '';
		$this->coupon_discount    = $this->coupon_discount ?? 0;
		$this->tax_total          = $this->tax_total ?? 0;
	}

	/** @return OsOrderItemModel[] */
	public function get_items(bool $pull_from_db = false): array
	{
		global $wpdb;
		if (!isset($this->items) || ($pull_from_db && $this->id)) {
			$ids         = $wpdb->get_col($wpdb->prepare('SELECT id FROM ' . self::table_of('order_items') . ' WHERE order_id = %d ORDER BY id', (int) $this->id));
			$this->items = array_map(static fn ($id) => new OsOrderItemModel((int) $id), $ids);
		}
		return $this->items;
	}

	public function get_subtotal()
	{
		return $this->subtotal ?? null;
	}

	public function get_total()
	{
		return $this->total ?? null;
	}

	public function recalculate_subtotal(): string
	{
		return $this->recalculate_total();
	}

	public function recalculate_total(): string
	{
		$sum = 0.0;
		foreach ($this->get_items() as $item) {
			$sum += (float) $item->full_amount_to_charge();
		}
		return number_format($sum, 4, '.', '');
	}

	public function generate_price_breakdown_rows(array $rows_to_hide = [], bool $force_recalculate = false): array
	{
		$items = [];
		foreach ($this->get_items() as $item) {
			$amount  = $item->full_amount_to_charge();
			$items[] = ['label' => 'Service', 'value' => '$' . number_format((float) $amount, 2), 'raw_value' => $amount];
		}
		$rows = ['before_subtotal' => [['heading' => 'Service', 'items' => $items, 'sub_items' => []]], 'subtotal' => [], 'after_subtotal' => [],
			'total' => ['label' => 'Total', 'raw_value' => $this->recalculate_total()], 'payments' => [], 'balance' => []];
		return array_diff_key($rows, array_flip($rows_to_hide));
	}

	public function delete($id = false): bool
	{
		global $wpdb;
		$id = $id ?: $this->id;
		foreach ((new self($id))->get_items(true) as $item) {
			$bookings = $wpdb->get_col($wpdb->prepare('SELECT id FROM ' . self::table_of('bookings') . ' WHERE order_item_id = %d', (int) $item->id));
			foreach ($bookings as $booking_id) {
				do_action('latepoint_booking_will_be_deleted', $booking_id); // the id as read from the database, as LatePoint passes it
				(new OsBookingModel((int) $booking_id))->delete();
			}
		}
		$wpdb->delete(self::table_of('order_items'), ['order_id' => (int) $id]);
		$wpdb->delete(self::table_of('order_meta'), ['object_id' => (int) $id]);
		$wpdb->delete(self::table_of('process_jobs'), ['object_id' => (int) $id, 'object_model_type' => 'order']);
		return parent::delete($id);
	}
}

final class OsOrderItemModel extends OsModel
{
	protected function table(): string
	{
		return self::table_of('order_items');
	}

	protected function allowed_params(): array
	{
		return ['order_id', 'variant', 'item_data', 'subtotal', 'total', 'coupon_code', 'coupon_discount', 'tax_total'];
	}

	protected function properties_to_validate(): array
	{
		return ['order_id' => ['presence'], 'variant' => ['presence']];
	}

	public function full_amount_to_charge(): string
	{
		global $wpdb;
		$data   = json_decode((string) ($this->item_data ?? ''), true);
		$amount = is_array($data) && !empty($data['service_id'])
			? (string) $wpdb->get_var($wpdb->prepare('SELECT charge_amount FROM ' . self::table_of('services') . ' WHERE id = %d', (int) $data['service_id']))
			: '0';
		return number_format((float) $amount, 4, '.', '');
	}

	public function recalculate_prices(): void
	{
		$this->total    = $this->full_amount_to_charge();
		$this->subtotal = $this->total;
		do_action('latepoint_order_item_recalculate_prices', $this);
	}

	public function delete($id = false): bool
	{
		global $wpdb;
		$id = $id ?: $this->id;
		$wpdb->delete(self::table_of('bookings'), ['order_item_id' => (int) $id]);
		return parent::delete($id);
	}
}

final class OsCustomerModel extends OsModel
{
	protected function table(): string
	{
		return self::table_of('customers');
	}

	protected function allowed_params(): array
	{
		return ['first_name', 'last_name', 'email', 'phone', 'avatar_image_id', 'is_guest', 'notes', 'admin_notes', 'wordpress_user_id', 'password'];
	}

	protected function saved_only(): array
	{
		return ['status', 'activation_key', 'account_nonse'];
	}

	public function set_data($data)
	{
		if (isset($data['phone'])) {
			// As LatePoint keeps phones: its digits, with a leading + kept, and no extension.
			$phone         = (string) $data['phone'];
			$plus          = substr($phone, 0, 1) === '+' ? '+' : '';
			$phone         = stripos($phone, 'x') !== false ? substr($phone, 0, stripos($phone, 'x')) : $phone;
			$digits        = (string) preg_replace('/\D/', '', $phone);
			$data['phone'] = $digits === '' ? '' : $plus . $digits;
		}
		return parent::set_data($data);
	}

	protected function properties_to_validate(): array
	{
		return ['first_name' => ['presence'], 'last_name' => ['presence'], 'email' => ['presence', 'email', 'uniqueness']];
	}

	protected function before_create(): void
	{
		$this->is_guest       = $this->is_guest ?? true;
		$this->status         = $this->status ?? '' ?: 'pending_verification';
		$this->password       = $this->password ?? '' ?: wp_hash_password(bin2hex(random_bytes(8)));
		$this->activation_key = $this->activation_key ?? '' ?: sha1(wp_rand(10000, 99999) . time() . $this->email);
		$this->account_nonse  = $this->account_nonse ?? '' ?: sha1(wp_rand(10000, 99999) . time() . $this->activation_key);
	}

	public function get_data_vars(): array
	{
		return ['id' => $this->id, 'first_name' => $this->first_name ?? '', 'last_name' => $this->last_name ?? '',
			'full_name' => trim(($this->first_name ?? '') . ' ' . ($this->last_name ?? '')), 'email' => $this->email ?? '', 'phone' => $this->phone ?? ''];
	}

	public function delete($id = false): bool
	{
		global $wpdb;
		$id = $id ?: $this->id;
		$wpdb->delete(self::table_of('customer_meta'), ['object_id' => (int) $id]);
		return parent::delete($id);
	}

	/** As LatePoint's meta model: updates the key's first row or adds one; an empty value fails its validation. */
	public function save_meta_by_key($meta_key, $meta_value): bool
	{
		global $wpdb;
		if ($this->is_new_record() || '' === (string) $meta_value) {
			return false;
		}
		$table = self::table_of('customer_meta');
		$now   = current_time('mysql');
		$found = $wpdb->get_var($wpdb->prepare("SELECT id FROM {$table} WHERE meta_key = %s AND object_id = %d LIMIT 1", $meta_key, (int) $this->id));
		if ($found) {
			return false !== $wpdb->update($table, ['meta_value' => $meta_value, 'updated_at' => $now], ['id' => (int) $found]);
		}
		return false !== $wpdb->insert($table, ['object_id' => (int) $this->id, 'meta_key' => $meta_key, 'meta_value' => $meta_value, 'created_at' => $now, 'updated_at' => $now]);
	}

	public function delete_meta_by_key($meta_key): bool
	{
		global $wpdb;
		if (!$this->is_new_record()) {
			$wpdb->delete(self::table_of('customer_meta'), ['meta_key' => $meta_key, 'object_id' => (int) $this->id]);
		}
		return true;
	}
}

final class OsAgentModel extends OsModel
{
	protected function table(): string
	{
		return self::table_of('agents');
	}

	protected function allowed_params(): array
	{
		return [];
	}
}

final class OsActivityModel extends OsModel
{
	protected function table(): string
	{
		return self::table_of('activities');
	}

	protected function allowed_params(): array
	{
		return ['agent_id', 'booking_id', 'service_id', 'customer_id', 'order_id', 'order_item_id', 'code', 'description', 'initiated_by', 'initiated_by_id'];
	}
}

final class OsActivitiesHelper
{
	public static function create_activity(array $data): void
	{
		$activity = new OsActivityModel();
		$activity->set_data($data);
		$user                      = wp_get_current_user();
		$activity->initiated_by    = $user->exists() && in_array('administrator', (array) $user->roles, true) ? 'admin' : '';
		$activity->initiated_by_id = $user->exists() ? $user->ID : 0;
		$activity->save();
	}

	public static function init_hooks(): void
	{
		add_action('latepoint_booking_created', static fn ($b) => self::create_activity(['booking_id' => $b->id, 'code' => 'booking_created',
			'description' => wp_json_encode(['booking_data_vars' => $b->get_data_vars()])]), 10, 1);
		add_action('latepoint_booking_updated', static fn ($b, $old) => self::create_activity(['booking_id' => $b->id, 'code' => 'booking_updated',
			'description' => wp_json_encode(['booking_data_vars' => ['new' => $b->get_data_vars(), 'old' => $old->get_data_vars()]])]), 10, 2);
		add_action('latepoint_order_created', static fn ($o) => self::create_activity(['order_id' => $o->id, 'code' => 'order_created',
			'description' => wp_json_encode(['order_data_vars' => $o->get_data_vars()])]), 10, 1);
		add_action('latepoint_order_updated', static fn ($o, $old) => self::create_activity(['order_id' => $o->id, 'code' => 'order_updated',
			'description' => wp_json_encode(['order_data_vars' => ['new' => $o->get_data_vars(), 'old' => $old->get_data_vars()]])]), 10, 2);
		add_action('latepoint_customer_created', static fn ($c) => self::create_activity(['customer_id' => $c->id, 'code' => 'customer_created',
			'description' => wp_json_encode(['customer_data_vars' => $c->get_data_vars()])]), 10, 1);
		add_action('latepoint_customer_updated', static fn ($c, $old) => self::create_activity(['customer_id' => $c->id, 'code' => 'customer_updated',
			'description' => wp_json_encode(['customer_data_vars' => ['new' => $c->get_data_vars(), 'old' => $old]])]), 10, 2);
	}

	public static function log_booking_change_status(OsBookingModel $booking, OsBookingModel $old_booking): void
	{
		self::create_activity(['booking_id' => $booking->id, 'code' => 'booking_change_status',
			'description' => sprintf('Appointment status changed from %1$s to %2$s', $old_booking->status, $booking->status)]);
	}
}

final class OsOrdersHelper
{
	public static function generate_price_breakdown_from_params(array $price_breakdown_params): array
	{
		return array_intersect_key(array_filter($price_breakdown_params), array_flip(['before_subtotal', 'after_subtotal']));
	}
}

final class OsBookingHelper
{
	public static function get_default_booking_status($service_id = false): string
	{
		global $wpdb;
		$override = $service_id ? (string) $wpdb->get_var($wpdb->prepare('SELECT override_default_booking_status FROM ' . OsModel::table_of('services') . ' WHERE id = %d', (int) $service_id)) : '';
		if (in_array($override, ['approved', 'pending', 'payment_pending', 'cancelled', 'no_show', 'completed'], true)) {
			return $override;
		}
		$setting = (string) $wpdb->get_var("SELECT value FROM " . OsModel::table_of('settings') . " WHERE name = 'default_booking_status' LIMIT 1");
		return $setting !== '' ? $setting : 'approved';
	}

	/** The service's charge amount (LatePoint's base price of a booking), through LatePoint's filter, in database format. */
	public static function calculate_full_amount_for_booking($booking)
	{
		global $wpdb;
		if (!$booking->service_id) {
			return 0;
		}
		$amount = (float) $wpdb->get_var($wpdb->prepare('SELECT charge_amount FROM ' . OsModel::table_of('services') . ' WHERE id = %d', (int) $booking->service_id));
		$amount = apply_filters('latepoint_calculate_full_amount_for_booking', $amount, $booking);
		return number_format((float) $amount, 4, '.', '');
	}
}

final class OsMoneyHelper
{
	public static function to_money_field_format($amount): string
	{
		return number_format((float) $amount, 2, '.', '');
	}

	public static function convert_amount_from_money_input_to_db_format($amount): string
	{
		return number_format((float) preg_replace('/[^-\d.]+/', '', (string) $amount), 4, '.', '');
	}
}

final class OsLocationHelper
{
	public static function get_default_location_id(): int
	{
		global $wpdb;
		$id = $wpdb->get_var('SELECT id FROM ' . OsModel::table_of('locations') . " ORDER BY (status = 'active') DESC, id ASC LIMIT 1");
		if ($id) {
			return (int) $id;
		}
		$now = current_time('mysql');
		$wpdb->insert(OsModel::table_of('locations'), ['name' => 'Main Location', 'status' => 'active', 'created_at' => $now, 'updated_at' => $now]);
		return (int) $wpdb->insert_id;
	}
}

OsActivitiesHelper::init_hooks();
