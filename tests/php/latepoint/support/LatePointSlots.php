<?php
/**
 * LatePoint's own answer to "which slots are free": its engine, called the way its booking form's
 * calendar calls it (OsCalendarHelper::generate_single_month, which echoes HTML, so its logic is
 * followed here rather than its output parsed):
 *
 *  - a BookingRequest with the service's duration and buffers, the agent and location (0 = any) and the
 *    number of attendees;
 *  - the days: none before today or before the earliest possible booking's date, none after the latest
 *    possible booking's date (the calendar applies both settings per date); the rest go to
 *    OsResourceHelper::get_resources_grouped_by_day() as the front end does (not from the back end,
 *    so today's hours up to now + the earliest possible booking are blocked);
 *  - per resource (agent x location), get_ordered_booking_slots_from_resources() of that resource and
 *    BookingSlot::can_accomodate(attendees): the slots it offers, with available_capacity();
 *  - for every day, the same over all resources at once ("any agent": LatePoint keeps, per start,
 *    the slot with the most room), which is what the booking form shows.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class LatePointSlots {

	/**
	 * @param array{service_id: int, agent_id?: int, location_id?: int, date_from: string, date_to: string, attendees?: int} $q
	 * @return array{per_resource: list<array<string, mixed>>, any: list<array<string, mixed>>, days: list<string>}
	 */
	public static function compute(array $q): array {
		$service   = new \OsServiceModel((int) $q['service_id']);
		$attendees = (int) ($q['attendees'] ?? 1);
		$request   = new \LatePoint\Misc\BookingRequest(array(
			'service_id'      => (int) $service->id,
			'agent_id'        => (int) ($q['agent_id'] ?? 0),
			'location_id'     => (int) ($q['location_id'] ?? 0),
			'duration'        => (int) $service->duration,
			'buffer_before'   => (int) $service->buffer_before,
			'buffer_after'    => (int) $service->buffer_after,
			'total_attendees' => $attendees,
			'start_date'      => $q['date_from'],
		));

		$now      = \OsTimeHelper::now_datetime_object();
		$earliest = \OsSettingsHelper::get_settings_value('earliest_possible_booking', false);
		$latest   = \OsSettingsHelper::get_settings_value('latest_possible_booking', false);
		$earliest = $earliest ? (new \OsWpDateTime($earliest))->format('Y-m-d') : $now->format('Y-m-d');
		$latest   = $latest ? (new \OsWpDateTime($latest))->format('Y-m-d') : null;

		$per_resource = array();
		$any          = array();
		$days         = array();
		$dates = array();
		$last  = new \DateTimeImmutable($q['date_to']);
		for ($day = new \DateTimeImmutable($q['date_from']); $day <= $last; $day = $day->modify('+1 day')) {
			$dates[] = $day->format('Y-m-d');
		}
		foreach ($dates as $date) {
			if ($date < $now->format('Y-m-d') || $date < $earliest || (null !== $latest && $date > $latest)) {
				continue;
			}
			$days[]    = $date;
			$from      = new \OsWpDateTime($date);
			$resources = \OsResourceHelper::get_resources_grouped_by_day($request, $from, clone $from)[ $date ] ?? array();
			foreach ($resources as $resource) {
				foreach (\OsResourceHelper::get_ordered_booking_slots_from_resources(array($resource)) as $slot) {
					if ($slot->can_accomodate($attendees)) {
						$per_resource[] = self::slot($date, $slot, (int) $service->duration) + array('agent_id' => (int) $resource->agent_id, 'location_id' => (int) $resource->location_id);
					}
				}
			}
			foreach (\OsResourceHelper::get_ordered_booking_slots_from_resources($resources) as $slot) {
				if ($slot->can_accomodate($attendees)) {
					$any[] = self::slot($date, $slot, (int) $service->duration);
				}
			}
		}
		usort($per_resource, static function (array $a, array $b): int {
			return array($a['date'], $a['start_time'], $a['agent_id'], $a['location_id']) <=> array($b['date'], $b['start_time'], $b['agent_id'], $b['location_id']);
		});
		return array('per_resource' => $per_resource, 'any' => $any, 'days' => $days);
	}

	private static function slot(string $date, \LatePoint\Misc\BookingSlot $slot, int $duration): array {
		return array(
			'date'          => $date,
			'start_time'    => self::hhmm($slot->start_time),
			'end_time'      => self::hhmm($slot->start_time + $duration),
			'capacity_left' => (int) $slot->available_capacity(),
		);
	}

	private static function hhmm(int $minutes): string {
		return sprintf('%02d:%02d', intdiv($minutes, 60), $minutes % 60);
	}
}
