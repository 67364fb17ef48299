<?php
/**
 * Annotations that follow the rule: they name sniffs of phpcs.xml.dist and say why.
 * tools/phpcs/check-ignores.php --self-test must find nothing here.
 *
 * @package LatePointApi\Tools
 */

$handle = @fopen( $file, 'rb' ); // phpcs:ignore Generic.PHP.NoSilencedErrors -- a missing spool file is the normal case.
$packed = @inet_pton( $ip ); // phpcs:ignore Generic.PHP.NoSilencedErrors.Forbidden -- invalid input is expected here.
// phpcs:ignore LatePointApi.Security.PreparedSql.NotPrepared, LatePointApi.Security.PreparedSql.UnsafeQueryPart -- $sql holds only placeholders built above.
$rows = $wpdb->get_results( $sql );
/* phpcs:disable LatePointApi.Security.EscapedOutput -- every part of $html is escaped where it is built. */
echo $html;
/* phpcs:enable */
// phpcs:disable Generic.Files.OneObjectStructurePerFile -- these mirror the extension's classes, defined only without it.
// phpcs:enable Generic.Files.OneObjectStructurePerFile
// A comment that mentions phpcs:ignore in passing is not an annotation.
