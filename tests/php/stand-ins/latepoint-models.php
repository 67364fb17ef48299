<?php
/**
 * Stand-in LatePoint models for the tests on sites without real LatePoint (Debian's WordPress 6.1,
 * which LatePoint 5 does not support): a test double of exactly the part of LatePoint's model API
 * that the plugin's writes call (wp-plugin/latepoint-api-keys/includes/latepoint/class-models.php
 * lists it), over the stand-in tables of scripts/stack/latepoint-fixture.php.
 *
 * It behaves as LatePoint 5.0.15 does where the plugin can see it: models validate presence (and a
 * customer's email), fill their defaults and codes on save, fire latepoint_model_validate /
 * latepoint_model_save / latepoint_model_deleted; a booking's delete takes its meta and process
 * jobs along; listeners on LatePoint's hooks write one activity each, in LatePoint's codes and
 * JSON descriptions. The real-LatePoint suite (tests/php/latepoint/) runs the same writes against
 * LatePoint itself, which keeps this honest. It does not plan process jobs or send mail.
 *
 * Loaded as a must-use plugin by the test stack (LPAPI_LATEPOINT_STAND_IN=1) when real LatePoint is
 * not there; it steps aside if real LatePoint is active after all.
 */

if (class_exists('OsModel', false) || in_array('latepoint/latepoint.php', (array) get_option('active_plugins', []), true)) {
	return; // real LatePoint is (or will be) loaded
}
require_once __DIR__ . '/latepoint-model-classes.php';
