<?php
/**
 * Ten POST /bookings at once, over HTTP (nginx and php-fpm, each request in a worker of its own), on a
 * slot of the group class with room for 3: exactly 3 are booked (201) and 7 refused (409), and the
 * slot holds 3 attendees afterwards. LatePoint itself takes no lock; the API must.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class ParallelBookingTest extends TestCase {

	const REQUESTS = 10;

	public function testTenParallelPostsOnACapacityThreeSlot(): void {
		Stack::run(array('command' => 'reset'));
		$customers = array('cee', 'dee', 'gee');
		$url       = Stack::site_url() . '/wp-json/latepoint-api/v1/bookings';
		$multi     = curl_multi_init();
		$handles   = array();
		for ($i = 0; $i < self::REQUESTS; $i++) {
			$body = self::booking('ann', 'group', 'main', self::day(0), '10:30', $customers[ $i % 3 ]);
			$h    = curl_init($url);
			curl_setopt_array($h, array(
				CURLOPT_POST           => true,
				CURLOPT_POSTFIELDS     => json_encode($body),
				CURLOPT_HTTPHEADER     => array('Content-Type: application/json', 'X-API-Key: ' . Stack::$key),
				CURLOPT_RETURNTRANSFER => true,
				CURLOPT_TIMEOUT        => 60,
			));
			curl_multi_add_handle($multi, $h);
			$handles[] = $h;
		}
		do {
			$status = curl_multi_exec($multi, $running);
			if ($running) {
				curl_multi_select($multi, 1.0);
			}
		} while ($running && CURLM_OK === $status);

		$codes   = array();
		$answers = array();
		foreach ($handles as $h) {
			$code      = (int) curl_getinfo($h, CURLINFO_RESPONSE_CODE);
			$codes[]   = $code;
			$answers[] = $code . ' ' . substr((string) curl_multi_getcontent($h), 0, 300);
			curl_multi_remove_handle($multi, $h);
			curl_close($h);
		}
		curl_multi_close($multi);
		sort($codes);
		$counts = array_count_values($codes);
		$this->assertSame(array(201 => 3, 409 => 7), $counts, "10 parallel POST /bookings on a slot with room for 3:\n" . implode("\n", $answers));

		$bookings = Stack::run(array('command' => 'dump'))['latepoint_bookings'];
		$at_slot  = array_filter($bookings, static function (array $b): bool {
			return $b['start_date'] === self::day(0) && '630' === (string) $b['start_time'] && 'approved' === $b['status'];
		});
		$this->assertCount(3, $at_slot, 'bookings in the slot: ' . json_encode(array_values($at_slot)));
		$this->assertSame(3, array_sum(array_map('intval', array_column($at_slot, 'total_attendees'))));
	}
}
