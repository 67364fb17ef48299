#!/usr/bin/env bash
# Installs the built extension into PHP's extension dir and enables it for
# every SAPI the Debian way (mods-available + phpenmod).
# Usage: scripts/install-extension.sh path/to/liblpapi.so
set -euo pipefail
so="${1:?path to liblpapi.so}"
ext_dir="$(php-config --extension-dir)"
php_version="$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')"
ini="/etc/php/${php_version}/mods-available/lpapi.ini"

echo "==> copying $so to $ext_dir/lpapi.so"
install -m 0644 "$so" "$ext_dir/lpapi.so"
echo "==> writing $ini"
cat > "$ini" <<INI
; LatePoint API Keys native core
; priority=20
extension=lpapi.so
; Slots of the shared rate-limit table (64 bytes each); one per live bucket.
;lpapi.rate_slots=16384
; Key records each PHP process caches.
;lpapi.cache_entries=1024
INI
echo "==> enabling it for every SAPI (phpenmod lpapi)"
phpenmod -v "$php_version" lpapi
php -r 'exit(extension_loaded("lpapi") ? 0 : 1);' && echo "==> php -m now lists lpapi; restart php-fpm to load it in workers"
