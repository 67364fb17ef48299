<?php
/**
 * Annotations that break the rule, one per line: tools/phpcs/check-ignores.php
 * --self-test must report every line below that carries one (phpcs:enable aside).
 *
 * @package LatePointApi\Tools
 */

$a = @fopen( $file, 'rb' ); // phpcs:ignore
$b = @fopen( $file, 'rb' ); // phpcs:ignore -- no sniff named.
$c = @fopen( $file, 'rb' ); // phpcs:ignore Generic.PHP.NoSilencedErrors
$d = @fopen( $file, 'rb' ); // phpcs:ignore WordPress.PHP.NoSilencedErrors -- a sniff that nothing runs.
$e = @fopen( $file, 'rb' ); // phpcs:ignore Generic.PHP -- a category.
$f = @fopen( $file, 'rb' ); // phpcs:ignore Generic -- a standard.
$g = @fopen( $file, 'rb' ); // phpcs:ignore Generic.PHP.NoSilencedErrors, WordPress.WP.AlternativeFunctions -- one of two is not ours.
$h = @fopen( $file, 'rb' ); // phpcs:ignore Squiz.Commenting.FunctionComment -- a real sniff, but not in our ruleset.
// phpcs:disable
// phpcs:enable
// phpcs:disable WordPress.Security.NonceVerification.Missing -- checked in handle_post().
// phpcs:enable
// phpcs:disable Generic.PHP.NoSilencedErrors
// phpcs:enable
// phpcs:ignoreFile
// @codingStandardsIgnoreLine
