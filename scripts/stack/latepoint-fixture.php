<?php
/**
 * LatePoint's tables, as LatePoint 5 (db_version 2.1.4) creates them, for the
 * local stack and the tests: LatePoint itself cannot be installed here. The
 * plugin never creates these tables on a real site; only `make run` (demo
 * data) and the tests load this file.
 *
 * Columns follow LatePoint's own tables.
 *
 * @package LatePointApi
 */

namespace LatePointApi\Fixture;

/** LatePoint's meta tables the API and the stand-in models use. */
const META_TABLES = array( 'booking_meta', 'order_meta', 'customer_meta', 'service_meta' );

/**
 * Every LatePoint table the API uses: name (without the prefix) => its CREATE TABLE.
 *
 * @return array<string, string>
 */
function latepoint_tables(): array {
	global $wpdb;
	$p       = $wpdb->prefix . 'latepoint_';
	$charset = $wpdb->get_charset_collate();
	$tables  = array(
		'bookings' => "CREATE TABLE {$p}bookings (
  id int(11) NOT NULL AUTO_INCREMENT,
  booking_code varchar(10),
  start_date date,
  end_date date,
  start_time mediumint(9),
  end_time mediumint(9),
  start_datetime_utc datetime,
  end_datetime_utc datetime,
  buffer_before mediumint(9) NOT NULL,
  buffer_after mediumint(9) NOT NULL,
  duration mediumint(9),
  status varchar(30) DEFAULT 'pending' NOT NULL,
  customer_id mediumint(9) NOT NULL,
  service_id mediumint(9) NOT NULL,
  agent_id mediumint(9) NOT NULL,
  location_id mediumint(9),
  order_item_id mediumint(9),
  total_attendees mediumint(4),
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id),
  KEY start_date_index (start_date),
  KEY end_date_index (end_date),
  KEY status_index (status),
  KEY customer_id_index (customer_id),
  KEY service_id_index (service_id),
  KEY agent_id_index (agent_id),
  KEY location_id_index (location_id)
) {$charset};",
		'customers' => "CREATE TABLE {$p}customers (
  id mediumint(9) NOT NULL AUTO_INCREMENT,
  first_name varchar(255),
  last_name varchar(255),
  email varchar(110) NOT NULL,
  phone varchar(255),
  avatar_image_id int(11),
  status varchar(50) NOT NULL,
  password varchar(255),
  activation_key varchar(255),
  account_nonse varchar(255),
  google_user_id varchar(255),
  facebook_user_id varchar(255),
  wordpress_user_id int(11),
  is_guest boolean,
  notes text,
  admin_notes text,
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id),
  KEY email_index (email),
  KEY status_index (status),
  KEY wordpress_user_id_index (wordpress_user_id)
) {$charset};",
		'agents' => "CREATE TABLE {$p}agents (
  id mediumint(9) NOT NULL AUTO_INCREMENT,
  avatar_image_id int(11),
  bio_image_id int(11),
  first_name varchar(255) NOT NULL,
  last_name varchar(255),
  display_name varchar(255),
  title varchar(255),
  bio text,
  features text,
  email varchar(110) NOT NULL,
  phone varchar(255),
  password varchar(255),
  custom_hours boolean,
  wp_user_id int(11),
  status varchar(20) NOT NULL,
  extra_emails text,
  extra_phones text,
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id)
) {$charset};",
		'services' => "CREATE TABLE {$p}services (
  id mediumint(9) NOT NULL AUTO_INCREMENT,
  name varchar(255) NOT NULL,
  short_description text,
  is_price_variable boolean,
  price_min decimal(20,4),
  price_max decimal(20,4),
  charge_amount decimal(20,4),
  deposit_amount decimal(20,4),
  is_deposit_required boolean,
  duration_name varchar(255),
  override_default_booking_status varchar(255),
  duration int(11) NOT NULL,
  buffer_before int(11),
  buffer_after int(11),
  category_id int(11),
  order_number int(11),
  selection_image_id int(11),
  description_image_id int(11),
  bg_color varchar(20),
  timeblock_interval int(11),
  capacity_min int(4),
  capacity_max int(4),
  status varchar(20) NOT NULL,
  visibility varchar(20) NOT NULL,
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id)
) {$charset};",
		'locations' => "CREATE TABLE {$p}locations (
  id mediumint(9) NOT NULL AUTO_INCREMENT,
  name varchar(255) NOT NULL,
  full_address text,
  status varchar(20) NOT NULL,
  category_id int(11),
  order_number int(11),
  selection_image_id int(11),
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id)
) {$charset};",
		'location_categories' => "CREATE TABLE {$p}location_categories (
  id mediumint(9) NOT NULL AUTO_INCREMENT,
  name varchar(100) NOT NULL,
  short_description text,
  parent_id mediumint(9),
  selection_image_id int(11),
  order_number int(11),
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id),
  KEY order_number_index (order_number),
  KEY parent_id_index (parent_id)
) {$charset};",
		'service_categories' => "CREATE TABLE {$p}service_categories (
  id mediumint(9) NOT NULL AUTO_INCREMENT,
  name varchar(100) NOT NULL,
  short_description text,
  parent_id mediumint(9),
  selection_image_id int(11),
  order_number int(11),
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id),
  KEY order_number_index (order_number),
  KEY parent_id_index (parent_id)
) {$charset};",
		'transactions' => "CREATE TABLE {$p}transactions (
  id mediumint(9) NOT NULL AUTO_INCREMENT,
  token text,
  invoice_id int(11),
  order_id int(11),
  customer_id int(11),
  processor varchar(100),
  payment_method varchar(55),
  payment_portion varchar(55),
  kind varchar(40),
  status varchar(100) NOT NULL,
  amount decimal(20,4),
  notes text,
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id)
) {$charset};",
		'work_periods' => "CREATE TABLE {$p}work_periods (
  id mediumint(9) NOT NULL AUTO_INCREMENT,
  agent_id int(11) NOT NULL,
  service_id int(11) NOT NULL,
  location_id int(11) NOT NULL,
  start_time smallint(6) NOT NULL,
  end_time smallint(6) NOT NULL,
  week_day tinyint(3) NOT NULL,
  custom_date date,
  chain_id varchar(20),
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id)
) {$charset};",
		'agents_services' => "CREATE TABLE {$p}agents_services (
  id mediumint(9) NOT NULL AUTO_INCREMENT,
  agent_id int(11) NOT NULL,
  service_id int(11) NOT NULL,
  location_id int(11),
  is_custom_hours boolean,
  is_custom_price boolean,
  is_custom_duration boolean,
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id)
) {$charset};",
		'activities' => "CREATE TABLE {$p}activities (
  id mediumint(9) NOT NULL AUTO_INCREMENT,
  agent_id int(11),
  booking_id int(11),
  service_id int(11),
  customer_id int(11),
  location_id int(11),
  order_id int(11),
  order_item_id int(11),
  code varchar(255) NOT NULL,
  description text,
  initiated_by varchar(100),
  initiated_by_id int(11),
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id)
) {$charset};",
		'orders' => "CREATE TABLE {$p}orders (
  id int(11) NOT NULL AUTO_INCREMENT,
  subtotal decimal(20,4),
  total decimal(20,4),
  status varchar(30) DEFAULT 'open' NOT NULL,
  fulfillment_status varchar(30) DEFAULT 'not_fulfilled',
  payment_status varchar(30) DEFAULT 'not_paid',
  source_id varchar(100),
  source_url text,
  ip_address varchar(55),
  customer_id mediumint(9) NOT NULL,
  customer_comment text,
  confirmation_code varchar(10),
  price_breakdown text,
  coupon_code varchar(100),
  coupon_discount decimal(20,4),
  tax_total decimal(20,4),
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id),
  KEY customer_id_index (customer_id)
) {$charset};",
		'order_items' => "CREATE TABLE {$p}order_items (
  id int(11) NOT NULL AUTO_INCREMENT,
  order_id int(11) NOT NULL,
  variant varchar(30) DEFAULT 'booking',
  item_data text,
  subtotal decimal(20,4),
  total decimal(20,4),
  coupon_code varchar(100),
  coupon_discount decimal(20,4),
  tax_total decimal(20,4),
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id),
  KEY order_id_index (order_id)
) {$charset};",
		'process_jobs' => "CREATE TABLE {$p}process_jobs (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  process_id int(11) NOT NULL,
  object_id int(11) NOT NULL,
  object_model_type varchar(55),
  settings text,
  to_run_after_utc datetime,
  status varchar(30) DEFAULT 'scheduled',
  run_result text,
  process_info text,
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id)
) {$charset};",
		'settings' => "CREATE TABLE {$p}settings (
  id mediumint(9) NOT NULL AUTO_INCREMENT,
  name varchar(110) NOT NULL,
  value longtext,
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id)
) {$charset};",
	);
	// The meta tables (object_id, meta_key, meta_value) are all alike.
	foreach ( META_TABLES as $meta ) {
		$tables[ $meta ] = "CREATE TABLE {$p}{$meta} (
  id mediumint(9) NOT NULL AUTO_INCREMENT,
  object_id mediumint(9) NOT NULL,
  meta_key varchar(110) NOT NULL,
  meta_value text,
  created_at datetime,
  updated_at datetime,
  PRIMARY KEY  (id),
  KEY meta_key_index (meta_key),
  KEY object_id_index (object_id)
) {$charset};";
	}
	return $tables;
}

/** Creates (or brings up to date) every LatePoint table the API uses. */
function create_latepoint_tables(): void {
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	foreach ( latepoint_tables() as $sql ) {
		dbDelta( $sql );
	}
}

/** Drops every LatePoint table (tests only). */
function drop_latepoint_tables(): void {
	global $wpdb;
	foreach ( array_keys( latepoint_tables() ) as $table ) {
		$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}latepoint_{$table}" );
	}
}
