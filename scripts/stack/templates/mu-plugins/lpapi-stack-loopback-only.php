<?php
/**
 * Plugin Name: Local stack: the loopback only
 * Description: Written by scripts/stack.sh. Pages ask for nothing outside this site: no emoji images
 * from a CDN, no avatars (show_avatars is off too); WP_HTTP_BLOCK_EXTERNAL stops outgoing HTTP.
 *
 * Copied as it is into the run folder by scripts/stack.sh, from scripts/stack/templates/mu-plugins/.
 */
remove_action('wp_head', 'print_emoji_detection_script', 7);
remove_action('admin_print_scripts', 'print_emoji_detection_script');
add_filter('pre_option_show_avatars', static fn() => '0');

// Update checks would go to the internet: WP_HTTP_BLOCK_EXTERNAL refuses them, and WordPress logs each
// refusal as a PHP warning. They get an empty answer at once instead, which WordPress reads as "no
// updates".
add_filter(
	'pre_http_request',
	static function ($pre, $args, $url) {
		if (false !== $pre || !preg_match('#^https?://api\.wordpress\.org/(core/version-check|plugins/update-check|themes/update-check)/#', (string) $url)) {
			return $pre;
		}
		return ['headers' => [], 'body' => '', 'response' => ['code' => 200, 'message' => 'OK'], 'cookies' => [], 'filename' => null];
	},
	10,
	3
);
