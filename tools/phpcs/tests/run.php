<?php
/**
 * Self-test of the LatePointApi sniffs: runs phpcs with the LatePointApi standard
 * on tools/phpcs/tests/fixtures/ and checks that it reports exactly what the
 * fixtures say, line by line.
 *
 * A fixture line ending in `// @expect <Source>[, <Source>...]` must get exactly
 * those messages (full sources, e.g. LatePointApi.Security.PreparedSql.NotPrepared);
 * `// @expect-line <offset> <Source>` expects them on the line <offset> lines
 * away (for heredocs, which cannot carry a comment). Every other line must get
 * none. Each sniff of the standard needs a <Name>.good.php with no expectation
 * and a <Name>.bad.php with at least one, so a sniff that stops working, or
 * starts flagging good code, fails the lint.
 *
 * Usage: php tools/phpcs/tests/run.php [path to phpcs]. Prints one line per
 * fixture and "N passed, N failed"; exits 1 when any fixture fails.
 *
 * @package LatePointApi\Tools
 */

$lpapi_root     = dirname( __DIR__, 3 );
$lpapi_phpcs    = $argv[1] ?? 'phpcs';
$lpapi_standard = $lpapi_root . '/tools/phpcs/LatePointApi';
$lpapi_fixtures = __DIR__ . '/fixtures';

/**
 * The expected [line => sorted sources] of a fixture, from its @expect markers.
 *
 * @param string $file The fixture.
 * @return array<int, string[]>
 */
function lpapi_expectations( string $file ): array {
	$expected = array();
	foreach ( file( $file ) as $index => $line ) {
		if ( ! preg_match( '/@expect(?:-line\s+([+-]?\d+))?\s+([A-Za-z.]+(?:\s*,\s*[A-Za-z.]+)*)/', $line, $m ) ) {
			continue;
		}
		$at = $index + 1 + (int) $m[1];
		foreach ( preg_split( '/\s*,\s*/', trim( $m[2] ) ) as $source ) {
			$expected[ $at ][] = $source;
		}
	}
	foreach ( $expected as $at => $sources ) {
		sort( $expected[ $at ] );
	}
	ksort( $expected );
	return $expected;
}

$lpapi_sniffs = array();
foreach ( glob( $lpapi_standard . '/Sniffs/*/*Sniff.php' ) as $lpapi_sniff ) {
	$lpapi_sniffs[ basename( $lpapi_sniff, 'Sniff.php' ) ] = 'LatePointApi.' . basename( dirname( $lpapi_sniff ) ) . '.' . basename( $lpapi_sniff, 'Sniff.php' );
}
$lpapi_files = glob( $lpapi_fixtures . '/*.php' );
sort( $lpapi_files );

$lpapi_command = escapeshellarg( $lpapi_phpcs ) . ' -q --no-cache --report=json --standard=' . escapeshellarg( $lpapi_standard ) . ' ' . implode( ' ', array_map( 'escapeshellarg', $lpapi_files ) );
$lpapi_json    = shell_exec( $lpapi_command );
$lpapi_report  = json_decode( (string) $lpapi_json, true );
if ( ! is_array( $lpapi_report ) || ! isset( $lpapi_report['files'] ) ) {
	fwrite( STDERR, "phpcs gave no JSON report: $lpapi_command\n" . $lpapi_json . "\n" );
	echo "0 passed, 1 failed\n";
	exit( 1 );
}

$lpapi_passed = 0;
$lpapi_failed = 0;
$lpapi_seen   = array();
foreach ( $lpapi_files as $lpapi_file ) {
	$lpapi_name     = basename( $lpapi_file );
	$lpapi_problems = array();
	if ( ! preg_match( '/^(\w+)\.(good|bad)\.php$/', $lpapi_name, $lpapi_m ) || ! isset( $lpapi_sniffs[ $lpapi_m[1] ] ) ) {
		$lpapi_problems[] = 'not named <Sniff>.good.php or <Sniff>.bad.php after a sniff of the standard';
	} else {
		$lpapi_seen[ $lpapi_m[1] ][ $lpapi_m[2] ] = true;
	}
	$lpapi_expected = lpapi_expectations( $lpapi_file );
	$lpapi_got      = array();
	foreach ( $lpapi_report['files'][ $lpapi_file ]['messages'] ?? array() as $lpapi_message ) {
		$lpapi_got[ $lpapi_message['line'] ][] = $lpapi_message['source'];
	}
	foreach ( $lpapi_got as $lpapi_line => $lpapi_sources ) {
		sort( $lpapi_got[ $lpapi_line ] );
	}
	ksort( $lpapi_got );
	if ( isset( $lpapi_m[2] ) && 'good' === $lpapi_m[2] && array() !== $lpapi_expected ) {
		$lpapi_problems[] = 'a good fixture must not expect anything';
	}
	if ( isset( $lpapi_m[2] ) && 'bad' === $lpapi_m[2] && array() === $lpapi_expected ) {
		$lpapi_problems[] = 'a bad fixture must expect at least one message';
	}
	foreach ( $lpapi_expected as $lpapi_line => $lpapi_sources ) {
		foreach ( $lpapi_sources as $lpapi_source ) {
			if ( isset( $lpapi_m[1], $lpapi_sniffs[ $lpapi_m[1] ] ) && 0 !== strpos( $lpapi_source, $lpapi_sniffs[ $lpapi_m[1] ] . '.' ) ) {
				$lpapi_problems[] = "line $lpapi_line expects $lpapi_source, which is not a message of {$lpapi_sniffs[ $lpapi_m[1] ]}";
			}
		}
	}
	$lpapi_lines = array_unique( array_merge( array_keys( $lpapi_expected ), array_keys( $lpapi_got ) ) );
	sort( $lpapi_lines );
	foreach ( $lpapi_lines as $lpapi_line ) {
		$lpapi_want = $lpapi_expected[ $lpapi_line ] ?? array();
		$lpapi_have = $lpapi_got[ $lpapi_line ] ?? array();
		if ( $lpapi_want !== $lpapi_have ) {
			$lpapi_problems[] = sprintf( 'line %d: expected [%s], phpcs reported [%s]', $lpapi_line, implode( ', ', $lpapi_want ), implode( ', ', $lpapi_have ) );
		}
	}
	if ( array() === $lpapi_problems ) {
		++$lpapi_passed;
		printf( "ok   %s (%d expected messages)\n", $lpapi_name, array_sum( array_map( 'count', $lpapi_expected ) ) );
	} else {
		++$lpapi_failed;
		printf( "FAIL %s\n", $lpapi_name );
		foreach ( $lpapi_problems as $lpapi_problem ) {
			echo "     $lpapi_problem\n";
		}
	}
}
foreach ( $lpapi_sniffs as $lpapi_short => $lpapi_code ) {
	foreach ( array( 'good', 'bad' ) as $lpapi_kind ) {
		if ( empty( $lpapi_seen[ $lpapi_short ][ $lpapi_kind ] ) ) {
			++$lpapi_failed;
			echo "FAIL $lpapi_code has no fixture $lpapi_short.$lpapi_kind.php\n";
		}
	}
}
echo "$lpapi_passed passed, $lpapi_failed failed\n";
exit( $lpapi_failed > 0 ? 1 : 0 );
