#!/usr/bin/env bash
# The extension's Debian package as a host installs it: `apt-get install ./<deb>`, php-fpm restarted; then
# `php -m`, the admin page (Chromium) and the exact cross-worker rate-limit test show it in use; removing
# the package goes back to the pure-PHP fallback (the admin page says so), purging leaves nothing. It
# changes the whole machine, so scripts/test.sh runs it last, and a trap always purges what it installed. Prints "N passed, N failed".
# Usage: tests/dist/deb.sh DEB   (with the LPAPI_* of a stack of its own in the environment)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
DEB="$(realpath "${1:?the .deb}")"
package="$(dpkg-deb -f "$DEB" Package)"
php_version="$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')"
ini="/etc/php/$php_version/mods-available/lpapi.ini"
so="$(php-config --extension-dir)/lpapi.so"
pass=0 fail=0
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then pass=$((pass + 1)); echo "ok: $what"; else fail=$((fail + 1)); echo "FAILED: $what"; fi; }
node_suite() { # what, then node test files (their counts are added to ours)
  local what=$1 log p f
  shift
  log="$(mktemp)"
  node --test --test-concurrency=1 --test-reporter=spec "$@" >"$log" 2>&1
  p="$(grep -oP '^ℹ pass \K[0-9]+' "$log" | tail -1)" f="$(grep -oP '^ℹ fail \K[0-9]+' "$log" | tail -1)"
  if [[ ${p:-0} -gt 0 && ${f:-1} -eq 0 ]]; then pass=$((pass + p)); echo "ok: $what ($p tests)"; else fail=$((fail + ${f:-1})); echo "FAILED: $what"; cat "$log"; fi
  rm -f "$log"
}

# The machine as it was: this test needs one whose PHP does not load lpapi (no package, no make install),
# and leaves it so.
enabled() { local f n=0; for f in /etc/php/"$php_version"/*/conf.d/*lpapi*; do [[ -e $f ]] && n=$((n + 1)); done; echo "$n"; }
if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || [[ $(enabled) != 0 || -e $ini || -e $so ]]; then
  echo "PHP $php_version loads lpapi already ($package installed, or make install): this test needs a machine without it" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
restore() {
  apt-get purge -y -qq "$package" >/dev/null 2>&1 || dpkg --purge "$package" >/dev/null 2>&1 || true
  LPAPI_NATIVE=system scripts/stack.sh stop >/dev/null 2>&1 || true
}
trap restore EXIT

export DEBIAN_FRONTEND=noninteractive
check "apt-get install ./${DEB##*/} (its dependencies from this PHP)" apt-get install -y -qq -o Dpkg::Options::=--force-confnew "$DEB"
check "php -m lists lpapi (the CLI SAPI is enabled)" bash -c "php -m | grep -qx lpapi"
check "every SAPI of PHP $php_version has it enabled (phpenmod)" bash -c "for s in cli fpm; do [ -e /etc/php/$php_version/\$s/conf.d/20-lpapi.ini ] || exit 1; done"
check "the package's version is loaded" bash -c "[ \"\$(php -r 'echo phpversion(\"lpapi\");')\" = '$(dpkg-deb -f "$DEB" Version)' ]"
check "php-fpm restarted with PHP's configuration loads it" env LPAPI_NATIVE=system scripts/stack.sh start
eval "$(LPAPI_NATIVE=system scripts/stack.sh env)"
LPAPI_EXPECT_NATIVE=1 node_suite "the admin page shows the extension in use" tests/dist/extension.test.mjs
node_suite "rate limits exact across php-fpm workers, on the package's extension" tests/e2e/workers.test.mjs

check "apt-get remove $package" apt-get remove -y -qq "$package"
check "php -m no longer lists lpapi" bash -c "! php -m | grep -qx lpapi"
check "no SAPI has it enabled (phpdismod)" test "$(enabled)" = 0
check "php-fpm restarted without it" env LPAPI_NATIVE=system scripts/stack.sh start
LPAPI_EXPECT_NATIVE=0 node_suite "the admin page says the plugin runs on its pure-PHP fallback" tests/dist/extension.test.mjs
check "the ini stays after remove (a conffile), and goes with purge" bash -c "[ -e '$ini' ] && apt-get purge -y -qq $package && [ ! -e '$ini' ] && [ ! -e '$so' ]"
check "no SAPI of PHP $php_version has it enabled after the purge" test "$(enabled)" = 0
echo "$pass passed, $fail failed"
((fail == 0))
