<?php
/**
 * LatePoint's own Activities screens (its controller views, rendered in PHP as its admin renders them)
 * show the API's writes without a PHP warning: authored by the "LatePoint API" user, with the key's
 * name and display prefix, never the key. The log test (logs/NoPhpWarningsTest.php) checks the
 * warnings; this checks what the screens say.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class ActivitiesScreenTest extends TestCase {

	public function testTheApisActivitiesRenderInLatePointsScreens(): void {
		Stack::run(array('command' => 'reset', 'timezone' => 'UTC'));
		$spec    = self::booking('ann', 'single', 'main', self::day(0), '10:00');
		$created = Stack::run(array('command' => 'api', 'key' => Stack::$key, 'method' => 'POST', 'path' => '/bookings', 'json' => $spec));
		$this->assertSame(201, $created['answer']['status'], json_encode($created['answer']['body']));
		$booking = (int) $created['answer']['body']['data']['id'];
		$moved   = Stack::run(array('command' => 'api', 'key' => Stack::$key, 'method' => 'PATCH', 'path' => "/bookings/{$booking}", 'json' => array('status' => 'cancelled')));
		$this->assertSame(200, $moved['answer']['status'], json_encode($moved['answer']['body']));

		$state = Stack::run(array('command' => 'dump'));
		$ours  = array_values(array_filter($state['latepoint_activities'] ?? array(), static fn (array $a): bool => 'wp_user' === $a['initiated_by']));
		$codes = array_column($ours, 'code');
		foreach (array('customer_updated', 'booking_created', 'order_created', 'booking_updated', 'booking_change_status', 'order_updated') as $code) {
			$this->assertContains($code, $codes, 'an activity of the API\'s writes, authored by the API user');
		}
		$screens = Stack::run(array('command' => 'screens', 'activity_ids' => array_column($ours, 'id')));
		$this->assertStringContainsString('LatePoint API', wp_strip_all_tags_fallback($screens['list']), 'the list names the API user as the author');
		$this->assertStringNotContainsString('n/a', wp_strip_all_tags_fallback($screens['list']), 'no activity without an author');
		foreach ($screens['views'] as $id => $html) {
			$text = wp_strip_all_tags_fallback($html);
			$this->assertMatchesRegularExpression('/Through the API with the key "lpsuite [0-9a-f]{8}" \(lp_live_[0-9A-Za-z]{4}…\)/u', $text, "activity {$id}'s view names the key");
			$this->assertDoesNotMatchRegularExpression('/lp_(live|test)_[0-9A-Za-z]{38}/', $html, 'never the key itself');
		}
		// LatePoint's own screens warn on some of LatePoint's own activities (its email_sent view reads a
		// "subject" its mailer does not store): the same write made in its admin, rendered the same way,
		// is the baseline. The API's activities add no message of their own.
		$this->assertSame('', trim($screens['stderr'] ?? ''));
		$this->assertSame(self::messages($this->adminScreenMessages()), self::messages($screens['messages']), 'the API\'s activities render with no PHP message LatePoint\'s own do not');
	}

	/** The same writes through LatePoint's admin, and its screens rendered: the PHP messages they raise. */
	private function adminScreenMessages(): array {
		Stack::run(array('command' => 'reset', 'timezone' => 'UTC'));
		$made = Stack::run(array('command' => 'admin', 'action' => 'create_booking', 'args' => self::booking('ann', 'single', 'main', self::day(0), '10:00')));
		$this->assertSame('success', $made['answer']['status'] ?? null, json_encode($made['answer']));
		$booking = (string) $made['after']['latepoint_bookings'];
		$status  = Stack::run(array('command' => 'admin', 'action' => 'update_booking', 'args' => array('booking_id' => $booking, 'changes' => array('status' => 'cancelled'))));
		$this->assertSame('success', $status['answer']['status'] ?? null, json_encode($status['answer']));
		$state = Stack::run(array('command' => 'dump'));
		return (array) Stack::run(array('command' => 'screens', 'activity_ids' => array_column($state['latepoint_activities'] ?? array(), 'id')))['messages'];
	}

	/** @return string[] the distinct messages, sorted */
	private static function messages(array $messages): array {
		$messages = array_values(array_unique($messages));
		sort($messages);
		return $messages;
	}
}

/** The text of some HTML (the screens are read outside WordPress here). */
function wp_strip_all_tags_fallback(string $html): string {
	return trim((string) preg_replace('/\s+/', ' ', html_entity_decode(strip_tags((string) preg_replace('@<(script|style)[^>]*?>.*?</\1>@si', '', $html)), ENT_QUOTES | ENT_HTML5, 'UTF-8')));
}
