#!/usr/bin/env bash
# Runs every test suite, prints each one's output and counts, and a final
# "N passed, N failed" line. Exits non-zero if any suite fails.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
EXT="${LPAPI_EXT:-$PWD/target/release/liblpapi.so}"
LOG_DIR="$(mktemp -d)"
total_pass=0 total_fail=0 failed_suites=()

record() { # name pass fail status
  total_pass=$((total_pass + $2)); total_fail=$((total_fail + $3))
  if [ "$4" -ne 0 ] || [ "$3" -ne 0 ]; then failed_suites+=("$1"); fi
  echo "==> $1: $2 passed, $3 failed"
}

# PHPUnit's summary: "OK (12 tests, 40 assertions)" or "Tests: 12, Assertions: 40, Failures: 1, Errors: 2."
phpunit_counts() {
  local log="$1" tests fails
  if grep -q '^OK (' "$log"; then
    tests=$(grep -oP '^OK \(\K[0-9]+' "$log" | tail -1); echo "$tests 0"; return
  fi
  tests=$(grep -oP 'Tests: \K[0-9]+' "$log" | tail -1)
  fails=$(( $(grep -oP 'Failures: \K[0-9]+' "$log" | tail -1 || echo 0) + $(grep -oP 'Errors: \K[0-9]+' "$log" | tail -1 || echo 0) ))
  tests=${tests:-0}; [ "$fails" -gt "$tests" ] && tests=$fails
  echo "$((tests - fails)) $fails"
}

# Every lint gate of `make lint` (scripts/lint.sh; a missing tool is installed, and a Rust component
# rustup cannot bring fails naming it), one at a time so each prints its counts.
for gate in version php-syntax phpcs-plugin phpcs-dev sniff-tests annotations shellcheck rustfmt clippy; do
  echo "==> lint: $gate (scripts/lint.sh $gate)"
  scripts/lint.sh "$gate" 2>&1 | tee "$LOG_DIR/lint.log"; status=${PIPESTATUS[0]}
  read -r pass fail < <(grep -oP '^==> lint: [^:]+: \K[0-9]+ passed, [0-9]+ failed' "$LOG_DIR/lint.log" | tail -1 | awk '{print $1, $3}')
  pass=${pass:-0} fail=${fail:-0}
  [ "$status" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
  record "lint: $gate" "$pass" "$fail" "$status"
done

echo "==> Rust: cargo test"
cargo test --release 2>&1 | tee "$LOG_DIR/rust.log"; status=${PIPESTATUS[0]}
sum() { awk '{ s += $1 } END { print s + 0 }'; }
pass=$(grep -oP 'test result: \w+\. \K[0-9]+(?= passed)' "$LOG_DIR/rust.log" | sum)
fail=$(grep -oP '[0-9]+(?= failed;)' "$LOG_DIR/rust.log" | sum)
[ "$status" -ne 0 ] && [ "${fail:-0}" -eq 0 ] && fail=1
record "Rust" "${pass:-0}" "${fail:-0}" "$status"

# The release artifacts, built twice (scripts/dist.sh): the same bytes, and what a site owner and a host get.
echo "==> dist: the release artifacts (tests/dist/check-dist.sh)"
scripts/install-deps.sh dist
tests/dist/check-dist.sh "$LOG_DIR/dist" 2>&1 | tee "$LOG_DIR/dist.log"; status=${PIPESTATUS[0]}
read -r pass fail < <(grep -oP '^\K[0-9]+ passed, [0-9]+ failed$' "$LOG_DIR/dist.log" | tail -1 | awk '{print $1, $3}')
pass=${pass:-0} fail=${fail:-0}
[ "$status" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
record "release artifacts (make dist)" "$pass" "$fail" "$status"

run_phpunit() { # name, then the command (php ... phpunit ...)
  local name="$1"; shift
  echo "==> PHP: $name"
  "$@" 2>&1 | tee "$LOG_DIR/php.log"; local status=${PIPESTATUS[0]}
  read -r pass fail < <(phpunit_counts "$LOG_DIR/php.log")
  [ "$status" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
  record "$name" "$pass" "$fail" "$status"
}

run_phpunit "PHP tests against the native extension" \
  php -d "extension=$EXT" -d zend.assertions=1 -d assert.exception=1 -d apc.enable_cli=1 \
  /usr/bin/phpunit -c tests/php/phpunit.xml --colors=never

# The same contract tests against the plugin's pure-PHP fallback (no extension loaded).
LPAPI_IMPL=fallback LPAPI_FALLBACK="$PWD/wp-plugin/latepoint-api-keys/includes/fallback/functions.php" \
  run_phpunit "PHP contract tests against the pure-PHP fallback" \
  php -d apc.enable_cli=1 -d zend.assertions=1 -d assert.exception=1 \
  /usr/bin/phpunit -c tests/php/phpunit.xml --colors=never --testsuite contract

# ---------------------------------------------------------------- the real stack
# A private stack for the tests (its own run folder and ports), so `make run` can stay up.
export LPAPI_RUN_DIR="${LPAPI_TEST_RUN_DIR:-$PWD/.run-test}"
export LPAPI_HTTP_PORT="${LPAPI_TEST_HTTP_PORT:-8181}" LPAPI_DB_PORT="${LPAPI_TEST_DB_PORT:-3408}"
# No real LatePoint on this stack (Debian's WordPress 6.1 is too old for it): the writes go through the
# tests' stand-in LatePoint models (tests/php/stand-ins/); the real-LatePoint suite runs them for real.
export LPAPI_LATEPOINT_STAND_IN=1
trap 'scripts/stack.sh stop >/dev/null 2>&1 || true' EXIT

node_counts() { # node's spec reporter ends with "ℹ pass N" / "ℹ fail N"
  local log="$1"
  echo "$(grep -oP '^ℹ pass \K[0-9]+' "$log" | tail -1) $(grep -oP '^ℹ fail \K[0-9]+' "$log" | tail -1)"
}

run_node() { # name, then test files
  local name="$1"; shift
  echo "==> end-to-end: $name"
  node --test --test-concurrency=1 --test-reporter=spec "$@" 2>&1 | tee "$LOG_DIR/node.log"; local status=${PIPESTATUS[0]}
  read -r pass fail < <(node_counts "$LOG_DIR/node.log")
  pass=${pass:-0} fail=${fail:-0}
  [ "$status" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
  record "$name" "$pass" "$fail" "$status"
}

echo "==> end-to-end: installing Chromium and the test runner's packages"
scripts/install-deps.sh e2e
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)

echo "==> end-to-end: starting the stack with the native extension (scripts/stack.sh start)"
# The in-WordPress suite (rest_do_request), run by the stack's PHP in the site's context. Its
# "leak-scan" suite runs after its "wordpress" suite in the same process, by their order in
# tests/php/wordpress/phpunit.xml (see the comment there).
wp_phpunit() {
  run_phpunit "PHP tests inside WordPress, $1" \
    scripts/stack.sh php -d opcache.enable_cli=0 /usr/bin/phpunit -c tests/php/wordpress/phpunit.xml --colors=never
}

# The scan of the database, the spool and the logs for full keys, as a step of its own after the
# HTTP suites of a run, on what they left. Its file is not a *.test.mjs, so the glob of the run
# below never picks it up, whatever its name's place in the alphabet.
leak_scan() {
  run_node "no full key in the database, spool or logs, $1" tests/e2e/leak-scan/no-key-leaks.mjs
}

# A short webhook retry schedule (seconds), kept by the stack for its later restarts.
if LPAPI_NATIVE=1 LPAPI_WEBHOOKS_RETRY_SCHEDULE=1,1,1 scripts/stack.sh start; then
  wp_phpunit "native extension"
  run_node "HTTP and browser, native extension" tests/e2e/*.test.mjs
  leak_scan "native extension"
  # The whole HTTP suite again on the full path: wp-config.php's LPAPI_LEAN_LANE turns the lean lane
  # off (lane.test.mjs then checks that every answer is the full path's). The browser tests take the
  # admin's path either way.
  echo "==> end-to-end: the HTTP suites on the full path (LPAPI_LEAN_LANE=0)"
  if LPAPI_LEAN_LANE=0 scripts/stack.sh start >/dev/null; then
    http_suites=()
    for f in tests/e2e/*.test.mjs; do [[ ${f##*/} == browser-* ]] || http_suites+=("$f"); done
    run_node "HTTP, native extension, full path (lean lane off)" "${http_suites[@]}"
  else
    record "stack with the lean lane off" 0 1 1
  fi
  LPAPI_LEAN_LANE='' scripts/stack.sh start >/dev/null || record "stack with the lean lane back on" 0 1 1
  echo "==> end-to-end: restarting php-fpm on the pure-PHP fallback (LPAPI_NATIVE=0)"
  if LPAPI_NATIVE=0 scripts/stack.sh start >/dev/null; then
    wp_phpunit "pure-PHP fallback"
    run_node "HTTP, pure-PHP fallback" tests/e2e/auth.test.mjs tests/e2e/workers.test.mjs tests/e2e/limits.test.mjs
    leak_scan "pure-PHP fallback"
  else
    record "stack on the fallback" 0 1 1
  fi
  # Several web servers: two php-fpm masters (tables of their own) behind one nginx upstream, over
  # one Redis and one database; on the extension, then on the fallback (php-redis).
  for native in 1 0; do
    echo "==> end-to-end: two servers over Redis (LPAPI_SERVERS=2 LPAPI_REDIS=1 LPAPI_NATIVE=$native)"
    if LPAPI_SERVERS=2 LPAPI_REDIS=1 LPAPI_NATIVE=$native scripts/stack.sh start >/dev/null; then
      run_node "HTTP, two servers over Redis, $([[ $native == 1 ]] && echo 'native extension' || echo 'pure-PHP fallback')" tests/e2e/servers.test.mjs
    else
      record "two-server stack (native $native)" 0 1 1
    fi
  done
  LPAPI_SERVERS=1 LPAPI_REDIS=0 LPAPI_NATIVE=1 scripts/stack.sh start >/dev/null || true
else
  record "stack start" 0 1 1
fi

# ---------------------------------------------------------------- upgrades
# From the previous release (git history), on a stack of its own (.run-upgrade, ports 8383/3410): an
# upgrade in place keeps keys, logs, usage and settings, with and without the extension; then this
# plugin under the previous release's extension (version skew) uses its fallback and says why.
up_env=("LPAPI_RUN_DIR=${LPAPI_TEST_UPGRADE_RUN_DIR:-$PWD/.run-upgrade}" "LPAPI_HTTP_PORT=${LPAPI_TEST_UPGRADE_HTTP_PORT:-8383}"
  "LPAPI_DB_PORT=${LPAPI_TEST_UPGRADE_DB_PORT:-3410}" LPAPI_WP=debian LPAPI_LATEPOINT_STAND_IN=1 LPAPI_LEAN_LANE=)
if read -r prev_commit prev_version < <(tests/upgrade/previous-release.sh); then
  prev="$LOG_DIR/previous-release"
  mkdir -p "$prev"
  git archive "$prev_commit" | tar -x -C "$prev"
  trap 'scripts/stack.sh stop >/dev/null 2>&1 || true; env "${up_env[@]}" scripts/stack.sh stop >/dev/null 2>&1 || true' EXIT
  for native in 1 0; do
    echo "==> upgrade: from $prev_version ($prev_commit) to $(scripts/version.sh get), LPAPI_NATIVE=$native, on a fresh stack"
    env "${up_env[@]}" scripts/stack.sh clean >/dev/null 2>&1 || true
    # The previous release as a site has it: a real folder in wp-content/plugins (not a link), activated.
    if env "${up_env[@]}" LPAPI_NATIVE=$native LPAPI_PLUGIN_SRC=none scripts/stack.sh start >/dev/null &&
      cp -r "$prev/wp-plugin/latepoint-api-keys" "$(env "${up_env[@]}" scripts/stack.sh env | sed -n 's/^export LPAPI_WP_CONTENT_DIR=//p')/plugins/" &&
      env "${up_env[@]}" scripts/stack.sh start >/dev/null; then
      (
        eval "$(env "${up_env[@]}" scripts/stack.sh env)"
        LPAPI_UPGRADE_NEW="$PWD/wp-plugin/latepoint-api-keys" \
          run_node "upgrade in place from $prev_version, $([[ $native == 1 ]] && echo 'native extension' || echo 'pure-PHP fallback')" tests/upgrade/upgrade.test.mjs
        declare -p total_pass total_fail failed_suites >"$LOG_DIR/upgrade.state"
      )
      # shellcheck source=/dev/null # the counts of the subshell above
      source "$LOG_DIR/upgrade.state"
    else
      record "upgrade: the previous release's stack (native $native)" 0 1 1
    fi
  done
  echo "==> upgrade: building the previous release's extension ($prev_version) for the version-skew test"
  if CARGO_TARGET_DIR="$PWD/target/previous-release" cargo build --release --quiet --manifest-path "$prev/Cargo.toml"; then
    echo "==> upgrade: this plugin under the extension $prev_version"
    env "${up_env[@]}" LPAPI_NATIVE=0 scripts/stack.sh php -d "extension=$PWD/target/previous-release/release/liblpapi.so" \
      tests/upgrade/version-skew.php 2>&1 | tee "$LOG_DIR/skew.log"; status=${PIPESTATUS[0]}
    read -r pass fail < <(grep -oP '^[0-9]+ passed, [0-9]+ failed$' "$LOG_DIR/skew.log" | tail -1 | awk '{print $1, $3}')
    pass=${pass:-0} fail=${fail:-0}
    [ "$status" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
    record "version skew: the extension $prev_version under plugin $(scripts/version.sh get)" "$pass" "$fail" "$status"
  else
    record "upgrade: building the extension $prev_version" 0 1 1
  fi
  env "${up_env[@]}" scripts/stack.sh stop >/dev/null 2>&1 || true
else
  record "upgrade: the previous release in git history" 0 1 1
fi

# The zip of `make dist` (built by the dist check above) uploaded in wp-admin, on a fresh stack without
# the plugin (the upgrade stack's ports, made afresh).
zip="$LOG_DIR/dist/a/latepoint-api-keys-$(scripts/version.sh get).zip"
echo "==> dist: the plugin zip uploaded in wp-admin (Chromium), on a fresh stack without the plugin"
env "${up_env[@]}" scripts/stack.sh clean >/dev/null 2>&1 || true
if [[ -f $zip ]] && env "${up_env[@]}" LPAPI_NATIVE=1 LPAPI_PLUGIN_SRC=none scripts/stack.sh start >/dev/null; then
  (
    eval "$(env "${up_env[@]}" scripts/stack.sh env)"
    LPAPI_DIST_ZIP="$zip" run_node "the plugin zip installed through wp-admin" tests/dist/upload.test.mjs
    declare -p total_pass total_fail failed_suites >"$LOG_DIR/upload.state"
  )
  # shellcheck source=/dev/null # the counts of the subshell above
  source "$LOG_DIR/upload.state"
else
  record "dist: the upload stack (or the zip $zip)" 0 1 1
fi
env "${up_env[@]}" scripts/stack.sh stop >/dev/null 2>&1 || true
env "${up_env[@]}" scripts/stack.sh clean >/dev/null 2>&1 || true

# ---------------------------------------------------------------- real LatePoint
# Against real LatePoint, on a stack of its own made afresh each run (WordPress 6.5 with LatePoint from
# LPAPI_LATEPOINT_DIR, in .run-latepoint on ports 8282/3409): first the HTTP suites of the resource routes,
# as on the stand-ins, then the suite that diffs the API's writes with LatePoint's admin
# (tests/php/latepoint/phpunit.xml; it empties and refills LatePoint's tables). Skipped, and said so, when
# LatePoint is not there.
LP_DIR="${LPAPI_LATEPOINT_DIR:-${LPAPI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/latepoint-api-keys}/latepoint}"
lp_env=(LPAPI_WP=6.5 "LPAPI_LATEPOINT_DIR=$LP_DIR" "LPAPI_RUN_DIR=${LPAPI_TEST_LATEPOINT_RUN_DIR:-$PWD/.run-latepoint}"
  "LPAPI_HTTP_PORT=${LPAPI_TEST_LATEPOINT_HTTP_PORT:-8282}" "LPAPI_DB_PORT=${LPAPI_TEST_LATEPOINT_DB_PORT:-3409}"
  LPAPI_FPM_WORKERS=10 LPAPI_NATIVE=1 LPAPI_LATEPOINT_STAND_IN=0 "LPAPI_WEBHOOKS_RETRY_SCHEDULE=1,1,1")
if [ -f "$LP_DIR/latepoint.php" ]; then
  trap 'scripts/stack.sh stop >/dev/null 2>&1 || true; env "${lp_env[@]}" scripts/stack.sh stop >/dev/null 2>&1 || true' EXIT
  echo "==> real LatePoint: starting its stack afresh (WordPress 6.5, LatePoint from $LP_DIR)"
  env "${lp_env[@]}" scripts/stack.sh clean >/dev/null 2>&1 || true
  if env "${lp_env[@]}" scripts/stack.sh start; then
    (
      eval "$(env "${lp_env[@]}" scripts/stack.sh env)"
      run_node "HTTP, resource routes on real LatePoint" tests/e2e/resources.test.mjs tests/e2e/availability.test.mjs \
        tests/e2e/locations-orders.test.mjs tests/e2e/customers-catalog.test.mjs tests/e2e/bookings-more.test.mjs \
        tests/e2e/webhooks.test.mjs tests/e2e/lane.test.mjs
      declare -p total_pass total_fail failed_suites >"$LOG_DIR/lp-node.state"
    )
    # shellcheck source=/dev/null # the counts of the subshell above
    source "$LOG_DIR/lp-node.state"
    # The HTTP suites' rows are this stack's own: the suite may empty LatePoint's tables.
    run_phpunit "PHP tests against real LatePoint" \
      env "${lp_env[@]}" LPAPI_LATEPOINT_SUITE_WIPE=1 php /usr/bin/phpunit -c tests/php/latepoint/phpunit.xml --colors=never
    if grep -q '^real LatePoint suite: skipped:' "$LOG_DIR/php.log"; then
      record "real LatePoint: LatePoint is there but not active on its stack" 0 1 1
    fi
  else
    record "real LatePoint: stack start" 0 1 1
  fi
  echo "==> real LatePoint: stopping its stack"
  env "${lp_env[@]}" scripts/stack.sh stop >/dev/null 2>&1 || true
else
  echo "==> real LatePoint: skipped: $LP_DIR/latepoint.php does not exist (scripts/get-latepoint.sh GIT_DIR puts it there)"
fi

# ---------------------------------------------------------------- the extension's Debian package
# Last, because installing a package changes the whole machine (no other suite may see the extension
# loaded twice): apt-get install, php-fpm restarted with PHP's own configuration (LPAPI_NATIVE=system),
# then removed and purged; tests/dist/deb.sh's trap always takes it away again.
debs=("$LOG_DIR"/dist/a/php*-lpapi_*.deb)
deb="${debs[0]}"; [[ -f $deb ]] || deb=''
echo "==> dist: the extension's package installed with apt-get, then removed (${deb##*/})"
env "${up_env[@]}" scripts/stack.sh clean >/dev/null 2>&1 || true
if [[ -n $deb ]] && env "${up_env[@]}" LPAPI_NATIVE=0 scripts/stack.sh start >/dev/null; then
  env "${up_env[@]}" tests/dist/deb.sh "$deb" 2>&1 | tee "$LOG_DIR/deb.log"; status=${PIPESTATUS[0]}
  read -r pass fail < <(grep -oP '^[0-9]+ passed, [0-9]+ failed$' "$LOG_DIR/deb.log" | tail -1 | awk '{print $1, $3}')
  pass=${pass:-0} fail=${fail:-0}
  [ "$status" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
  record "the extension's Debian package (install, use, remove)" "$pass" "$fail" "$status"
else
  record "dist: the package test's stack (or the package)" 0 1 1
fi
env "${up_env[@]}" scripts/stack.sh stop >/dev/null 2>&1 || true
env "${up_env[@]}" scripts/stack.sh clean >/dev/null 2>&1 || true

echo
if ((${#failed_suites[@]})); then echo "==> failing: ${failed_suites[*]}"; fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && [ ${#failed_suites[@]} -eq 0 ]
