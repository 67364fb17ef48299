#!/usr/bin/env bash
# Runs every test suite, prints each one's output and counts, and a final
# "N passed, N failed" line. Exits non-zero if any suite fails.
set -uo pipefail
cd "$(dirname "$0")/.."
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

echo "==> Rust: formatting and lints (cargo fmt --check, cargo clippy -D warnings)"
lint_status=0
cargo fmt --check || lint_status=1
cargo clippy --release --all-targets -- -D warnings || lint_status=1
record "Rust lints" "$((1 - lint_status))" "$lint_status" "$lint_status"

echo "==> Rust: cargo test"
cargo test --release 2>&1 | tee "$LOG_DIR/rust.log"; status=${PIPESTATUS[0]}
sum() { awk '{ s += $1 } END { print s + 0 }'; }
pass=$(grep -oP 'test result: \w+\. \K[0-9]+(?= passed)' "$LOG_DIR/rust.log" | sum)
fail=$(grep -oP '[0-9]+(?= failed;)' "$LOG_DIR/rust.log" | sum)
[ "$status" -ne 0 ] && [ "${fail:-0}" -eq 0 ] && fail=1
record "Rust" "${pass:-0}" "${fail:-0}" "$status"

run_phpunit() { # name, then php arguments
  local name="$1"; shift
  echo "==> PHP: $name"
  php "$@" 2>&1 | tee "$LOG_DIR/php.log"; local status=${PIPESTATUS[0]}
  read -r pass fail < <(phpunit_counts "$LOG_DIR/php.log")
  [ "$status" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
  record "$name" "$pass" "$fail" "$status"
}

run_phpunit "PHP tests against the native extension" \
  -d "extension=$EXT" -d zend.assertions=1 -d assert.exception=1 -d apc.enable_cli=1 \
  /usr/bin/phpunit -c tests/php/phpunit.xml --colors=never

# The same contract tests against the plugin's pure-PHP fallback (no extension loaded).
LPAPI_IMPL=fallback LPAPI_FALLBACK="$PWD/wp-plugin/latepoint-api-keys/includes/fallback/functions.php" \
  run_phpunit "PHP contract tests against the pure-PHP fallback" \
  -d apc.enable_cli=1 -d zend.assertions=1 -d assert.exception=1 \
  /usr/bin/phpunit -c tests/php/phpunit.xml --colors=never --testsuite contract

echo
if ((${#failed_suites[@]})); then echo "==> failing: ${failed_suites[*]}"; fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && [ ${#failed_suites[@]} -eq 0 ]
