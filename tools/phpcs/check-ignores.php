<?php
/**
 * Checks the phpcs annotations (phpcs:ignore, phpcs:disable, ...) of PHP files
 * against the ruleset that lints them. An annotation fails when it:
 * - names no sniff (a bare phpcs:ignore or phpcs:disable silences every sniff);
 * - names a standard or a category instead of one sniff (Generic, Generic.PHP);
 * - names a sniff that is not in the ruleset (WordPress.*, a typo, a sniff
 *   that was dropped): it silences nothing, and says something false;
 * - is a phpcs:ignore or phpcs:disable without a reason after " -- ";
 * - is phpcs:ignoreFile, or the old @codingStandardsIgnore* syntax.
 * An enable annotation may stand alone, or name sniffs of the ruleset. A fourth
 * part (a message code, Generic.PHP.NoSilencedErrors.Forbidden) is allowed; only
 * its sniff is checked.
 *
 * Usage:
 *   php tools/phpcs/check-ignores.php [--phpcs=PATH] --standard=RULESET FILE|DIR...
 *   php tools/phpcs/check-ignores.php [--phpcs=PATH] --self-test
 * Prints each failing annotation as path:line: problem, then
 * "N passed, N failed" counting files; exits 1 when any file fails. --self-test
 * checks this checker on tools/phpcs/tests/ignores/ (every annotation of bad.php
 * must fail, none of good.php).
 *
 * @package LatePointApi\Tools
 */

/**
 * The sniff codes (Standard.Category.Name) of a ruleset, from `phpcs -e`.
 *
 * @param string $phpcs    The phpcs binary.
 * @param string $standard The ruleset.
 * @return array<string, true>
 */
function lpapi_ruleset_sniffs( string $phpcs, string $standard ): array {
	$output = shell_exec( escapeshellarg( $phpcs ) . ' -e --standard=' . escapeshellarg( $standard ) . ' 2>&1' );
	preg_match_all( '/^\s+([A-Za-z0-9_]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+)\s*$/m', (string) $output, $m );
	if ( array() === $m[1] ) {
		fwrite( STDERR, "phpcs -e listed no sniffs for $standard:\n$output\n" );
		exit( 2 );
	}
	return array_fill_keys( $m[1], true );
}

/**
 * The PHP files under the given files and folders (node_modules, vendor, target skipped).
 *
 * @param string[] $paths Files and folders.
 * @return string[]
 */
function lpapi_php_files( array $paths ): array {
	$files = array();
	foreach ( $paths as $path ) {
		if ( is_file( $path ) ) {
			$files[] = $path;
			continue;
		}
		$iterator = new RecursiveIteratorIterator(
			new RecursiveCallbackFilterIterator(
				new RecursiveDirectoryIterator( $path, FilesystemIterator::SKIP_DOTS ),
				function ( SplFileInfo $file ) {
					return ! ( $file->isDir() && in_array( $file->getFilename(), array( 'node_modules', 'vendor', 'target', '.git' ), true ) );
				}
			)
		);
		foreach ( $iterator as $file ) {
			if ( $file->isFile() && 'php' === $file->getExtension() ) {
				$files[] = $file->getPathname();
			}
		}
	}
	sort( $files );
	return $files;
}

/**
 * The failing annotations of one file, as [line, problem, comment text].
 *
 * @param string             $file   The PHP file.
 * @param array<string, true> $sniffs The ruleset's sniffs.
 * @return array<int, array{0: int, 1: string, 2: string}>
 */
function lpapi_check_file( string $file, array $sniffs ): array {
	$problems = array();
	foreach ( token_get_all( (string) file_get_contents( $file ) ) as $token ) {
		if ( ! is_array( $token ) || ! in_array( $token[0], array( T_COMMENT, T_DOC_COMMENT ), true ) ) {
			continue;
		}
		foreach ( explode( "\n", $token[1] ) as $offset => $text ) {
			if ( ! preg_match( '~^\s*(?://|#|/\*+|\*)?\s*(phpcs:[A-Za-z]+|@codingStandards[A-Za-z]+)(.*?)(?:\*/)?\s*$~', $text, $m ) ) {
				continue;
			}
			$line    = $token[2] + $offset;
			$keyword = $m[1];
			$rest    = $m[2];
			$comment = trim( $text );
			if ( 0 === strpos( $keyword, '@codingStandards' ) ) {
				$problems[] = array( $line, "old $keyword syntax: use phpcs:ignore <Sniff> -- <reason>", $comment );
				continue;
			}
			$verb = strtolower( substr( $keyword, 6 ) );
			if ( 'ignorefile' === $verb ) {
				$problems[] = array( $line, 'phpcs:ignoreFile silences every sniff in the file: ignore named sniffs where needed', $comment );
				continue;
			}
			if ( ! in_array( $verb, array( 'ignore', 'disable', 'enable', 'set' ), true ) ) {
				$problems[] = array( $line, "unknown annotation $keyword", $comment );
				continue;
			}
			$parts  = explode( ' -- ', $rest, 2 );
			$reason = isset( $parts[1] ) ? trim( $parts[1] ) : '';
			$list   = trim( $parts[0] );
			if ( 'set' === $verb ) {
				$codes = '' === $list ? array() : array( strtok( $list, " \t" ) );
			} else {
				$codes = '' === $list ? array() : preg_split( '/\s*,\s*/', $list );
			}
			if ( array() === $codes && 'enable' !== $verb ) {
				$problems[] = array( $line, "$keyword names no sniff, so it silences all of them: name the sniff(s) of the ruleset", $comment );
			}
			foreach ( $codes as $code ) {
				$segments = explode( '.', $code );
				if ( count( $segments ) < 3 ) {
					$problems[] = array( $line, "$keyword names \"$code\", a whole standard or category: name the sniff", $comment );
				} elseif ( count( $segments ) > 4 || ! isset( $sniffs[ implode( '.', array_slice( $segments, 0, 3 ) ) ] ) ) {
					$problems[] = array( $line, "$keyword names \"$code\", which is not a sniff of the ruleset", $comment );
				}
			}
			if ( in_array( $verb, array( 'ignore', 'disable' ), true ) && '' === $reason ) {
				$problems[] = array( $line, "$keyword gives no reason: add \" -- <why this is safe here>\"", $comment );
			}
		}
	}
	return $problems;
}

$lpapi_phpcs     = 'phpcs';
$lpapi_standard  = null;
$lpapi_self_test = false;
$lpapi_paths     = array();
foreach ( array_slice( $argv, 1 ) as $lpapi_arg ) {
	if ( 0 === strpos( $lpapi_arg, '--phpcs=' ) ) {
		$lpapi_phpcs = substr( $lpapi_arg, 8 );
	} elseif ( 0 === strpos( $lpapi_arg, '--standard=' ) ) {
		$lpapi_standard = substr( $lpapi_arg, 11 );
	} elseif ( '--self-test' === $lpapi_arg ) {
		$lpapi_self_test = true;
	} else {
		$lpapi_paths[] = $lpapi_arg;
	}
}

if ( $lpapi_self_test ) {
	$lpapi_sniffs = lpapi_ruleset_sniffs( $lpapi_phpcs, dirname( __DIR__, 2 ) . '/phpcs.xml.dist' );
	$lpapi_failed = 0;
	foreach ( array( 'good', 'bad' ) as $lpapi_kind ) {
		$lpapi_file     = __DIR__ . "/tests/ignores/$lpapi_kind.php";
		$lpapi_reported = array_unique( array_column( lpapi_check_file( $lpapi_file, $lpapi_sniffs ), 0 ) );
		$lpapi_expected = array();
		foreach ( file( $lpapi_file ) as $lpapi_index => $lpapi_line ) {
			if ( 'bad' === $lpapi_kind && preg_match( '/(phpcs:|@codingStandards)/', $lpapi_line ) && false === strpos( $lpapi_line, 'phpcs:enable' ) ) {
				$lpapi_expected[] = $lpapi_index + 1;
			}
		}
		sort( $lpapi_reported );
		$lpapi_ok = array_values( $lpapi_reported ) === $lpapi_expected;
		if ( ! $lpapi_ok ) {
			++$lpapi_failed;
		}
		printf(
			"%s tools/phpcs/tests/ignores/%s.php: expected failures on lines [%s], got [%s]\n",
			$lpapi_ok ? 'ok  ' : 'FAIL',
			$lpapi_kind,
			implode( ', ', $lpapi_expected ),
			implode( ', ', $lpapi_reported )
		);
	}
	printf( "%d passed, %d failed\n", 2 - $lpapi_failed, $lpapi_failed );
	exit( $lpapi_failed > 0 ? 1 : 0 );
}

if ( null === $lpapi_standard || array() === $lpapi_paths ) {
	fwrite( STDERR, "usage: php check-ignores.php [--phpcs=PATH] --standard=RULESET FILE|DIR... | --self-test\n" );
	exit( 2 );
}
$lpapi_sniffs  = lpapi_ruleset_sniffs( $lpapi_phpcs, $lpapi_standard );
$lpapi_passed  = 0;
$lpapi_failed  = 0;
$lpapi_comment = 0;
foreach ( lpapi_php_files( $lpapi_paths ) as $lpapi_file ) {
	$lpapi_problems = lpapi_check_file( $lpapi_file, $lpapi_sniffs );
	if ( array() === $lpapi_problems ) {
		++$lpapi_passed;
		continue;
	}
	++$lpapi_failed;
	$lpapi_comment += count( array_unique( array_column( $lpapi_problems, 0 ) ) );
	foreach ( $lpapi_problems as $lpapi_problem ) {
		printf( "%s:%d: %s\n      %s\n", $lpapi_file, $lpapi_problem[0], $lpapi_problem[1], $lpapi_problem[2] );
	}
}
if ( $lpapi_comment > 0 ) {
	echo "$lpapi_comment annotations fail the rule\n";
}
echo "$lpapi_passed passed, $lpapi_failed failed\n";
exit( $lpapi_failed > 0 ? 1 : 0 );
