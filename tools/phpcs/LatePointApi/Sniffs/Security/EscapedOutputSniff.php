<?php
/**
 * LatePointApi.Security.EscapedOutput: what is printed is escaped where it is printed.
 *
 * @package LatePointApi\Tools
 */

namespace LatePointApi\Sniffs\Security;

use LatePointApi\Util\Expr;
use PHP_CodeSniffer\Files\File;
use PHP_CodeSniffer\Sniffs\Sniff;
use PHP_CodeSniffer\Util\Tokens;

require_once __DIR__ . '/../../Util/Expr.php';

/**
 * Checks what `echo`, `print`, `<?=`, `printf()`/`vprintf()` (every argument,
 * the format too), `exit()`/`die()` and `wp_die()` (the message) print.
 *
 * Each printed expression must be, or be a "." concatenation of, only:
 * - string literals without interpolated variables, numbers, true/false/null;
 * - calls of an escaping function ($escapingFunctions: esc_html(), esc_attr(),
 *   esc_url(), esc_html__(), wp_kses*(), absint(), intval(), number_format_i18n(),
 *   wp_json_encode(), selected()/checked()/disabled(), ..., plus
 *   $customEscapingFunctions), whose arguments are not inspected;
 * - `(int)`, `(float)`, `(bool)` casts;
 * - arithmetic, comparison and boolean expressions (their result is a number
 *   or a boolean: PHP 8 throws on non-numeric strings);
 * - class constants (`self::SLUG`: literals of our code) and the global
 *   constants in $safeConstants (PHP_EOL, ...); other global constants can be
 *   defined at run time from anywhere, so they are not trusted;
 * - a ternary, whose condition is not printed and whose branches each follow
 *   the rule (`$a ?: $b` prints $a, so $a must too), a parenthesised
 *   expression following the rule.
 * Anything else - a variable, a property, a method or static call, another
 * function, an interpolated string - is an OutputNotEscaped error.
 *
 * `_e()` and `_ex()` print a translation unescaped (a translation is input):
 * UnescapedTranslation, use esc_html_e() / esc_attr_e() or echo esc_html_x().
 */
final class EscapedOutputSniff implements Sniff {

	/**
	 * Functions whose result is safe to print.
	 *
	 * @var string[]
	 */
	public $escapingFunctions = array(
		'esc_html',
		'esc_attr',
		'esc_url',
		'esc_js',
		'esc_textarea',
		'esc_xml',
		'esc_html__',
		'esc_attr__',
		'esc_html_x',
		'esc_attr_x',
		'esc_html_e',
		'esc_attr_e',
		'wp_kses',
		'wp_kses_post',
		'wp_kses_data',
		'wp_kses_one_attr',
		'absint',
		'intval',
		'floatval',
		'boolval',
		'count',
		'number_format_i18n',
		'size_format',
		'wp_json_encode',
		'sanitize_html_class',
		'tag_escape',
		'selected',
		'checked',
		'disabled',
		'wp_readonly',
		'get_submit_button',
		'wp_nonce_field',
	);

	/**
	 * More escaping functions, for a ruleset to add (lower case).
	 *
	 * @var string[]
	 */
	public $customEscapingFunctions = array();

	/**
	 * Global constants safe to print.
	 *
	 * @var string[]
	 */
	public $safeConstants = array( 'PHP_EOL', 'PHP_INT_MAX', 'PHP_INT_MIN', 'PHP_INT_SIZE', 'PHP_FLOAT_EPSILON' );

	/**
	 * Tokens this sniff listens for.
	 *
	 * @return int[]
	 */
	public function register() {
		return array( T_ECHO, T_PRINT, T_OPEN_TAG_WITH_ECHO, T_EXIT, T_STRING );
	}

	/**
	 * Checks one printing construct.
	 *
	 * @param File $file The file.
	 * @param int  $ptr  The token.
	 * @return void
	 */
	public function process( File $file, $ptr ) {
		$tokens = $file->getTokens();
		$code   = $tokens[ $ptr ]['code'];
		if ( T_STRING === $code ) {
			$this->process_function( $file, $ptr );
			return;
		}
		if ( T_EXIT === $code ) {
			$open = Expr::next_code( $file, $ptr + 1, count( $tokens ) - 1 );
			if ( null === $open || T_OPEN_PARENTHESIS !== $tokens[ $open ]['code'] ) {
				return;
			}
			$args = Expr::call_args( $file, $open );
			if ( array() !== $args ) {
				$this->check_printed( $file, $args[0][0], $args[0][1], $tokens[ $ptr ]['content'] );
			}
			return;
		}
		$end = $file->findNext( array( T_SEMICOLON, T_CLOSE_TAG ), $ptr + 1 );
		if ( false === $end ) {
			return;
		}
		$what  = T_OPEN_TAG_WITH_ECHO === $code ? '<?=' : strtolower( $tokens[ $ptr ]['content'] );
		$range = Expr::trim( $file, $ptr + 1, $end - 1 );
		if ( null === $range ) {
			return;
		}
		$parts = T_PRINT === $code ? array( $range ) : Expr::split( $file, $range[0], $range[1], T_COMMA );
		foreach ( $parts as $part ) {
			$this->check_printed( $file, $part[0], $part[1], $what );
		}
	}

	/**
	 * Printing functions: printf(), vprintf(), wp_die(), _e(), _ex().
	 */
	private function process_function( File $file, int $ptr ): void {
		$name = Expr::function_call_name( $file, $ptr );
		if ( null === $name ) {
			return;
		}
		if ( '_e' === $name || '_ex' === $name ) {
			$file->addError(
				'%s() prints a translation unescaped: use esc_html_e() or esc_attr_e() (or echo esc_html_x() for a context)',
				$ptr,
				'UnescapedTranslation',
				array( $name )
			);
			return;
		}
		if ( ! in_array( $name, array( 'printf', 'vprintf', 'wp_die' ), true ) ) {
			return;
		}
		$open = Expr::next_code( $file, $ptr + 1, count( $file->getTokens() ) - 1 );
		$args = Expr::call_args( $file, $open );
		if ( 'wp_die' === $name ) {
			$args = array_slice( $args, 0, 1 );
		}
		foreach ( $args as $arg ) {
			$this->check_printed( $file, $arg[0], $arg[1], $name . '()' );
		}
	}

	/**
	 * Reports the first unsafe part of the printed expression [$start, $end].
	 */
	private function check_printed( File $file, int $start, int $end, string $what ): void {
		$problem = $this->unsafe_part( $file, $start, $end );
		if ( null === $problem ) {
			return;
		}
		$file->addError(
			'%s prints %s unescaped: escape it where it is printed (esc_html(), esc_attr(), esc_url(), wp_kses_post(), (int), ...)',
			$problem[0],
			'OutputNotEscaped',
			array( $what, $problem[1] )
		);
	}

	/**
	 * The first unsafe operand in [$start, $end] as [token, description], or null.
	 *
	 * @return ?array{0: int, 1: string}
	 */
	private function unsafe_part( File $file, int $start, int $end ): ?array {
		$ternary = Expr::ternary( $file, $start, $end );
		if ( null !== $ternary ) {
			list( $cond, $then, $else ) = $ternary;
			return $this->unsafe_part( $file, ( $then ?? $cond )[0], ( $then ?? $cond )[1] ) ?? $this->unsafe_part( $file, $else[0], $else[1] );
		}
		$coalesce = Expr::split( $file, $start, $end, T_COALESCE );
		if ( count( $coalesce ) > 1 ) {
			foreach ( $coalesce as $side ) {
				$problem = $this->unsafe_part( $file, $side[0], $side[1] );
				if ( null !== $problem ) {
					return $problem;
				}
			}
			return null;
		}
		foreach ( Expr::split( $file, $start, $end, T_STRING_CONCAT ) as $part ) {
			$problem = $this->unsafe_operand( $file, $part[0], $part[1] );
			if ( null !== $problem ) {
				return $problem;
			}
		}
		return null;
	}

	/**
	 * One operand of a concatenation (no top-level "." in it).
	 *
	 * @return ?array{0: int, 1: string}
	 */
	private function unsafe_operand( File $file, int $start, int $end ): ?array {
		$tokens = $file->getTokens();
		$scalar = Tokens::$arithmeticTokens + Tokens::$comparisonTokens + Tokens::$booleanOperators + array( T_BOOLEAN_NOT => true );
		if ( Expr::has_top_level( $file, $start, $end, array_keys( $scalar ) ) ) {
			return null; // A number or a boolean.
		}
		$first = $tokens[ $start ];
		switch ( $first['code'] ) {
			case T_CONSTANT_ENCAPSED_STRING:
			case T_LNUMBER:
			case T_DNUMBER:
			case T_TRUE:
			case T_FALSE:
			case T_NULL:
			case T_START_NOWDOC:
			case T_LINE:
				return $start === $end || T_START_NOWDOC === $first['code'] ? null : array( $start, $this->describe( $file, $start, $end ) );
			case T_INT_CAST:
			case T_DOUBLE_CAST:
			case T_BOOL_CAST:
				return null;
			case T_DOUBLE_QUOTED_STRING:
			case T_START_HEREDOC:
				list( $vars ) = Expr::interpolations( $file, $start );
				return array() === $vars ? null : array( $vars[0][2], $vars[0][0] . ' (interpolated)' );
			case T_OPEN_PARENTHESIS:
				if ( $first['parenthesis_closer'] === $end ) {
					$inner = Expr::trim( $file, $start + 1, $end - 1 );
					return null === $inner ? null : $this->unsafe_part( $file, $inner[0], $inner[1] );
				}
				break;
			case T_NS_SEPARATOR:
				$next = Expr::next_code( $file, $start + 1, $end );
				return null === $next ? array( $start, '\\' ) : $this->unsafe_operand( $file, $next, $end );
			case T_STRING:
			case T_SELF:
			case T_STATIC:
			case T_PARENT:
				return $this->unsafe_name( $file, $start, $end );
		}
		return array( $start, $this->describe( $file, $start, $end ) );
	}

	/**
	 * A name: an escaping function call, a class constant, a safe constant.
	 *
	 * @return ?array{0: int, 1: string}
	 */
	private function unsafe_name( File $file, int $start, int $end ): ?array {
		$tokens = $file->getTokens();
		$next   = Expr::next_code( $file, $start + 1, $end );
		if ( null !== $next && T_DOUBLE_COLON === $tokens[ $next ]['code'] ) {
			$member = Expr::next_code( $file, $next + 1, $end );
			$after  = null === $member ? null : Expr::next_code( $file, $member + 1, $end );
			if ( null !== $member && T_STRING === $tokens[ $member ]['code'] && null === $after ) {
				return null; // A class constant.
			}
			return array( $start, $this->describe( $file, $start, $end ) );
		}
		if ( T_STRING !== $tokens[ $start ]['code'] ) {
			return array( $start, $this->describe( $file, $start, $end ) );
		}
		if ( null === $next ) {
			return in_array( $tokens[ $start ]['content'], $this->safeConstants, true ) ? null : array( $start, 'the constant ' . $tokens[ $start ]['content'] );
		}
		$function = Expr::function_call_name( $file, $start );
		if ( null !== $function && $tokens[ $next ]['parenthesis_closer'] === $end ) {
			$safe = array_merge( $this->escapingFunctions, array_map( 'strtolower', $this->customEscapingFunctions ) );
			if ( in_array( $function, $safe, true ) ) {
				return null;
			}
		}
		return array( $start, $this->describe( $file, $start, $end ) );
	}

	/**
	 * The source of [$start, $end], shortened, for a message.
	 */
	private function describe( File $file, int $start, int $end ): string {
		$tokens = $file->getTokens();
		$text   = '';
		for ( $i = $start; $i <= $end; $i++ ) {
			if ( ! isset( Tokens::$commentTokens[ $tokens[ $i ]['code'] ] ) && ! isset( Tokens::$phpcsCommentTokens[ $tokens[ $i ]['code'] ] ) ) {
				$text .= $tokens[ $i ]['content'];
			}
		}
		$text = (string) preg_replace( '/\s+/', ' ', trim( $text ) );
		return strlen( $text ) > 50 ? substr( $text, 0, 47 ) . '...' : $text;
	}
}
