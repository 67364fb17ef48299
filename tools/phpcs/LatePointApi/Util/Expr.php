<?php
/**
 * Token helpers shared by the LatePointApi sniffs: the arguments of a call,
 * the branches of a ternary, the parts of a concatenation, and the variables
 * interpolated in a double-quoted string or heredoc.
 *
 * Not a sniff (PHPCS loads only *Sniff.php files as sniffs); each sniff
 * require_once's it, since PHPCS 3.7 does not autoload helper classes of a
 * standard that is referenced from another ruleset.
 *
 * @package LatePointApi\Tools
 */

namespace LatePointApi\Util;

use PHP_CodeSniffer\Files\File;
use PHP_CodeSniffer\Util\Tokens;

/**
 * Static helpers over a PHPCS token stack. Ranges are inclusive: [$start, $end].
 */
final class Expr {

	/**
	 * The next token in [$start, $end] that is not whitespace or a comment, or null.
	 */
	public static function next_code( File $file, int $start, int $end ): ?int {
		$ptr = $file->findNext( Tokens::$emptyTokens, $start, $end + 1, true );
		return false === $ptr ? null : $ptr;
	}

	/**
	 * The previous token from $start back that is not whitespace or a comment, or null.
	 */
	public static function prev_code( File $file, int $start ): ?int {
		$ptr = $file->findPrevious( Tokens::$emptyTokens, $start, null, true );
		return false === $ptr ? null : $ptr;
	}

	/**
	 * Where the token at $ptr ends when it opens a nested structure (parenthesis,
	 * bracket, brace, short array): its closer; else $ptr itself.
	 */
	public static function skip_nested( array $tokens, int $ptr ): int {
		$token = $tokens[ $ptr ];
		if ( isset( $token['parenthesis_opener'], $token['parenthesis_closer'] ) && $token['parenthesis_opener'] === $ptr ) {
			return $token['parenthesis_closer'];
		}
		if ( isset( $token['bracket_opener'], $token['bracket_closer'] ) && $token['bracket_opener'] === $ptr ) {
			return $token['bracket_closer'];
		}
		if ( in_array( $token['code'], array( T_CLOSURE, T_FN ), true ) && isset( $token['scope_closer'] ) ) {
			return $token['scope_closer'];
		}
		if ( T_MATCH === $token['code'] && isset( $token['scope_closer'] ) ) {
			return $token['scope_closer'];
		}
		if ( T_OPEN_CURLY_BRACKET === $token['code'] && isset( $token['bracket_closer'] ) ) {
			return $token['bracket_closer'];
		}
		return $ptr;
	}

	/**
	 * The arguments of the call whose "(" is at $open, as [start, end] ranges
	 * (trimmed of whitespace and comments). Empty array for "()".
	 *
	 * @return array<int, array{0: int, 1: int}>
	 */
	public static function call_args( File $file, int $open ): array {
		$tokens = $file->getTokens();
		if ( ! isset( $tokens[ $open ]['parenthesis_closer'] ) ) {
			return array();
		}
		$close = $tokens[ $open ]['parenthesis_closer'];
		return self::split( $file, $open + 1, $close - 1, T_COMMA );
	}

	/**
	 * Splits [$start, $end] at the top-level tokens of type $code (commas, "."),
	 * returning the trimmed, non-empty parts.
	 *
	 * @return array<int, array{0: int, 1: int}>
	 */
	public static function split( File $file, int $start, int $end, $code ): array {
		$tokens = $file->getTokens();
		$parts  = array();
		$from   = $start;
		for ( $i = $start; $i <= $end; $i++ ) {
			$skip = self::skip_nested( $tokens, $i );
			if ( $skip !== $i ) {
				$i = $skip;
				continue;
			}
			if ( $tokens[ $i ]['code'] === $code ) {
				$parts[] = array( $from, $i - 1 );
				$from    = $i + 1;
			}
		}
		$parts[] = array( $from, $end );
		$out     = array();
		foreach ( $parts as $part ) {
			$trimmed = self::trim( $file, $part[0], $part[1] );
			if ( null !== $trimmed ) {
				$out[] = $trimmed;
			}
		}
		return $out;
	}

	/**
	 * [$start, $end] without leading and trailing whitespace/comments, or null when empty.
	 *
	 * @return ?array{0: int, 1: int}
	 */
	public static function trim( File $file, int $start, int $end ): ?array {
		if ( $start > $end ) {
			return null;
		}
		$first = $file->findNext( Tokens::$emptyTokens, $start, $end + 1, true );
		if ( false === $first ) {
			return null;
		}
		$last = $file->findPrevious( Tokens::$emptyTokens, $end, $first, true );
		return array( $first, false === $last ? $first : $last );
	}

	/**
	 * A top-level ternary in [$start, $end]: [condition, then, else] ranges
	 * (then is null for the short "?:" form), or null when there is none.
	 *
	 * @return ?array{0: array{0: int, 1: int}, 1: ?array{0: int, 1: int}, 2: array{0: int, 1: int}}
	 */
	public static function ternary( File $file, int $start, int $end ): ?array {
		$tokens = $file->getTokens();
		$then   = null;
		$depth  = 0;
		for ( $i = $start; $i <= $end; $i++ ) {
			$skip = self::skip_nested( $tokens, $i );
			if ( $skip !== $i ) {
				$i = $skip;
				continue;
			}
			if ( T_INLINE_THEN === $tokens[ $i ]['code'] ) {
				if ( null === $then ) {
					$then = $i;
				}
				++$depth;
			} elseif ( T_INLINE_ELSE === $tokens[ $i ]['code'] && null !== $then ) {
				--$depth;
				if ( 0 === $depth ) {
					$cond      = self::trim( $file, $start, $then - 1 );
					$then_part = self::trim( $file, $then + 1, $i - 1 );
					$else_part = self::trim( $file, $i + 1, $end );
					if ( null === $cond || null === $else_part ) {
						return null;
					}
					return array( $cond, $then_part, $else_part );
				}
			}
		}
		return null;
	}

	/**
	 * Whether a top-level token of one of $codes is in [$start, $end].
	 */
	public static function has_top_level( File $file, int $start, int $end, array $codes ): bool {
		$tokens = $file->getTokens();
		for ( $i = $start; $i <= $end; $i++ ) {
			$skip = self::skip_nested( $tokens, $i );
			if ( $skip !== $i ) {
				$i = $skip;
				continue;
			}
			if ( in_array( $tokens[ $i ]['code'], $codes, true ) ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The variables interpolated in the double-quoted string or heredoc starting at
	 * $ptr (PHPCS gives one token per line; this reads all of them), as
	 * [expression text, is $wpdb->property, the token (line) it is in] triples,
	 * and the last token of the string.
	 *
	 * @return array{0: array<int, array{0: string, 1: bool, 2: int}>, 1: int}
	 */
	public static function interpolations( File $file, int $ptr ): array {
		$tokens = $file->getTokens();
		$code   = $tokens[ $ptr ]['code'];
		$text   = '';
		$last   = $ptr;
		if ( T_START_HEREDOC === $code ) {
			$text = "<?php\n" . $tokens[ $ptr ]['content'];
			for ( $i = $ptr + 1; isset( $tokens[ $i ] ); $i++ ) {
				$text .= $tokens[ $i ]['content'];
				$last  = $i;
				if ( T_END_HEREDOC === $tokens[ $i ]['code'] ) {
					break;
				}
			}
			$text .= ";\n";
		} else {
			for ( $i = $ptr; isset( $tokens[ $i ] ) && $tokens[ $i ]['code'] === $code; $i++ ) {
				$text .= $tokens[ $i ]['content'];
				$last  = $i;
			}
			$text = '<?php ' . $text . ';';
		}
		$found = array();
		$php   = token_get_all( $text );
		$count = count( $php );
		for ( $i = 0; $i < $count; $i++ ) {
			$t = $php[ $i ];
			if ( ! is_array( $t ) ) {
				continue;
			}
			if ( T_DOLLAR_OPEN_CURLY_BRACES === $t[0] ) {
				$found[] = array( '${...}', false, self::token_with( $tokens, $ptr, $last, '${' ) );
				continue;
			}
			if ( T_VARIABLE !== $t[0] ) {
				continue;
			}
			$expr    = $t[1];
			$is_prop = false;
			if ( isset( $php[ $i + 1 ], $php[ $i + 2 ] ) && is_array( $php[ $i + 1 ] ) && T_OBJECT_OPERATOR === $php[ $i + 1 ][0] && is_array( $php[ $i + 2 ] ) && T_STRING === $php[ $i + 2 ][0] ) {
				$expr   .= '->' . $php[ $i + 2 ][1];
				$is_call  = isset( $php[ $i + 3 ] ) && '(' === $php[ $i + 3 ];
				$is_prop = '$wpdb' === $t[1] && ! $is_call;
			}
			$found[] = array( $expr, $is_prop, self::token_with( $tokens, $ptr, $last, $t[1] ) );
		}
		return array( $found, $last );
	}

	/**
	 * The first token in [$from, $to] whose content contains $needle, else $from.
	 */
	private static function token_with( array $tokens, int $from, int $to, string $needle ): int {
		for ( $i = $from; $i <= $to; $i++ ) {
			if ( false !== strpos( $tokens[ $i ]['content'], $needle ) ) {
				return $i;
			}
		}
		return $from;
	}

	/**
	 * The name of the function called at $ptr (a T_STRING followed by "("), lower
	 * case and without a leading namespace separator, or null when $ptr is not a
	 * plain function call (a method call, a static call, a declaration, "new").
	 */
	public static function function_call_name( File $file, int $ptr ): ?string {
		$tokens = $file->getTokens();
		if ( T_STRING !== $tokens[ $ptr ]['code'] ) {
			return null;
		}
		$next = $file->findNext( Tokens::$emptyTokens, $ptr + 1, null, true );
		if ( false === $next || T_OPEN_PARENTHESIS !== $tokens[ $next ]['code'] ) {
			return null;
		}
		$prev = $file->findPrevious( Tokens::$emptyTokens, $ptr - 1, null, true );
		if ( false !== $prev && T_NS_SEPARATOR === $tokens[ $prev ]['code'] ) {
			$before = $file->findPrevious( Tokens::$emptyTokens, $prev - 1, null, true );
			if ( false !== $before && T_STRING === $tokens[ $before ]['code'] ) {
				return null; // Foo\bar(): a namespaced function of someone else.
			}
			$prev = $before;
		}
		if ( false !== $prev && in_array( $tokens[ $prev ]['code'], array( T_OBJECT_OPERATOR, T_NULLSAFE_OBJECT_OPERATOR, T_DOUBLE_COLON, T_FUNCTION, T_NEW, T_CONST ), true ) ) {
			return null;
		}
		return strtolower( $tokens[ $ptr ]['content'] );
	}
}
