#!/usr/bin/env bash
# HTTP benchmark of authentication cost (SPEC §9): req/s of the same small payload served
#
#   open         GET /wp-json/lpapi-bench/v1/open          no authentication
#   key          GET /wp-json/latepoint-api/v1/me          X-API-Key, native extension loaded
#   app-pass     GET /wp-json/lpapi-bench/v1/app-password  WordPress core Application Passwords (Basic)
#   key-php      GET /wp-json/latepoint-api/v1/me          X-API-Key, php-fpm on the pure-PHP fallback
#   open-php     GET /wp-json/lpapi-bench/v1/open          again, on the fallback php-fpm (same-run baseline)
#
# all on one stack (scripts/stack.sh) in one run. The lpapi-bench routes come from a bench-only mu-plugin
# (bench/mu-plugin-bench-routes.php), copied into the stack's wp-content/mu-plugins for the run and removed
# at the end. Phase 1 (native): a warm-up of each contender, then ROUNDS rounds running each contender once,
# order rotated per round. Phase 2: php-fpm restarted with LPAPI_NATIVE=0, the same for key-php and open-php.
# Each figure is the contender's median req/s over the rounds. Every wrk run's non-2xx and socket-error
# counts are checked; a contender with any is flagged and the script exits 1.
#
# Usage (use your own stack instance if another one is in use):
#   export LPAPI_RUN_DIR=/tmp/lpapi-bench LPAPI_HTTP_PORT=8095 LPAPI_DB_PORT=3322
#   bench/http_auth.sh
#
# Settings (environment): BENCH_THREADS [2], BENCH_CONNECTIONS [8], BENCH_DURATION [10s],
# BENCH_WARMUP [5s], BENCH_ROUNDS [3]; LPAPI_* as for scripts/stack.sh.
#
# The stack is left as found: if it was running, php-fpm goes back to the LPAPI_NATIVE it had; if it was
# not running, it is started for the run and stopped at the end. The bench key is revoked and the
# Application Password deleted at the end (their audit rows stay in the database).
# shellcheck disable=SC2016 # PHP code in single quotes
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
wrk_settings 5s

# --- The stack -------------------------------------------------------------------------------------
# LPAPI_NATIVE is set per command below; an inherited one would override what the running stack uses.
stack_found "for this run" LPAPI_NATIVE=1
if [[ $STARTED_BY_US == 1 || $ORIG_NATIVE != 1 ]]; then
  LPAPI_NATIVE=1 "$STACK" start >/dev/null
fi
[[ "$(stack_var LPAPI_NATIVE)" == 1 ]] || die "could not start php-fpm with the native extension"
bench_stack_vars
ADMIN_USER="$(stack_var LPAPI_ADMIN_USER)"
WORK="$(mktemp -d /tmp/lpapi-http-bench.XXXXXX)"

KEY_ID='' APP_UUID='' ADMIN_ID=''
undo() {
  rm -f "$MU_DST"
  [[ -z $KEY_ID ]] || revoke_key "$KEY_ID"
  if [[ -n $APP_UUID ]]; then
    "$STACK" php -r 'WP_Application_Passwords::delete_application_password((int) $argv[1], $argv[2]);' \
      "$ADMIN_ID" "$APP_UUID" >/dev/null 2>&1 || say "could not delete the bench Application Password"
  fi
}
on_exit

# --- Fixtures ------------------------------------------------------------------------------------
install_mu_plugin
bench_key bench

read -r ADMIN_ID APP_UUID APP_PASS < <("$STACK" php -r '
  $u = get_user_by("login", $argv[1]);
  $r = WP_Application_Passwords::create_new_application_password($u->ID, array("name" => "lpapi-bench"));
  if (is_wp_error($r)) { fwrite(STDERR, $r->get_error_message() . "\n"); exit(1); }
  echo $u->ID, " ", $r[1]["uuid"], " ", $r[0], "\n";' "$ADMIN_USER")
[[ -n ${APP_PASS:-} ]] || die "could not create an Application Password"
BASIC="$(printf '%s:%s' "$ADMIN_USER" "$APP_PASS" | base64 -w0)"

# contender -> URL and header
declare -A URL HDR
URL[open]="$BASE/lpapi-bench/v1/open"; HDR[open]="X-Bench: open"
URL[key]="$BASE/latepoint-api/v1/me"; HDR[key]="X-API-Key: $API_KEY"
URL[app-pass]="$BASE/lpapi-bench/v1/app-password"; HDR[app-pass]="Authorization: Basic $BASIC"
URL[open-php]="${URL[open]}"; HDR[open-php]="${HDR[open]}"
URL[key-php]="${URL[key]}"; HDR[key-php]="${HDR[key]}"

# Each contender answers 200 with the success envelope before anything is timed; and the unauthenticated
# twins really refuse without credentials (so the app-password route does check them).
check() {
  local name=$1 code
  code="$(curl -s -o "$WORK/body" -w '%{http_code}' -H "${HDR[$name]}" "${URL[$name]}")" || die "$name: curl failed"
  [[ $code == 200 ]] || die "$name: HTTP $code from ${URL[$name]}: $(head -c 300 "$WORK/body")"
  grep -q '"status":"success"' "$WORK/body" || die "$name: not a success envelope: $(head -c 300 "$WORK/body")"
  printf '%s' "$(wc -c <"$WORK/body")"
}
refuses() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' "$1")"
  [[ $code == 401 ]] || die "$1 without credentials answered $code, not 401"
}

# --- wrk --------------------------------------------------------------------------------------------
run_contender() { run_wrk "$1" "$2" "${HDR[$1]}" "${URL[$1]}"; } # name duration

phase() { # contenders...
  local names=("$@") n=$# r i name
  for name in "${names[@]}"; do
    say "warm-up $name ($WARMUP)"
    run_contender "$name" "$WARMUP"
  done
  for ((r = 0; r < ROUNDS; r++)); do
    for ((i = 0; i < n; i++)); do
      name=${names[$(((i + r) % n))]}
      run_contender "$name" "$DURATION"
      RESULTS[$name]="${RESULTS[$name]:-} $RPS"
      say "round $((r + 1))/$ROUNDS $name: $RPS req/s"
    done
  done
}

# --- Run ----------------------------------------------------------------------------------------------
say "stack $SITE, $WORKERS php-fpm workers; wrk -t$THREADS -c$CONNS -d$DURATION, $ROUNDS rounds"
declare -A BYTES
[[ "$(fpm_native)" == 1 ]] || die "php-fpm does not have the native extension loaded"
INFO="$(curl -s "$BASE/lpapi-bench/v1/info")"
refuses "${URL[app-pass]}"
refuses "${URL[key]}"
for name in open key app-pass; do BYTES[$name]="$(check "$name")"; done
phase open key app-pass

say "php-fpm: restarting on the pure-PHP fallback (LPAPI_NATIVE=0)"
LPAPI_NATIVE=0 "$STACK" start >/dev/null
[[ "$(fpm_native)" == 0 ]] || die "php-fpm still has the native extension loaded"
for name in open-php key-php; do BYTES[$name]="$(check "$name")"; done
phase open-php key-php

say "php-fpm: back to LPAPI_NATIVE=$ORIG_NATIVE"
LPAPI_NATIVE="$ORIG_NATIVE" "$STACK" start >/dev/null

# --- Report -----------------------------------------------------------------------------------------
declare -A MED
for name in open key app-pass open-php key-php; do MED[$name]="$(median "${RESULTS[$name]}")"; done

echo
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(machine) (wrk and the whole stack share them)"
echo "stack:   nginx + php-fpm ($WORKERS workers, static) + MariaDB; php-fpm: $INFO"
echo "wrk:     -t$THREADS -c$CONNS -d$DURATION, warm-up $WARMUP per contender, $ROUNDS interleaved rounds, median"
echo
echo "| contender | route | auth | php-fpm | body bytes | req/s (median) | rounds |"
echo "|---|---|---|---|---:|---:|---|"
row() { printf '| %s | `%s` | %s | %s | %s | %.1f | %s |\n' "$1" "$2" "$3" "$4" "${BYTES[$1]}" "${MED[$1]}" "$(sed 's/^ //; s/ /, /g' <<<"${RESULTS[$1]}")"; }
row open "/lpapi-bench/v1/open" "none" "native ext." 
row key "/latepoint-api/v1/me" "X-API-Key" "native ext."
row app-pass "/lpapi-bench/v1/app-password" "Application Password (Basic)" "native ext."
row open-php "/lpapi-bench/v1/open" "none" "PHP fallback"
row key-php "/latepoint-api/v1/me" "X-API-Key" "PHP fallback"
echo
echo "| ratio | value |"
echo "|---|---:|"
echo "| key (native) / open | $(ratio "${MED[key]}" "${MED[open]}") ($(pct "${MED[key]}" "${MED[open]}")) |"
echo "| key (fallback) / open (fallback run) | $(ratio "${MED[key-php]}" "${MED[open-php]}") ($(pct "${MED[key-php]}" "${MED[open-php]}")) |"
echo "| key (fallback) / open (native run) | $(ratio "${MED[key-php]}" "${MED[open]}") ($(pct "${MED[key-php]}" "${MED[open]}")) |"
echo "| key (native) / key (fallback) | $(ratio "${MED[key]}" "${MED[key-php]}") |"
echo "| key (native) / app-password | $(ratio "${MED[key]}" "${MED[app-pass]}") |"
echo "| open (fallback run) / open (native run) | $(ratio "${MED[open-php]}" "${MED[open]}") |"
echo
SP_OPEN="$(spread "${RESULTS[open]}" "${MED[open]}")"
SP_KEY="$(spread "${RESULTS[key]}" "${MED[key]}")"
echo "spread (max-min)/median over the rounds: open ${SP_OPEN}%, key ${SP_KEY}%"
if awk -v a="$SP_OPEN" -v b="$SP_KEY" 'BEGIN { exit !(a > 3 || b > 3) }'; then
  echo "SPEC §9 target (key >= 97% of open, native): INCONCLUSIVE, the rounds spread more than 3% (a noisy machine?)"
elif awk -v a="${MED[key]}" -v b="${MED[open]}" 'BEGIN { exit !(a / b >= 0.97) }'; then
  echo "SPEC §9 target (key >= 97% of open, native): met"
else
  echo "SPEC §9 target (key >= 97% of open, native): NOT met"
fi
if ((${#ERRORS[@]})); then echo; fi
wrk_verdict "All wrk runs: 0 non-2xx responses, 0 socket errors."
