<?php
/**
 * The log's CSV export neutralises every cell a spreadsheet would read as a formula, the fullwidth
 * forms of = + - @ included (spreadsheets normalise them to the ASCII ones).
 */

declare(strict_types=1);

namespace LatePointApi\Tests\WordPress;

use LatePointApi\Admin\Csv_Export;

final class CsvExportTest extends TestCase {

	/** @dataProvider risky_cells */
	public function test_cells_that_start_a_formula_get_a_leading_apostrophe(string $cell): void {
		$this->assertSame("'" . $cell, Csv_Export::csv_cell($cell));
	}

	public function risky_cells(): array {
		$cells = array();
		foreach (array('=', '+', '-', '@', "\t", "\r", "\n", '＝', '＋', '－', '＠') as $lead) {
			$cells['starts with ' . json_encode($lead)] = array($lead . 'HYPERLINK("http://x.invalid","y")');
		}
		return $cells;
	}

	public function test_ordinary_cells_and_formula_characters_later_in_a_cell_are_left_alone(): void {
		foreach (array('curl/8.0', 'GET', '/latepoint-api/v1/me', 'a=b', 'x＝y', '２０２６', '', '200', 'lp_live_AAAA') as $cell) {
			$this->assertSame($cell, Csv_Export::csv_cell($cell));
		}
		$this->assertSame('12', Csv_Export::csv_cell(12));
		$this->assertSame("'=\xff", Csv_Export::csv_cell("=\xff"), 'invalid UTF-8 is judged by its first byte');
	}
}
