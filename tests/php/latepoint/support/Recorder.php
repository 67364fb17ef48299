<?php
/**
 * Records, between start() and stop(), what a write makes LatePoint (and WordPress) do besides rows:
 *
 *  - every action whose name starts with "latepoint_", in the order they start, with the class (or
 *    type) of each argument and its nesting depth. WordPress calls the "all" hook for actions and for
 *    filters alike; do_action() and do_action_ref_array() count the action in $wp_actions *before* they
 *    call "all", apply_filters() does not, so a call is an action when that count went up since the
 *    last call for the same name. Left out, as computations rather than events (LatePoint fires them
 *    on page views as much as on writes, so no listener can learn of a write from them):
 *    latepoint_model_set_data and latepoint_model_prepare_set_data (every set_data() of every model),
 *    and latepoint_cart_calculate_prices (every price shown: the admin's order form computes its
 *    prices while it loads and when its items change, in requests of their own before the write,
 *    where the API computes them within the write);
 *  - every mail: wp_mail() is stopped in pre_wp_mail (last, after the stack's own mail stopper) and
 *    answered as sent, so LatePoint logs a success, the same on both sides.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class Recorder {

	const IGNORED_ACTIONS = array('latepoint_model_set_data', 'latepoint_model_prepare_set_data', 'latepoint_cart_calculate_prices');

	/** @var list<array{action: string, depth: int, args: list<string>}> */
	private static $hooks = array();
	/** @var list<array<string, mixed>> */
	private static $mails = array();
	/** @var array<string, int> */
	private static $seen = array();
	/** @var bool */
	private static $on = false;

	public static function start(): void {
		global $wp_actions;
		self::$hooks = array();
		self::$mails = array();
		self::$seen  = is_array($wp_actions) ? array_map('intval', $wp_actions) : array();
		self::$on    = true;
		add_action('all', array(self::class, 'on_hook'), PHP_INT_MIN, 99);
		add_filter('pre_wp_mail', array(self::class, 'on_mail'), PHP_INT_MAX, 2);
	}

	/** @return array{hooks: list<array<string, mixed>>, mails: list<array<string, mixed>>} */
	public static function stop(): array {
		self::$on = false;
		remove_action('all', array(self::class, 'on_hook'), PHP_INT_MIN);
		remove_filter('pre_wp_mail', array(self::class, 'on_mail'), PHP_INT_MAX);
		return array('hooks' => self::$hooks, 'mails' => self::$mails);
	}

	/** The "all" hook: its arguments are the hook's name and the hook's own arguments. */
	public static function on_hook(...$all): void {
		global $wp_actions, $wp_current_filter;
		$tag   = (string) array_shift($all);
		$count = (int) ($wp_actions[$tag] ?? 0);
		$was   = self::$seen[$tag] ?? 0;
		self::$seen[$tag] = $count;
		if (!self::$on || $count <= $was || strpos($tag, 'latepoint_') !== 0 || in_array($tag, self::IGNORED_ACTIONS, true)) {
			return;
		}
		self::$hooks[] = array(
			'action' => $tag,
			// $wp_current_filter holds this hook too: depth 0 is a hook fired by the write itself.
			'depth'  => max(0, count((array) $wp_current_filter) - 1),
			'args'   => array_map(array(self::class, 'describe'), $all),
		);
	}

	/** @param mixed $short_circuit */
	public static function on_mail($short_circuit, $atts) {
		if (!self::$on) {
			return $short_circuit;
		}
		$atts          = is_array($atts) ? $atts : array();
		self::$mails[] = array(
			'to'          => $atts['to'] ?? null,
			'subject'     => $atts['subject'] ?? null,
			'message'     => $atts['message'] ?? null,
			'headers'     => $atts['headers'] ?? null,
			'attachments' => $atts['attachments'] ?? null,
		);
		return true;
	}

	/** @param mixed $value */
	public static function describe($value): string {
		if (is_object($value)) {
			return get_class($value);
		}
		if (is_array($value)) {
			return 'array';
		}
		return gettype($value);
	}
}
