<?php
/**
 * LatePointApi.Security.PreparedSql: SQL reaches $wpdb only as literals,
 * trusted identifiers, or through $wpdb->prepare().
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
 * The rule, for `$wpdb->query()`, `get_results()`, `get_var()`, `get_row()`,
 * `get_col()` (the "run" methods) and `$wpdb->prepare()`:
 *
 * The SQL argument (the first) may be built, with "." and parentheses, only from
 * - string literals: single-quoted, nowdoc, or double-quoted/heredoc whose only
 *   interpolations are `$wpdb->property` (`{$wpdb->prefix}`, `{$wpdb->posts}`);
 * - numbers, `true`/`false`/`null`, global and class constants;
 * - `$wpdb->property` (table names and the prefix);
 * - static method calls (`Schema::keys()`, `Tables::name( 'bookings' )`,
 *   `self::select()`) whose own arguments follow this same rule: our classes
 *   name our tables; a variable passed to them is still a variable;
 * - `(int)` / `(float)` / `(bool)` casts and calls of the functions in
 *   $sanitizingFunctions (absint(), intval(), floatval(), esc_sql(), count()),
 *   whose arguments are not inspected;
 * - the placeholder-list idiom `implode( ',', array_fill( 0, $n, '%s' ) )`;
 * - variables named in $safeVariables (empty by default);
 * - for the run methods only: a `$wpdb->prepare( ... )` call.
 * A ternary's condition is not part of the SQL; each branch must follow the rule.
 *
 * Anything else - a variable, a property, a method or function call, an
 * interpolated variable - is an error:
 * - NotPrepared: a run method gets SQL that is neither literal nor prepared;
 * - InterpolatedVariable: a variable inside a double-quoted string/heredoc of
 *   prepare()'s query;
 * - UnsafeQueryPart: a variable or call concatenated into prepare()'s query.
 * Where a built fragment is safe for a reason the sniff cannot see (placeholders
 * assembled in a variable, a name checked against a list), say so with
 * `// phpcs:ignore LatePointApi.Security.PreparedSql.<Code> -- <reason>`.
 */
final class PreparedSqlSniff implements Sniff {

	/**
	 * The $wpdb methods that run SQL given as their first argument.
	 *
	 * @var string[]
	 */
	public $runMethods = array( 'query', 'get_results', 'get_var', 'get_row', 'get_col' );

	/**
	 * Functions whose result is safe in SQL whatever their arguments.
	 *
	 * @var string[]
	 */
	public $sanitizingFunctions = array( 'absint', 'intval', 'floatval', 'esc_sql', 'count' );

	/**
	 * Variable names (without "$") trusted in SQL. Empty: no variable is.
	 *
	 * @var string[]
	 */
	public $safeVariables = array();

	/**
	 * The receiver variable(s) treated as wpdb.
	 *
	 * @var string[]
	 */
	public $wpdbVariables = array( '$wpdb' );

	/**
	 * Tokens this sniff listens for.
	 *
	 * @return int[]
	 */
	public function register() {
		return array( T_VARIABLE );
	}

	/**
	 * Checks one `$wpdb->method(` call.
	 *
	 * @param File $file The file.
	 * @param int  $ptr  The $wpdb token.
	 * @return void
	 */
	public function process( File $file, $ptr ) {
		$call = $this->wpdb_call( $file, $ptr );
		if ( null === $call ) {
			return;
		}
		list( $method, $open ) = $call;
		$is_prepare            = 'prepare' === $method;
		if ( ! $is_prepare && ! in_array( $method, $this->runMethods, true ) ) {
			return;
		}
		$args = Expr::call_args( $file, $open );
		if ( array() === $args ) {
			return;
		}
		$problem = $this->check( $file, $args[0][0], $args[0][1], ! $is_prepare );
		if ( null === $problem ) {
			return;
		}
		list( $where, $what, $interpolated ) = $problem;
		if ( ! $is_prepare ) {
			$file->addError(
				'$wpdb->%s() runs SQL built from %s: pass it through $wpdb->prepare() with placeholders, or build it from literals and trusted identifiers only',
				$where,
				'NotPrepared',
				array( $method, $what )
			);
		} elseif ( $interpolated ) {
			$file->addError(
				'%s is interpolated into the query of $wpdb->prepare(): use a placeholder for values; for identifiers, concatenate a trusted static call or constant',
				$where,
				'InterpolatedVariable',
				array( $what )
			);
		} else {
			$file->addError(
				'The query of $wpdb->prepare() is built from %s: use placeholders for values; identifiers must come from literals, constants or static calls with literal arguments',
				$where,
				'UnsafeQueryPart',
				array( $what )
			);
		}
	}

	/**
	 * [method name, "(" position] when $ptr starts `$wpdb->method(`, else null.
	 *
	 * @return ?array{0: string, 1: int}
	 */
	private function wpdb_call( File $file, int $ptr ): ?array {
		$tokens = $file->getTokens();
		if ( ! in_array( $tokens[ $ptr ]['content'], $this->wpdbVariables, true ) ) {
			return null;
		}
		$arrow = $file->findNext( Tokens::$emptyTokens, $ptr + 1, null, true );
		if ( false === $arrow || ! in_array( $tokens[ $arrow ]['code'], array( T_OBJECT_OPERATOR, T_NULLSAFE_OBJECT_OPERATOR ), true ) ) {
			return null;
		}
		$name = $file->findNext( Tokens::$emptyTokens, $arrow + 1, null, true );
		if ( false === $name || T_STRING !== $tokens[ $name ]['code'] ) {
			return null;
		}
		$open = $file->findNext( Tokens::$emptyTokens, $name + 1, null, true );
		if ( false === $open || T_OPEN_PARENTHESIS !== $tokens[ $open ]['code'] ) {
			return null;
		}
		return array( strtolower( $tokens[ $name ]['content'] ), $open );
	}

	/**
	 * The first part of [$start, $end] that breaks the rule, as [token, description,
	 * whether it is an interpolation], or null when the whole range is safe SQL.
	 *
	 * @return ?array{0: int, 1: string, 2: bool}
	 */
	private function check( File $file, int $start, int $end, bool $allow_prepare ): ?array {
		$tokens  = $file->getTokens();
		$ternary = Expr::ternary( $file, $start, $end );
		if ( null !== $ternary ) {
			list( , $then, $else ) = $ternary;
			if ( null === $then ) {
				$then = $ternary[0]; // $a ?: $b puts $a itself into the SQL.
			}
			return $this->check( $file, $then[0], $then[1], $allow_prepare ) ?? $this->check( $file, $else[0], $else[1], $allow_prepare );
		}
		$safe = Tokens::$emptyTokens + Tokens::$arithmeticTokens + array(
			T_CONSTANT_ENCAPSED_STRING => true,
			T_LNUMBER                  => true,
			T_DNUMBER                  => true,
			T_STRING_CONCAT            => true,
			T_START_NOWDOC             => true,
			T_NOWDOC                   => true,
			T_END_NOWDOC               => true,
			T_TRUE                     => true,
			T_FALSE                    => true,
			T_NULL                     => true,
			T_NS_SEPARATOR             => true,
			T_LINE                     => true,
			T_CLASS_C                  => true,
			T_FUNC_C                   => true,
			T_METHOD_C                 => true,
		);
		for ( $i = $start; $i <= $end; $i++ ) {
			$code = $tokens[ $i ]['code'];
			if ( isset( $safe[ $code ] ) ) {
				continue;
			}
			switch ( $code ) {
				case T_DOUBLE_QUOTED_STRING:
				case T_START_HEREDOC:
					list( $vars, $last ) = Expr::interpolations( $file, $i );
					foreach ( $vars as $var ) {
						if ( ! $var[1] && ! in_array( ltrim( $var[0], '$' ), $this->safeVariables, true ) ) {
							return array( $var[2], $var[0], true );
						}
					}
					$i = $last;
					continue 2;
				case T_OPEN_PARENTHESIS:
					$close = $tokens[ $i ]['parenthesis_closer'];
					$inner = Expr::trim( $file, $i + 1, $close - 1 );
					if ( null !== $inner ) {
						$problem = $this->check( $file, $inner[0], $inner[1], $allow_prepare );
						if ( null !== $problem ) {
							return $problem;
						}
					}
					$i = $close;
					continue 2;
				case T_INT_CAST:
				case T_DOUBLE_CAST:
				case T_BOOL_CAST:
					$i = $this->end_of_operand( $file, $i, $end );
					continue 2;
				case T_VARIABLE:
					$after = $this->check_variable( $file, $i, $end, $allow_prepare );
					if ( is_array( $after ) ) {
						return $after;
					}
					$i = $after;
					continue 2;
				case T_STRING:
				case T_SELF:
				case T_STATIC:
				case T_PARENT:
					$after = $this->check_name( $file, $i, $end, $allow_prepare );
					if ( is_array( $after ) ) {
						return $after;
					}
					$i = $after;
					continue 2;
			}
			return array( $i, $this->describe( $tokens[ $i ] ), false );
		}
		return null;
	}

	/**
	 * A variable: $wpdb->property and $wpdb->prepare() (where allowed) are safe.
	 * Returns the last token of the safe operand, or the problem.
	 *
	 * @return int|array{0: int, 1: string, 2: bool}
	 */
	private function check_variable( File $file, int $i, int $end, bool $allow_prepare ) {
		$tokens = $file->getTokens();
		$name   = $tokens[ $i ]['content'];
		$arrow  = Expr::next_code( $file, $i + 1, $end );
		if ( in_array( $name, $this->wpdbVariables, true ) && null !== $arrow && in_array( $tokens[ $arrow ]['code'], array( T_OBJECT_OPERATOR, T_NULLSAFE_OBJECT_OPERATOR ), true ) ) {
			$member = Expr::next_code( $file, $arrow + 1, $end );
			if ( null !== $member && T_STRING === $tokens[ $member ]['code'] ) {
				$open = Expr::next_code( $file, $member + 1, $end );
				if ( null === $open || T_OPEN_PARENTHESIS !== $tokens[ $open ]['code'] ) {
					return $member; // $wpdb->prefix, $wpdb->posts.
				}
				if ( $allow_prepare && 'prepare' === strtolower( $tokens[ $member ]['content'] ) ) {
					return $tokens[ $open ]['parenthesis_closer']; // Checked on its own.
				}
				return array( $i, $name . '->' . $tokens[ $member ]['content'] . '()', false );
			}
		}
		$next = Expr::next_code( $file, $i + 1, $end );
		$bare = null === $next || ! in_array( $tokens[ $next ]['code'], array( T_OBJECT_OPERATOR, T_NULLSAFE_OBJECT_OPERATOR, T_OPEN_SQUARE_BRACKET, T_OPEN_PARENTHESIS, T_DOUBLE_COLON ), true );
		if ( $bare && in_array( ltrim( $name, '$' ), $this->safeVariables, true ) ) {
			return $i;
		}
		return array( $i, $name, false );
	}

	/**
	 * A name: a constant, a static call or class constant, a sanitizing function,
	 * the placeholder-list idiom. Returns the last token of the safe operand, or
	 * the problem.
	 *
	 * @return int|array{0: int, 1: string, 2: bool}
	 */
	private function check_name( File $file, int $i, int $end, bool $allow_prepare ) {
		$tokens = $file->getTokens();
		$next   = Expr::next_code( $file, $i + 1, $end );
		if ( null !== $next && T_DOUBLE_COLON === $tokens[ $next ]['code'] ) {
			$member = Expr::next_code( $file, $next + 1, $end );
			if ( null === $member || T_STRING !== $tokens[ $member ]['code'] ) {
				return array( $i, $tokens[ $i ]['content'] . '::' . ( null === $member ? '' : $tokens[ $member ]['content'] ), false );
			}
			$open = Expr::next_code( $file, $member + 1, $end );
			if ( null === $open || T_OPEN_PARENTHESIS !== $tokens[ $open ]['code'] ) {
				return $member; // A class constant.
			}
			foreach ( Expr::call_args( $file, $open ) as $arg ) {
				$problem = $this->check( $file, $arg[0], $arg[1], $allow_prepare );
				if ( null !== $problem ) {
					return $problem;
				}
			}
			return $tokens[ $open ]['parenthesis_closer'];
		}
		if ( T_STRING !== $tokens[ $i ]['code'] ) {
			return array( $i, $tokens[ $i ]['content'], false );
		}
		$function = Expr::function_call_name( $file, $i );
		if ( null === $function ) {
			return $i; // A constant (ARRAY_A, LPAPI_TABLE).
		}
		$open = $next;
		if ( in_array( $function, $this->sanitizingFunctions, true ) ) {
			return $tokens[ $open ]['parenthesis_closer'];
		}
		if ( in_array( $function, array( 'implode', 'join' ), true ) && $this->is_placeholder_list( $file, $open ) ) {
			return $tokens[ $open ]['parenthesis_closer'];
		}
		return array( $i, $tokens[ $i ]['content'] . '()', false );
	}

	/**
	 * Whether the implode( "(" at $open is `implode( <literal>, array_fill( <any>, <any>, <literal> ) )`.
	 */
	private function is_placeholder_list( File $file, int $open ): bool {
		$tokens = $file->getTokens();
		$args   = Expr::call_args( $file, $open );
		if ( 2 !== count( $args ) || $args[0][0] !== $args[0][1] || T_CONSTANT_ENCAPSED_STRING !== $tokens[ $args[0][0] ]['code'] ) {
			return false;
		}
		$fill = $args[1][0];
		if ( 'array_fill' !== Expr::function_call_name( $file, $fill ) ) {
			return false;
		}
		$fill_open = Expr::next_code( $file, $fill + 1, $args[1][1] );
		if ( $tokens[ $fill_open ]['parenthesis_closer'] !== $args[1][1] ) {
			return false;
		}
		$fill_args = Expr::call_args( $file, $fill_open );
		return 3 === count( $fill_args )
			&& $fill_args[2][0] === $fill_args[2][1]
			&& T_CONSTANT_ENCAPSED_STRING === $tokens[ $fill_args[2][0] ]['code']
			&& 1 === preg_match( '/^([\'"])%[dfs]\1$/', $tokens[ $fill_args[2][0] ]['content'] );
	}

	/**
	 * The last token of the operand after the cast at $cast: up to the next
	 * top-level "." (a cast binds tighter than concatenation), or $end.
	 */
	private function end_of_operand( File $file, int $cast, int $end ): int {
		$tokens = $file->getTokens();
		for ( $i = $cast + 1; $i <= $end; $i++ ) {
			$skip = Expr::skip_nested( $tokens, $i );
			if ( $skip !== $i ) {
				$i = $skip;
				continue;
			}
			if ( T_STRING_CONCAT === $tokens[ $i ]['code'] ) {
				return $i - 1;
			}
		}
		return $end;
	}

	/**
	 * A short name for a token in a message.
	 */
	private function describe( array $token ): string {
		$content = trim( $token['content'] );
		if ( strlen( $content ) > 40 ) {
			$content = substr( $content, 0, 37 ) . '...';
		}
		return '' === $content ? $token['type'] : $content;
	}
}
