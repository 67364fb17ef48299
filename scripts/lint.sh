#!/usr/bin/env bash
# The lint gates (`make lint`). Each prints "==> lint: <gate>: N passed, N failed"
# (files checked clean / files with problems; 1/0 for a whole-tree gate such as
# clippy), then its problems. Exits non-zero if any gate failed. Installs the
# Debian packages it needs (scripts/install-deps.sh lint); a missing clippy or
# rustfmt fails its gate, naming the component (never skipped).
#
# Usage: scripts/lint.sh [GATE...]   (default: every gate)
# Gates: version php-syntax phpcs-plugin phpcs-dev sniff-tests annotations shellcheck rustfmt clippy
#   - version: every place carrying the version says what VERSION says (scripts/version.sh check)
#   - php-syntax: php -l on every PHP file we own
#   - phpcs-plugin: PHP_CodeSniffer, phpcs.xml.dist (WordPress style + the project's
#     sniffs in tools/phpcs/LatePointApi) on wp-plugin/
#   - phpcs-dev: PHP_CodeSniffer, tools/phpcs/dev-code.xml (hygiene) on tests/php,
#     scripts, bench, examples, php-stubs, tools
#   - sniff-tests: the project sniffs against their fixtures (tools/phpcs/tests/), and
#     the annotation check against its own
#   - annotations: every phpcs:ignore/phpcs:disable names a sniff of the ruleset that
#     lints its file and gives a reason after " -- "
#   - shellcheck: every shell script (found by extension or shebang)
#   - rustfmt: cargo fmt --check
#   - clippy: cargo clippy --release --all-targets -- -D warnings
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
started=$SECONDS
LOG_DIR="$(mktemp -d)"
trap 'rm -rf "$LOG_DIR"' EXIT
failed_gates=()
all_gates=(version php-syntax phpcs-plugin phpcs-dev sniff-tests annotations shellcheck rustfmt clippy)
gates=("$@")
((${#gates[@]})) || gates=("${all_gates[@]}")
for g in "${gates[@]}"; do
  [[ " ${all_gates[*]} " == *" $g "* ]] || { echo "scripts/lint.sh: unknown gate '$g' (gates: ${all_gates[*]})" >&2; exit 2; }
done
wants() { [[ " ${gates[*]} " == *" $1 "* ]]; }

if ! scripts/install-deps.sh lint; then
  echo "==> lint: the lint tools could not be installed (scripts/install-deps.sh lint)"
  exit 1
fi

# report NAME PASS FAIL [LOG]: the gate's line, then its problems when it failed.
report() {
  echo "==> lint: $1: $2 passed, $3 failed"
  if [ "$3" -ne 0 ]; then
    failed_gates+=("$1")
    if [ -n "${4:-}" ] && [ -s "$4" ]; then cat "$4"; fi
  fi
}

# "N passed, N failed" on the last such line of a log -> "N N" (or "0 1" when absent).
counts_of() {
  local line
  line=$(grep -oP '^\d+ passed, \d+ failed$' "$1" | tail -1)
  if [ -z "$line" ]; then echo "0 1"; return; fi
  echo "$line" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/'
}

# ------------------------------------------------------------------ the version
# One source of truth (VERSION); every place that carries it must say the same (scripts/version.sh).
if wants version; then
  log="$LOG_DIR/version.log"
  scripts/version.sh check >"$log" 2>&1
  read -r pass fail < <(grep -oP '^\d+(?= passed, \d+ failed$)|(?<= passed, )\d+(?= failed$)' "$log" | tr '\n' ' ')
  report "version" "${pass:-0}" "${fail:-1}" "$log"
fi

# ------------------------------------------------------------------ the PHP we own
prune=(\( -name node_modules -o -name vendor -o -name target -o -name '.run*' -o -name .git \) -prune -o)
php_roots=()
for d in wp-plugin tests/php scripts bench examples php-stubs tools; do [ -d "$d" ] && php_roots+=("$d"); done
mapfile -t php_files < <(find "${php_roots[@]}" "${prune[@]}" -type f -name '*.php' -print | sort)
plugin_php=() dev_php=()
for f in "${php_files[@]}"; do
  case "$f" in
    wp-plugin/*) plugin_php+=("$f") ;;
    tools/phpcs/tests/fixtures/* | tools/phpcs/tests/ignores/*) ;; # wrong on purpose
    *) dev_php+=("$f") ;;
  esac
done

if wants php-syntax; then
  pass=0 fail=0 log="$LOG_DIR/syntax.log"
  : >"$log"
  for f in "${php_files[@]}"; do
    if out=$(php -n -d display_errors=stderr -l "$f" 2>&1); then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      printf '%s\n' "$out" | grep -v '^Errors parsing' >>"$log"
    fi
  done
  report "php -l" "$pass" "$fail" "$log"
fi

# phpcs_gate NAME RULESET [PATH...]: files with no message pass; warnings fail as errors do.
phpcs_gate() {
  local name="$1" ruleset="$2" json="$LOG_DIR/phpcs.json" log="$LOG_DIR/phpcs.log" pass fail
  shift 2
  rm -f "$json"
  phpcs -q --no-cache --standard="$ruleset" --report=full --report-source --report-json="$json" \
    --report-width=140 --basepath="$PWD" "$@" >"$log" 2>&1
  # shellcheck disable=SC2016 # the single-quoted text is PHP, with PHP's $ variables
  read -r pass fail < <(php -r '
    $r = json_decode( (string) @file_get_contents( $argv[1] ), true );
    if ( ! isset( $r["files"] ) ) { echo "0 1"; exit; }
    $bad = 0;
    foreach ( $r["files"] as $f ) { $bad += ( $f["errors"] + $f["warnings"] ) > 0 ? 1 : 0; }
    echo ( count( $r["files"] ) - $bad ) . " " . $bad;' "$json")
  report "$name" "$pass" "$fail" "$log"
}

if wants phpcs-plugin; then
  phpcs_gate "phpcs plugin" phpcs.xml.dist
fi
if wants phpcs-dev; then
  phpcs_gate "phpcs dev code" tools/phpcs/dev-code.xml
fi

if wants sniff-tests; then
  log="$LOG_DIR/sniff-tests.log"
  php tools/phpcs/tests/run.php >"$log" 2>&1
  read -r p1 f1 < <(counts_of "$log")
  php tools/phpcs/check-ignores.php --self-test >"$LOG_DIR/ignore-test.log" 2>&1
  read -r p2 f2 < <(counts_of "$LOG_DIR/ignore-test.log")
  cat "$LOG_DIR/ignore-test.log" >>"$log"
  report "sniff self-tests" "$((p1 + p2))" "$((f1 + f2))" "$log"
fi

if wants annotations; then
  log="$LOG_DIR/annotations.log"
  : >"$log"
  pass=0 fail=0
  for set in plugin dev; do
    if [ "$set" = plugin ]; then files=("${plugin_php[@]}") ruleset=phpcs.xml.dist; else files=("${dev_php[@]}") ruleset=tools/phpcs/dev-code.xml; fi
    ((${#files[@]})) || continue
    php tools/phpcs/check-ignores.php --standard="$ruleset" "${files[@]}" >"$LOG_DIR/one.log" 2>&1
    read -r p f < <(counts_of "$LOG_DIR/one.log")
    pass=$((pass + p)) fail=$((fail + f))
    if [ "$f" -ne 0 ]; then
      { echo "-- against $ruleset:"; grep -vP '^\d+ passed, \d+ failed$' "$LOG_DIR/one.log"; } >>"$log"
    fi
  done
  report "phpcs annotations" "$pass" "$fail" "$log"
fi

# ------------------------------------------------------------------ shell
if wants shellcheck; then
  mapfile -t shell_files < <(
    find . "${prune[@]}" -type f -print | sed 's#^\./##' | sort | while IFS= read -r f; do
      case "$f" in
        *.sh | *.bash) echo "$f" ;;
        *.*) ;;
        *) head -n1 "$f" 2>/dev/null | grep -qE '^#!.*(/|env[[:space:]]+)(ba|da|k)?sh([[:space:]]|$)' && echo "$f" ;;
      esac
    done
  )
  log="$LOG_DIR/shellcheck.log"
  shellcheck -x -P SCRIPTDIR -f gcc "${shell_files[@]}" >"$log" 2>&1
  status=$?
  bad=$(grep -oP '^[^:]+(?=:\d+:\d+: )' "$log" | sort -u | wc -l)
  [ "$status" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
  report "shellcheck" "$((${#shell_files[@]} - bad))" "$bad" "$log"
fi

# ------------------------------------------------------------------ Rust
if wants rustfmt; then
  log="$LOG_DIR/rustfmt.log"
  if ! cargo fmt --version >/dev/null 2>&1; then
    echo "rustfmt is missing from this Rust toolchain (scripts/install-deps.sh lint ran 'rustup component add rustfmt', which did not bring it)" >"$log"
    report "cargo fmt" 0 1 "$log"
  elif cargo fmt --check >"$log" 2>&1; then
    report "cargo fmt" 1 0
  else
    report "cargo fmt" 0 1 "$log"
  fi
fi

if wants clippy; then
  log="$LOG_DIR/clippy.log"
  if ! cargo clippy --version >/dev/null 2>&1; then
    echo "clippy is missing from this Rust toolchain (scripts/install-deps.sh lint ran 'rustup component add clippy', which did not bring it)" >"$log"
    report "cargo clippy" 0 1 "$log"
  elif cargo clippy --release --all-targets --color=never -- -D warnings >"$log" 2>&1; then
    report "cargo clippy" 1 0
  else
    report "cargo clippy" 0 1 "$log"
  fi
fi

elapsed=$((SECONDS - started))
if ((${#failed_gates[@]})); then
  echo "==> lint: FAILED (${elapsed}s): ${failed_gates[*]}"
  exit 1
fi
echo "==> lint: every gate passed (${elapsed}s)"
