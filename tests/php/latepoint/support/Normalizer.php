<?php
/**
 * Makes what one side left (a recorded case.php "admin" or "api" result) comparable with what the other
 * left, by taking out what differs between any two runs of the same write and nothing else:
 *
 *  - ids: a row that was there before the write (the fixture, and what the case's preparation made,
 *    the same on both sides) keeps its id ("#3"); a new row gets a label from what it is, so one extra
 *    row does not shift every other: activities by code ("new booking_created", "new email_sent 2"),
 *    meta rows by key and owner, process jobs by process and object, the rest by order ("new 1").
 *    Every reference follows: the *_id columns, meta and job object_id, and ids inside JSON (by the key
 *    that holds them: booking_data_vars, order, customer, item_data, ...);
 *  - random values: booking_code and confirmation_code become "{booking_code of bookings #3}" in their
 *    row, with their shape (length, and whether LatePoint's code alphabet holds them), and that label
 *    wherever else the value appears (mails, activity descriptions, job settings); the manage keys in
 *    booking/order meta likewise; passwords, activation keys and nonces of customers and agents become
 *    "{set: <shape>}" (NULL stays NULL: whether one is set is compared);
 *  - times of the run: a datetime (Y-m-d H:i:s, or ISO 8601 with an offset or Z) that falls within
 *    the comparison's run (from the first side's first step to the second side's last, give or take
 *    SLACK seconds), read as UTC or as the site's time, becomes "{now}"; booking times are days away
 *    and stay;
 *  - the initiator: activities' initiated_by and initiated_by_id become "{initiator}" (the admin side is
 *    an administrator, the API side is not a WordPress login; kept aside in "initiators" for the report);
 *  - types inside JSON: every scalar becomes a string (1 and "1" are the same; false is "", true "1");
 *    JSON held in a string (activities' description, item_data, price_breakdown, job settings and
 *    run_result) is decoded, recursively;
 *  - HTML (mail bodies, mail contents in activities and jobs) becomes text lines, links kept as
 *    "[link URL]".
 *
 * Hooks become "name(ArgClass, ...)" lines indented by nesting depth; mails keep to, subject, headers
 * and the body as text.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class Normalizer {

	/** LatePoint's code alphabet (OsUtilHelper::random_text('distinct')). */
	const DISTINCT = '2345679ACDEFHJKLMNPRSTUVWXYZ';
	const SLACK    = 10;

	/** Column => the table its ids point into. */
	const REFERENCES = array(
		'booking_id'        => 'latepoint_bookings',
		'order_id'          => 'latepoint_orders',
		'order_item_id'     => 'latepoint_order_items',
		'customer_id'       => 'latepoint_customers',
		'agent_id'          => 'latepoint_agents',
		'service_id'        => 'latepoint_services',
		'location_id'       => 'latepoint_locations',
		'process_id'        => 'latepoint_processes',
		'job_id'            => 'latepoint_process_jobs',
		'transaction_id'    => 'latepoint_transactions',
		'wordpress_user_id' => 'wp_users',
		'wp_user_id'        => 'wp_users',
	);

	/** Meta tables => the table of their object_id. */
	const META_OWNERS = array(
		'latepoint_booking_meta'  => 'latepoint_bookings',
		'latepoint_order_meta'    => 'latepoint_orders',
		'latepoint_customer_meta' => 'latepoint_customers',
		'latepoint_agent_meta'    => 'latepoint_agents',
		'latepoint_service_meta'  => 'latepoint_services',
		'latepoint_cart_meta'     => 'latepoint_carts',
	);

	/** process_jobs.object_model_type => table. */
	const JOB_OBJECTS = array(
		'booking'     => 'latepoint_bookings',
		'order'       => 'latepoint_orders',
		'customer'    => 'latepoint_customers',
		'transaction' => 'latepoint_transactions',
	);

	/** JSON keys whose object (or list of objects) describes a row of a table: its "id" is that row's. */
	const JSON_CONTEXTS = array(
		'booking_data_vars'     => 'latepoint_bookings',
		'booking'               => 'latepoint_bookings',
		'old_booking'           => 'latepoint_bookings',
		'bookings'              => 'latepoint_bookings',
		'item_data'             => 'latepoint_bookings',
		'order_data_vars'       => 'latepoint_orders',
		'order'                 => 'latepoint_orders',
		'order_items'           => 'latepoint_order_items',
		'order_item_data_vars'  => 'latepoint_order_items',
		'customer_data_vars'    => 'latepoint_customers',
		'customer'              => 'latepoint_customers',
		'agent'                 => 'latepoint_agents',
		'service'               => 'latepoint_services',
		'location'              => 'latepoint_locations',
		'transactions'          => 'latepoint_transactions',
	);

	/** Columns holding hashes or random tokens: compared by shape. */
	const TOKENS = array(
		'latepoint_customers' => array('password', 'activation_key', 'account_nonse'),
		'latepoint_agents'    => array('password'),
	);

	/** @var array<string, array<string, string>> table => raw id => label */
	private $labels = array();
	/** @var array<string, int> table => its highest id before the write */
	private $before = array();
	/** @var array<string, string> raw secret => its label, longest first */
	private $secrets = array();
	/** @var float */
	private $from;
	/** @var float */
	private $to;
	/** @var \DateTimeZone */
	private $site_zone;

	private function __construct(float $from, float $to, string $timezone) {
		$this->from      = $from - self::SLACK;
		$this->to        = $to + self::SLACK;
		$this->site_zone = new \DateTimeZone($timezone ?: 'UTC');
	}

	/**
	 * @param array<string, mixed> $side a case.php act result with "record"
	 * @param float $from when the comparison's first step started (the first side's reset)
	 * @param float $to when its last step ended: both sides of a comparison get the same window, so a
	 *                  time is "{now}" on both or on neither
	 * @return array{hooks: list<string>, mails: list<array<string, mixed>>, tables: array<string, array<string, array<string, mixed>>>, initiators: list<string>}
	 */
	public static function side(array $side, float $from, float $to): array {
		$n = new self($from, $to, (string) ($side['timezone'] ?? 'UTC'));
		$state = $side['state'];
		$n->before = array_map('intval', (array) $side['before']);
		$n->label_rows($state);
		// The random values of rows the write deleted still show in what it left (activities, mails).
		$n->collect_secrets((array) ($side['state_before'] ?? array()));
		$n->collect_secrets($state);

		$tables     = array();
		$initiators = array();
		foreach ($state as $table => $rows) {
			foreach ($rows as $row) {
				$label = $n->row_label($table, $row);
				if ('latepoint_activities' === $table) {
					$initiators[] = "{$label}: " . ($row['initiated_by'] ?? 'NULL') . ' ' . ($row['initiated_by_id'] ?? 'NULL');
				}
				$tables[ $table ][ $label ] = $n->row($table, $row);
			}
		}
		$hooks = array();
		foreach ($side['hooks'] as $hook) {
			$hooks[] = str_repeat('  ', (int) $hook['depth']) . $hook['action'] . '(' . implode(', ', $hook['args']) . ')';
		}
		$mails = array();
		foreach ($side['mails'] as $mail) {
			$headers = is_array($mail['headers']) ? $mail['headers'] : preg_split('/\r?\n/', (string) $mail['headers'], -1, PREG_SPLIT_NO_EMPTY);
			$mails[] = array(
				'to'          => $n->text(is_array($mail['to']) ? implode(', ', $mail['to']) : (string) $mail['to']),
				'subject'     => $n->text((string) $mail['subject']),
				'headers'     => array_map(array($n, 'text'), array_map('strval', (array) $headers)),
				'attachments' => $mail['attachments'] ? '(attachments)' : '',
				'body'        => $n->text((string) $mail['message']),
			);
		}
		return array('hooks' => $hooks, 'mails' => $mails, 'tables' => $tables, 'initiators' => $initiators);
	}

	// ------------------------------------------------------------------------------------ ids

	private function label_rows(array $state): void {
		// Owners first: meta and job labels name their owner's label.
		$order = array_keys($state);
		usort($order, static function (string $a, string $b): int {
			$late = array('latepoint_activities' => 2, 'latepoint_process_jobs' => 1) + array_fill_keys(array_keys(self::META_OWNERS), 1);
			return (($late[ $a ] ?? 0) <=> ($late[ $b ] ?? 0)) ?: strcmp($a, $b);
		});
		foreach ($order as $table) {
			$max   = $this->before[ $table ] ?? 0;
			$count = array();
			foreach ($state[ $table ] as $row) {
				if (!isset($row['id'])) {
					continue;
				}
				$id = (string) $row['id'];
				if ((int) $id <= $max) {
					$this->labels[ $table ][ $id ] = "#{$id}";
					continue;
				}
				$what = $this->natural_key($table, $row);
				$count[ $what ] = ($count[ $what ] ?? 0) + 1;
				$this->labels[ $table ][ $id ] = 'new' . ('' === $what ? '' : " {$what}") . ($count[ $what ] > 1 || '' === $what ? ' ' . $count[ $what ] : '');
			}
		}
	}

	private function natural_key(string $table, array $row): string {
		if ('latepoint_activities' === $table) {
			return (string) $row['code'];
		}
		if (isset(self::META_OWNERS[ $table ])) {
			return $row['meta_key'] . ' of ' . $this->ref(self::META_OWNERS[ $table ], $row['object_id']);
		}
		if ('latepoint_process_jobs' === $table) {
			$owner = self::JOB_OBJECTS[ $row['object_model_type'] ] ?? null;
			return 'process #' . $row['process_id'] . ' for ' . ($owner ? $this->ref($owner, $row['object_id']) : $row['object_model_type'] . ' ' . $row['object_id']);
		}
		if ('latepoint_settings' === $table) {
			return (string) $row['name'];
		}
		return '';
	}

	/** The label of a row of $table by its raw id. @param mixed $id */
	private function ref(string $table, $id): string {
		if (null === $id || '' === $id || '0' === (string) $id) {
			return null === $id ? 'NULL' : (string) $id;
		}
		if (isset($this->labels[ $table ][ (string) $id ])) {
			return $this->labels[ $table ][ (string) $id ];
		}
		// A row that was there before the write and is gone now keeps its id; one made and removed
		// within the write cannot be told apart by anything but its raw id.
		return (int) $id <= ($this->before[ $table ] ?? 0) ? "#{$id}" : "#{$id} (made and deleted by the write)";
	}

	private function row_label(string $table, array $row): string {
		if (isset($row['id'])) {
			return $this->labels[ $table ][ (string) $row['id'] ];
		}
		if (isset($row['option_name'])) {
			return (string) $row['option_name'];
		}
		return md5((string) json_encode($row));
	}

	// ------------------------------------------------------------------------------------ secrets

	private function collect_secrets(array $state): void {
		foreach (array('latepoint_bookings' => 'booking_code', 'latepoint_orders' => 'confirmation_code') as $table => $column) {
			foreach ($state[ $table ] ?? array() as $row) {
				if ((string) $row[ $column ] !== '') {
					$this->secrets[ (string) $row[ $column ] ] = '{' . $column . ' of ' . substr($table, 10) . ' ' . $this->ref($table, $row['id']) . '}';
				}
			}
		}
		foreach (self::META_OWNERS as $table => $owner) {
			foreach ($state[ $table ] ?? array() as $row) {
				if (strpos((string) $row['meta_key'], 'key_') === 0 && strlen((string) $row['meta_value']) >= 16) {
					$this->secrets[ (string) $row['meta_value'] ] = '{' . $row['meta_key'] . ' of ' . substr($owner, 10) . ' ' . $this->ref($owner, $row['object_id']) . '}';
				}
			}
		}
		uksort($this->secrets, static function (string $a, string $b): int {
			return strlen($b) <=> strlen($a);
		});
	}

	// ------------------------------------------------------------------------------------ values

	private function row(string $table, array $row): array {
		$out = array();
		foreach ($row as $column => $value) {
			$out[ $column ] = $this->column($table, (string) $column, $value, $row);
		}
		return $out;
	}

	/** @param mixed $value */
	private function column(string $table, string $column, $value, array $row) {
		if (null === $value) {
			return null;
		}
		$value = (string) $value;
		if ('id' === $column || 'ID' === $column) {
			return $this->ref($table, $value);
		}
		if ('latepoint_activities' === $table && in_array($column, array('initiated_by', 'initiated_by_id'), true)) {
			return '{initiator}';
		}
		if (in_array($column, self::TOKENS[ $table ] ?? array(), true)) {
			return '' === $value ? '' : '{set: ' . self::shape($value) . '}';
		}
		if (('booking_code' === $column && 'latepoint_bookings' === $table) || ('confirmation_code' === $column && 'latepoint_orders' === $table)) {
			return ($this->secrets[ $value ] ?? '{code}') . ' ' . self::code_shape($value);
		}
		if ('meta_value' === $column && isset($this->secrets[ $value ])) {
			return $this->secrets[ $value ] . ' ' . self::shape($value);
		}
		if ('object_id' === $column) {
			$owner = self::META_OWNERS[ $table ] ?? ('latepoint_process_jobs' === $table ? (self::JOB_OBJECTS[ $row['object_model_type'] ] ?? null) : null);
			return $owner ? $this->ref($owner, $value) : $value;
		}
		if (isset(self::REFERENCES[ $column ])) {
			return $this->ref(self::REFERENCES[ $column ], $value);
		}
		return $this->value($value, null);
	}

	/**
	 * A value anywhere: JSON is decoded and walked, strings are cleaned.
	 *
	 * @param mixed $value
	 * @return mixed
	 */
	private function value($value, ?string $context) {
		if (is_string($value)) {
			$trimmed = ltrim($value);
			if ('' !== $trimmed && ('{' === $trimmed[0] || '[' === $trimmed[0])) {
				$decoded = json_decode($value, true);
				if (is_array($decoded)) {
					return $this->json($decoded, $context);
				}
			}
			return $this->text($value);
		}
		if (is_bool($value)) {
			return $value ? '1' : '';
		}
		if (null === $value) {
			return null;
		}
		if (is_array($value)) {
			return $this->json($value, $context);
		}
		return $this->text((string) $value);
	}

	private function json(array $data, ?string $context): array {
		$out = array();
		foreach ($data as $key => $value) {
			if (is_int($key)) {
				$out[ $key ] = $this->value($value, $context);
				continue;
			}
			$key = (string) $key;
			if (('id' === $key && null !== $context) || isset(self::REFERENCES[ $key ])) {
				$table = 'id' === $key ? $context : self::REFERENCES[ $key ];
				$out[ $key ] = (is_scalar($value) && !is_bool($value)) ? $this->ref($table, $value) : $this->value($value, null);
				continue;
			}
			$inner = self::JSON_CONTEXTS[ $key ] ?? (in_array($key, array('new', 'old'), true) ? $context : null);
			$out[ $key ] = $this->value($value, $inner);
		}
		return $out;
	}

	/** A string with its secrets and run times replaced, and HTML as text lines. */
	public function text(string $value): string {
		if ($this->secrets) {
			$value = strtr($value, $this->secrets);
		}
		$value = preg_replace_callback(
			'/\b(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?/',
			function (array $m): string {
				return $this->is_now($m[1] . ' ' . $m[2], $m[4] ?? '') ? '{now}' : $m[0];
			},
			$value
		);
		if (preg_match('#</[a-z]+>|<br\s*/?>#i', $value)) {
			$value = self::html_to_text($value);
		}
		return $value;
	}

	private function is_now(string $datetime, string $offset): bool {
		$zones = '' !== $offset ? array(new \DateTimeZone('Z' === $offset ? 'UTC' : $offset)) : array(new \DateTimeZone('UTC'), $this->site_zone);
		foreach ($zones as $zone) {
			$at = \DateTimeImmutable::createFromFormat('Y-m-d H:i:s', $datetime, $zone);
			if ($at && $at->getTimestamp() >= $this->from && $at->getTimestamp() <= $this->to) {
				return true;
			}
		}
		return false;
	}

	public static function html_to_text(string $html): string {
		$html = preg_replace('#<a\s[^>]*href=(["\'])(.*?)\1[^>]*>#is', '[link $2] ', $html);
		$html = preg_replace('#<(br|/p|/div|/li|/h[1-6]|/tr|/table|/ul)\b[^>]*>#i', "\n", (string) $html);
		$text = html_entity_decode(strip_tags((string) $html), ENT_QUOTES | ENT_HTML5, 'UTF-8');
		$lines = array();
		foreach (preg_split('/\R/', $text) as $line) {
			$line = trim((string) preg_replace('/[ \t\x{00A0}]+/u', ' ', $line));
			if ('' !== $line) {
				$lines[] = $line;
			}
		}
		return implode("\n", $lines);
	}

	/** "7 chars of LatePoint's code alphabet", or what else it is. */
	public static function code_shape(string $code): string {
		$length = strlen($code);
		if ($length > 0 && strspn($code, self::DISTINCT) === $length) {
			return "[{$length} chars of LatePoint's code alphabet]";
		}
		return "[{$length} chars, not LatePoint's code alphabet]";
	}

	public static function shape(string $value): string {
		if (preg_match('/^\$P\$/', $value)) {
			return 'phpass hash';
		}
		if (preg_match('/^\$(2y|argon2id?|wp)\$/', $value, $m)) {
			return "{$m[1]} hash";
		}
		$class = ctype_xdigit($value) ? 'hex' : (ctype_alnum($value) ? 'alphanumeric' : 'characters');
		return strlen($value) . " {$class}";
	}
}
