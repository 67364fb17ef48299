<?php
/**
 * LatePointApi.PHP.StrictComparison: no loose comparisons.
 *
 * @package LatePointApi\Tools
 */

namespace LatePointApi\Sniffs\PHP;

use LatePointApi\Util\Expr;
use PHP_CodeSniffer\Files\File;
use PHP_CodeSniffer\Sniffs\Sniff;

require_once __DIR__ . '/../../Util/Expr.php';

/**
 * Loose comparison is how "0e1234" == "0e5678" and "abc" == 0 (PHP 7) let a key,
 * a hash or a permission through. So:
 * - LooseComparison: `==`, `!=` and `<>` are errors (use `===` / `!==`);
 * - NonStrictSearch: in_array() and array_search() without a third argument
 *   of `true`, and array_keys() with a search value but no `true`, are errors.
 */
final class StrictComparisonSniff implements Sniff {

	/**
	 * Tokens this sniff listens for.
	 *
	 * @return int[]
	 */
	public function register() {
		return array( T_IS_EQUAL, T_IS_NOT_EQUAL, T_STRING );
	}

	/**
	 * Checks one comparison or search call.
	 *
	 * @param File $file The file.
	 * @param int  $ptr  The token.
	 * @return void
	 */
	public function process( File $file, $ptr ) {
		$tokens = $file->getTokens();
		if ( T_STRING !== $tokens[ $ptr ]['code'] ) {
			$strict = T_IS_EQUAL === $tokens[ $ptr ]['code'] ? '===' : '!==';
			$file->addError( 'Loose comparison %s: use %s', $ptr, 'LooseComparison', array( $tokens[ $ptr ]['content'], $strict ) );
			return;
		}
		$name  = Expr::function_call_name( $file, $ptr );
		$index = array(
			'in_array'     => 2,
			'array_search' => 2,
			'array_keys'   => 2,
		);
		if ( null === $name || ! isset( $index[ $name ] ) ) {
			return;
		}
		$open = Expr::next_code( $file, $ptr + 1, count( $tokens ) - 1 );
		$args = Expr::call_args( $file, $open );
		if ( 'array_keys' === $name && count( $args ) < 2 ) {
			return; // array_keys( $array ) searches nothing.
		}
		$strict = $args[ $index[ $name ] ] ?? null;
		if ( null !== $strict && $strict[0] === $strict[1] && T_TRUE === $tokens[ $strict[0] ]['code'] ) {
			return;
		}
		$file->addError( '%s() compares loosely: pass true as its third argument', $ptr, 'NonStrictSearch', array( $name ) );
	}
}
