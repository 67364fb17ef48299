<?php
/**
 * The differences between two normalised sides (Normalizer::side), as readable lines: "-" is what
 * LatePoint's admin left and the API did not, "+" what the API left and the admin did not. Empty when
 * the two are indistinguishable.
 */

declare(strict_types=1);

namespace LatePointApi\Tests\LatePoint;

final class Diff {

	const CONTEXT = 2;

	/** @return list<string> */
	public static function sides(array $admin, array $api): array {
		$out = array();
		$hooks = self::lines($admin['hooks'], $api['hooks']);
		if ($hooks) {
			$out[] = 'hooks fired (- admin, + API):';
			$out   = array_merge($out, self::indent($hooks));
		}
		$out = array_merge($out, self::mails($admin['mails'], $api['mails']));
		$out = array_merge($out, self::tables($admin['tables'], $api['tables']));
		return $out;
	}

	/** @return list<string> */
	private static function mails(array $admin, array $api): array {
		$out = array();
		if (count($admin) !== count($api)) {
			$out[] = sprintf('mails: admin sent %d, API %d', count($admin), count($api));
		}
		$by_key = static function (array $mails): array {
			$keyed = array();
			foreach ($mails as $i => $mail) {
				$key = $mail['to'] . ' | ' . $mail['subject'];
				$keyed[ isset($keyed[ $key ]) ? "{$key} ({$i})" : $key ] = $mail;
			}
			return $keyed;
		};
		$a = $by_key($admin);
		$b = $by_key($api);
		$order_a = array_keys($a);
		$order_b = array_keys($b);
		foreach (array_unique(array_merge($order_a, $order_b)) as $key) {
			if (!isset($b[ $key ])) {
				$out[] = "mail only the admin sent: {$key}";
				continue;
			}
			if (!isset($a[ $key ])) {
				$out[] = "mail only the API sent: {$key}";
				continue;
			}
			foreach (array('headers', 'attachments', 'body') as $field) {
				$d = self::value_diff($a[ $key ][ $field ], $b[ $key ][ $field ]);
				if ($d) {
					$out[] = "mail {$key}, {$field}:";
					$out   = array_merge($out, self::indent($d));
				}
			}
		}
		if (array_values(array_intersect($order_a, $order_b)) !== array_values(array_intersect($order_b, $order_a))) {
			$out[] = 'mails in another order: admin ' . implode(' ; ', $order_a) . ' -- API ' . implode(' ; ', $order_b);
		}
		return $out;
	}

	/** @return list<string> */
	private static function tables(array $admin, array $api): array {
		$out = array();
		foreach (array_unique(array_merge(array_keys($admin), array_keys($api))) as $table) {
			$a = $admin[ $table ] ?? array();
			$b = $api[ $table ] ?? array();
			foreach (array_unique(array_merge(array_keys($a), array_keys($b))) as $label) {
				$where = "{$table} [{$label}]";
				if (!isset($b[ $label ])) {
					$out[] = "- {$where}: only the admin's (the API left no such row)";
					$out   = array_merge($out, self::indent(self::dump_row($a[ $label ]), '-   '));
					continue;
				}
				if (!isset($a[ $label ])) {
					$out[] = "+ {$where}: only the API's (the admin left no such row)";
					$out   = array_merge($out, self::indent(self::dump_row($b[ $label ]), '+   '));
					continue;
				}
				foreach (array_unique(array_merge(array_keys($a[ $label ]), array_keys($b[ $label ]))) as $column) {
					$va = array_key_exists($column, $a[ $label ]) ? $a[ $label ][ $column ] : '{no column}';
					$vb = array_key_exists($column, $b[ $label ]) ? $b[ $label ][ $column ] : '{no column}';
					$d  = self::value_diff($va, $vb);
					if ($d) {
						$out[] = "~ {$where}.{$column}:";
						$out   = array_merge($out, self::indent($d));
					}
				}
			}
		}
		return $out;
	}

	/** @return list<string> */
	private static function dump_row(array $row): array {
		$lines = array();
		foreach ($row as $column => $value) {
			$lines[] = $column . ': ' . self::one_line($value);
		}
		return $lines;
	}

	/**
	 * Two values: empty when equal; for nested data, the paths that differ; for multi-line text, a line diff.
	 *
	 * @param mixed $a
	 * @param mixed $b
	 * @return list<string>
	 */
	public static function value_diff($a, $b, string $path = ''): array {
		if ($a === $b) {
			return array();
		}
		if (is_array($a) && is_array($b)) {
			$out = array();
			foreach (array_unique(array_merge(array_keys($a), array_keys($b))) as $key) {
				$sub = '' === $path ? (string) $key : "{$path}.{$key}";
				if (!array_key_exists($key, $b)) {
					$out[] = "- {$sub}: " . self::one_line($a[ $key ]);
				} elseif (!array_key_exists($key, $a)) {
					$out[] = "+ {$sub}: " . self::one_line($b[ $key ]);
				} else {
					$out = array_merge($out, self::value_diff($a[ $key ], $b[ $key ], $sub));
				}
			}
			if (!$out && array_keys($a) !== array_keys($b)) {
				$out[] = ('' === $path ? '' : "{$path}: ") . 'the same keys in another order';
			}
			return $out;
		}
		$prefix = '' === $path ? '' : "{$path}: ";
		if (is_string($a) && is_string($b) && (strpos($a, "\n") !== false || strpos($b, "\n") !== false)) {
			$lines = self::lines(explode("\n", $a), explode("\n", $b));
			return array_merge(array($prefix . '(text, - admin, + API)'), self::indent($lines));
		}
		return array("- {$prefix}" . self::one_line($a), "+ {$prefix}" . self::one_line($b));
	}

	/**
	 * A line diff (longest common subsequence) with CONTEXT lines around each change.
	 *
	 * @param list<string> $a
	 * @param list<string> $b
	 * @return list<string> empty when equal
	 */
	public static function lines(array $a, array $b): array {
		if ($a === $b) {
			return array();
		}
		$n = count($a);
		$m = count($b);
		$l = array_fill(0, $n + 1, array_fill(0, $m + 1, 0));
		for ($i = $n - 1; $i >= 0; $i--) {
			for ($j = $m - 1; $j >= 0; $j--) {
				$l[ $i ][ $j ] = $a[ $i ] === $b[ $j ] ? $l[ $i + 1 ][ $j + 1 ] + 1 : max($l[ $i + 1 ][ $j ], $l[ $i ][ $j + 1 ]);
			}
		}
		$ops = array();
		$i   = 0;
		$j   = 0;
		while ($i < $n || $j < $m) {
			if ($i < $n && $j < $m && $a[ $i ] === $b[ $j ]) {
				$ops[] = array(' ', $a[ $i ]);
				$i++;
				$j++;
			} elseif ($j < $m && ($i >= $n || $l[ $i ][ $j + 1 ] >= $l[ $i + 1 ][ $j ])) {
				$ops[] = array('+', $b[ $j ]);
				$j++;
			} else {
				$ops[] = array('-', $a[ $i ]);
				$i++;
			}
		}
		$keep = array();
		$last = count($ops) - 1;
		foreach ($ops as $k => $op) {
			if (' ' !== $op[0]) {
				$to = min($last, $k + self::CONTEXT);
				for ($c = max(0, $k - self::CONTEXT); $c <= $to; $c++) {
					$keep[ $c ] = true;
				}
			}
		}
		$out     = array();
		$printed = -1;
		foreach ($ops as $k => $op) {
			if (!isset($keep[ $k ])) {
				continue;
			}
			if ($printed >= 0 && $k !== $printed + 1) {
				$out[] = '  ...';
			}
			$out[]   = $op[0] . ' ' . $op[1];
			$printed = $k;
		}
		return $out;
	}

	/** @param mixed $value */
	public static function one_line($value): string {
		if (null === $value) {
			return 'NULL';
		}
		if (is_string($value)) {
			$flat = str_replace("\n", ' / ', $value);
			return strlen($flat) > 300 ? var_export(substr($flat, 0, 300), true) . '...' : var_export($flat, true);
		}
		$json = (string) json_encode($value, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
		return strlen($json) > 600 ? substr($json, 0, 600) . '...' : $json;
	}

	/** @return list<string> */
	private static function indent(array $lines, string $with = '    '): array {
		return array_map(static function (string $line) use ($with): string {
			return $with . $line;
		}, $lines);
	}
}
