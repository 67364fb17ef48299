<?php
/**
 * Plugin Name: Local stack: no outgoing mail
 * Description: Written by scripts/stack.sh. There is no mail transport here: wp_mail() returns false at once.
 *
 * Copied as it is into the run folder by scripts/stack.sh, from scripts/stack/templates/mu-plugins/.
 */
add_filter('pre_wp_mail', '__return_false');
