<?php
/**
 * The suite's LatePoint data, made through LatePoint's own models and helpers (never raw INSERTs into
 * its tables), and the snapshot every case starts from.
 *
 * Building takes two processes (case.php "wipe", then "build"), because LatePoint installs itself while
 * it loads: "wipe" empties every LatePoint table and forgets its database version, and the next process
 * that loads LatePoint finds no version and runs LatePoint's own installation (its tables, its seed: the
 * default statuses and the "New Booking Notification" process). "build" then adds, through the models:
 *
 *  - settings: notifications_email_processor = wp_mail (so the seeded process sends its two mails), the
 *    customer cabinet pages LatePoint's activation names, the site time zone (UTC);
 *  - the default location (LatePoint's own "Main Location") and a second one, "Annex";
 *  - agents Ann (A1) and Bob (A2); services "Consultation" (S1: 60 min, 15 min buffer after, capacity
 *    1/1, no interval of its own, so the 30-minute default) and "Group Class" (S2: 45 min, 15 min
 *    buffer before, capacity 1/3, a 45-minute interval); connections A1-S1-L1, A1-S2-L1, A2-S1-L1,
 *    A2-S1-L2, A2-S2-L2;
 *  - the general week (Mon-Fri 09:00-17:00, Sat 10:00-14:00, Sun off), Bob's own Monday (12:00-18:00),
 *    Ann's custom day off (day 2), a holiday for everyone (day 3) and Ann's custom hours on day 4
 *    (13:00-15:00);
 *  - processes besides the seed: a reminder one hour before each booking starts (a scheduled job) and a
 *    status-change mail to the agent (booking_updated, when the status changed);
 *  - customers Cee (C1), Dee (C2, never booked: the delete case) and Gee (C3).
 *
 * Dates are relative to the day of the build: day 0 is a Monday at least 14 days ahead, "past" a Monday
 * 7 to 13 days back. The facts (ids, dates) are returned to the tests and saved with the snapshot.
 *
 * The snapshot is a copy of every LatePoint table (lpsuite_snap_<table>) taken after the build; reset()
 * empties each LatePoint table (TRUNCATE, so the AUTO_INCREMENT counters start where the snapshot's rows
 * end, the same for every case) and copies the snapshot back.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class Fixture {

	const SNAPSHOT_PREFIX = 'lpsuite_snap_';
	const FACTS_OPTION    = 'lpsuite_fixture_facts';

	/** Every LatePoint table of the site, sorted. @return string[] */
	public static function latepoint_tables(): array {
		global $wpdb;
		$tables = $wpdb->get_col($wpdb->prepare('SHOW TABLES LIKE %s', $wpdb->esc_like($wpdb->prefix . 'latepoint_') . '%'));
		sort($tables);
		return $tables;
	}

	/** Empties LatePoint's tables and forgets its database version: the next load reinstalls it. */
	public static function wipe(): array {
		global $wpdb;
		$tables = self::latepoint_tables();
		foreach ($tables as $table) {
			self::query("TRUNCATE TABLE `{$table}`");
		}
		delete_option('latepoint_db_version');
		delete_option(self::FACTS_OPTION);
		return array('truncated' => count($tables));
	}

	/** @return array<string, mixed> the facts the tests use */
	public static function build(): array {
		if (!get_option('latepoint_db_version')) {
			throw new \RuntimeException('LatePoint did not reinstall itself on load (no latepoint_db_version)');
		}
		if ((int) \OsSettingsHelper::get_settings_value('is_database_seeded', 0) !== 1) {
			throw new \RuntimeException('LatePoint\'s seed did not run');
		}
		update_option('timezone_string', 'UTC');
		update_option('gmt_offset', 0);

		self::setting('notifications_email_processor', 'wp_mail');
		// What LatePoint's activation saves when it creates the customer cabinet page.
		self::setting('page_url_customer_dashboard', '/customer-cabinet');
		self::setting('page_url_customer_login', '/customer-cabinet');

		$main  = \OsLocationHelper::get_default_location();
		$annex = self::save(new \OsLocationModel(), array('name' => 'Annex', 'status' => 'active'));

		$ann = self::save(new \OsAgentModel(), array(
			'first_name' => 'Ann', 'last_name' => 'Agent', 'email' => 'ann.agent@example.com', 'phone' => '+1 555 0100', 'status' => 'active',
		));
		$bob = self::save(new \OsAgentModel(), array(
			'first_name' => 'Bob', 'last_name' => 'Agent', 'email' => 'bob.agent@example.com', 'phone' => '+1 555 0101', 'status' => 'active',
		));

		$single = self::save(new \OsServiceModel(), array(
			'name'          => 'Consultation',
			'duration'      => 60,
			'buffer_before' => 0,
			'buffer_after'  => 15,
			'charge_amount' => 60,
			'price_min'     => 60,
			'price_max'     => 60,
			'capacity_min'  => 1,
			'capacity_max'  => 1,
			'status'        => 'active',
			'visibility'    => 'visible',
		));
		$group = self::save(new \OsServiceModel(), array(
			'name'               => 'Group Class',
			'duration'           => 45,
			'buffer_before'      => 15,
			'buffer_after'       => 0,
			'charge_amount'      => 25,
			'price_min'          => 25,
			'price_max'          => 25,
			'capacity_min'       => 1,
			'capacity_max'       => 3,
			'timeblock_interval' => 45,
			'status'             => 'active',
			'visibility'         => 'visible',
		));

		$connections = array(
			array($ann, $single, $main), array($ann, $group, $main),
			array($bob, $single, $main), array($bob, $single, $annex), array($bob, $group, $annex),
		);
		foreach ($connections as list($agent, $service, $location)) {
			self::save(new \OsConnectorModel(), array('agent_id' => $agent->id, 'service_id' => $service->id, 'location_id' => $location->id));
		}

		$today = new \DateTimeImmutable('today', new \DateTimeZone('UTC'));
		$day0  = $today->modify('+14 days')->modify('monday this week');
		if ($day0 < $today->modify('+14 days')) {
			$day0 = $day0->modify('+7 days');
		}
		$past = $today->modify('-7 days')->modify('monday this week');
		$days = array();
		for ($i = 0; $i < 7; $i++) {
			$days[$i] = $day0->modify("+{$i} days")->format('Y-m-d');
		}

		// The general week (agent, service and location 0), then the more specific rows.
		$week = array(1 => array(540, 1020), 2 => array(540, 1020), 3 => array(540, 1020), 4 => array(540, 1020), 5 => array(540, 1020), 6 => array(600, 840), 7 => array(0, 0));
		foreach ($week as $week_day => list($start, $end)) {
			self::work_period(array('week_day' => $week_day, 'start_time' => $start, 'end_time' => $end));
		}
		self::work_period(array('agent_id' => $bob->id, 'week_day' => 1, 'start_time' => 720, 'end_time' => 1080));
		self::work_period(array('agent_id' => $ann->id, 'week_day' => 3, 'custom_date' => $days[2], 'start_time' => 0, 'end_time' => 0));
		self::work_period(array('week_day' => 4, 'custom_date' => $days[3], 'start_time' => 0, 'end_time' => 0));
		self::work_period(array('agent_id' => $ann->id, 'week_day' => 5, 'custom_date' => $days[4], 'start_time' => 780, 'end_time' => 900));

		self::process('Booking Reminder', 'booking_start', array(), array(
			'type' => 'send_email', 'settings' => array('to_email' => '{{customer_full_name}} <{{customer_email}}>', 'subject' => 'Reminder: {{service_name}} at {{start_time}}', 'content' => '<p>See you on {{start_date}} at {{start_time}}.</p>'),
		), array('value' => '1', 'unit' => 'hour', 'before_after' => 'before'));
		self::process('Booking Status Changed', 'booking_updated', array(
			array('object' => 'old_booking', 'property' => 'old_booking__status', 'operator' => 'changed', 'value' => ''),
		), array(
			'type' => 'send_email', 'settings' => array('to_email' => '{{agent_full_name}} <{{agent_email}}>', 'subject' => 'Booking {{booking_code}} is now {{booking_status}}', 'content' => '<p>{{customer_full_name}}, {{service_name}}, {{start_date}} {{start_time}}: {{booking_status}}.</p>'),
		), array());

		$customers = array();
		foreach (array(array('Cee', 'cee'), array('Dee', 'dee'), array('Gee', 'gee')) as $i => list($first, $slug)) {
			$customer = new \OsCustomerModel();
			$customer->set_data(array('first_name' => $first, 'last_name' => 'Customer', 'email' => "{$slug}.customer@example.com", 'phone' => '+1 555 020' . $i, 'notes' => '', 'admin_notes' => ''));
			if (!$customer->save()) {
				throw new \RuntimeException("customer {$first}: " . implode(', ', (array) $customer->get_error_messages()));
			}
			$customers[] = (int) $customer->id;
		}

		$facts = array(
			'locations' => array('main' => (int) $main->id, 'annex' => (int) $annex->id),
			'agents'    => array('ann' => (int) $ann->id, 'bob' => (int) $bob->id),
			'services'  => array('single' => (int) $single->id, 'group' => (int) $group->id),
			'customers' => array('cee' => $customers[0], 'dee' => $customers[1], 'gee' => $customers[2]),
			'days'      => $days,
			'past'      => $past->format('Y-m-d'),
			'built_at'  => gmdate('c'),
		);
		update_option(self::FACTS_OPTION, $facts, false);
		self::snapshot();
		return $facts;
	}

	/** Copies every LatePoint table to lpsuite_snap_<table>. */
	public static function snapshot(): void {
		foreach (self::latepoint_tables() as $table) {
			$copy = self::SNAPSHOT_PREFIX . $table;
			self::query("DROP TABLE IF EXISTS `{$copy}`");
			self::query("CREATE TABLE `{$copy}` LIKE `{$table}`");
			self::query("INSERT INTO `{$copy}` SELECT * FROM `{$table}`");
		}
	}

	public static function has_snapshot(): bool {
		global $wpdb;
		$first = self::SNAPSHOT_PREFIX . $wpdb->prefix . 'latepoint_bookings';
		return $wpdb->get_var($wpdb->prepare('SHOW TABLES LIKE %s', $first)) === $first && is_array(get_option(self::FACTS_OPTION));
	}

	/**
	 * Puts every LatePoint table back as the snapshot has it, and the site's time zone.
	 *
	 * @param array{timezone?: string, settings?: array<string, string>} $options
	 */
	public static function reset(array $options = array()): array {
		if (!self::has_snapshot()) {
			throw new \RuntimeException('no fixture snapshot: run case.php wipe, then build');
		}
		foreach (self::latepoint_tables() as $table) {
			$copy = self::SNAPSHOT_PREFIX . $table;
			self::query("TRUNCATE TABLE `{$table}`");
			self::query("INSERT INTO `{$table}` SELECT * FROM `{$copy}`");
		}
		$timezone = $options['timezone'] ?? 'UTC';
		update_option('timezone_string', $timezone);
		update_option('gmt_offset', 0);
		foreach ($options['settings'] ?? array() as $name => $value) {
			self::setting((string) $name, (string) $value);
		}
		wp_cache_flush();
		return array('timezone' => $timezone);
	}

	/** Drops the snapshot (the LatePoint tables are left as the snapshot had them). */
	public static function drop_snapshot(): void {
		if (self::has_snapshot()) {
			self::reset();
		}
		foreach (self::latepoint_tables() as $table) {
			self::query('DROP TABLE IF EXISTS `' . self::SNAPSHOT_PREFIX . $table . '`');
		}
	}

	/** @return array<string, mixed> */
	public static function facts(): array {
		$facts = get_option(self::FACTS_OPTION);
		if (!is_array($facts)) {
			throw new \RuntimeException('no fixture facts: run case.php wipe, then build');
		}
		return $facts;
	}

	// ------------------------------------------------------------------------------------ helpers

	private static function setting(string $name, string $value): void {
		if (!\OsSettingsHelper::save_setting_by_name($name, $value)) {
			throw new \RuntimeException("LatePoint setting {$name} not saved");
		}
	}

	/**
	 * Sets the properties one by one (set_data leaves out what a model does not allow, e.g. a status) and saves.
	 *
	 * @template T of \OsModel
	 * @param T $model
	 * @return T
	 */
	private static function save(\OsModel $model, array $properties): \OsModel {
		foreach ($properties as $name => $value) {
			$model->$name = $value;
		}
		if (!$model->save()) {
			throw new \RuntimeException(get_class($model) . ' not saved: ' . implode(', ', (array) $model->get_error_messages()));
		}
		return $model;
	}

	private static function work_period(array $properties): void {
		self::save(new \OsWorkPeriodModel(), $properties + array('agent_id' => 0, 'service_id' => 0, 'location_id' => 0, 'custom_date' => null));
	}

	private static function process(string $name, string $event, array $conditions, array $action, array $offset): void {
		$process             = new \OsProcessModel();
		$process->name       = $name;
		$process->event_type = $event;
		$tree                = \OsProcessesHelper::iterate_trigger_conditions($conditions, array(\LatePoint\Misc\ProcessAction::generate_id() => $action));
		$tree[0]['time_offset'] = $offset;
		$process->actions_json  = wp_json_encode($tree);
		self::save($process, array());
	}

	private static function query(string $sql): void {
		global $wpdb;
		if (false === $wpdb->query($sql)) {
			throw new \RuntimeException("{$sql}: {$wpdb->last_error}");
		}
	}
}
