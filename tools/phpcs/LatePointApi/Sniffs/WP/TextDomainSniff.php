<?php
/**
 * LatePointApi.WP.TextDomain: every translatable string is a literal in our text domain.
 *
 * @package LatePointApi\Tools
 */

namespace LatePointApi\Sniffs\WP;

use LatePointApi\Util\Expr;
use PHP_CodeSniffer\Files\File;
use PHP_CodeSniffer\Sniffs\Sniff;

require_once __DIR__ . '/../../Util/Expr.php';

/**
 * For the gettext functions of WordPress (__(), _x(), _n(), esc_html__(), ...):
 * - WrongTextDomain / MissingTextDomain: the text domain argument must be the
 *   literal $textDomain ('latepoint-api-keys');
 * - NonLiteralText: the text (and the context, and the plural) must be string
 *   literals, or no tool can extract them for translation;
 * - TooManyArguments / TooFewArguments: the argument count of the function.
 */
final class TextDomainSniff implements Sniff {

	/**
	 * The plugin's text domain.
	 *
	 * @var string
	 */
	public $textDomain = 'latepoint-api-keys';

	/**
	 * Function => [positions of literal arguments, position of the domain].
	 *
	 * @var array<string, array{0: int[], 1: int}>
	 */
	private $functions = array(
		'__'           => array( array( 0 ), 1 ),
		'_e'           => array( array( 0 ), 1 ),
		'esc_html__'   => array( array( 0 ), 1 ),
		'esc_html_e'   => array( array( 0 ), 1 ),
		'esc_attr__'   => array( array( 0 ), 1 ),
		'esc_attr_e'   => array( array( 0 ), 1 ),
		'_x'           => array( array( 0, 1 ), 2 ),
		'_ex'          => array( array( 0, 1 ), 2 ),
		'esc_html_x'   => array( array( 0, 1 ), 2 ),
		'esc_attr_x'   => array( array( 0, 1 ), 2 ),
		'_n'           => array( array( 0, 1 ), 3 ),
		'_nx'          => array( array( 0, 1, 3 ), 4 ),
		'_n_noop'      => array( array( 0, 1 ), 2 ),
		'_nx_noop'     => array( array( 0, 1, 2 ), 3 ),
	);

	/**
	 * Tokens this sniff listens for.
	 *
	 * @return int[]
	 */
	public function register() {
		return array( T_STRING );
	}

	/**
	 * Checks one gettext call.
	 *
	 * @param File $file The file.
	 * @param int  $ptr  The token.
	 * @return void
	 */
	public function process( File $file, $ptr ) {
		$name = Expr::function_call_name( $file, $ptr );
		if ( null === $name || ! isset( $this->functions[ $name ] ) ) {
			return;
		}
		$tokens                   = $file->getTokens();
		list( $literals, $domain ) = $this->functions[ $name ];
		$open                     = Expr::next_code( $file, $ptr + 1, count( $tokens ) - 1 );
		$args                     = Expr::call_args( $file, $open );
		if ( count( $args ) > $domain + 1 ) {
			$file->addError( '%s() takes %d arguments, %d given', $ptr, 'TooManyArguments', array( $name, $domain + 1, count( $args ) ) );
			return;
		}
		foreach ( $literals as $position ) {
			if ( ! isset( $args[ $position ] ) ) {
				$file->addError( '%s() needs at least %d arguments', $ptr, 'TooFewArguments', array( $name, $position + 1 ) );
				return;
			}
			if ( ! $this->is_literal( $tokens, $args[ $position ] ) ) {
				$file->addError( 'Argument %d of %s() must be a string literal, or it cannot be extracted for translation', $args[ $position ][0], 'NonLiteralText', array( $position + 1, $name ) );
			}
		}
		if ( ! isset( $args[ $domain ] ) ) {
			$file->addError( '%s() has no text domain: add \'%s\'', $ptr, 'MissingTextDomain', array( $name, $this->textDomain ) );
			return;
		}
		$arg = $args[ $domain ];
		if ( ! $this->is_literal( $tokens, $arg ) || trim( $tokens[ $arg[0] ]['content'], '\'"' ) !== $this->textDomain ) {
			$file->addError( 'The text domain of %s() must be the literal \'%s\'', $arg[0], 'WrongTextDomain', array( $name, $this->textDomain ) );
		}
	}

	/**
	 * Whether the argument is one string literal without interpolation.
	 */
	private function is_literal( array $tokens, array $arg ): bool {
		if ( $arg[0] !== $arg[1] ) {
			return false;
		}
		$token = $tokens[ $arg[0] ];
		return T_CONSTANT_ENCAPSED_STRING === $token['code'];
	}
}
