#!/usr/bin/env bash
# HTTP benchmark of the lean lane (README "Lean lane"): req/s of each API-key read route answered by the
# full WordPress boot and by the lean lane, and the floor, all on one stack in one run:
#
#   me            GET /latepoint-api/v1/me
#   services      GET /latepoint-api/v1/services
#   agents        GET /latepoint-api/v1/agents
#   bookings      GET /latepoint-api/v1/bookings?per_page=20                      (a page of bookings)
#   avail-week    GET /latepoint-api/v1/availability?service_id=S&date_from=D&date_to=D+6
#   avail-month   GET /latepoint-api/v1/availability?service_id=S&date_from=D&date_to=D+30
#   floor         GET /wp-content/lpapi-bench-floor.php: WordPress with SHORTINIT and one query
#                 (bench/shortinit-floor.php, copied into wp-content for the run and removed at its end)
#
# Each round runs every route on one lane, then on the other (the lane switched by its setting between
# them, the order alternating per round), then the floor; after a warm-up of each. Each figure is the
# median req/s over the rounds. Before anything is timed, every route must answer 200 on both lanes with
# the same body, and its Server-Timing must name the lane it was meant to take; every wrk run's non-2xx
# and socket-error counts are checked (a run with any exits 1).
#
# With real LatePoint where the stack has it (LPAPI_WP=6.5, LPAPI_LATEPOINT_STAND_IN=0), else on
# LatePoint's tables with the stand-ins. The stack needs LatePoint data (scripts/stack/demo-data.php
# puts it there when the site has no service).
#
# Usage (use your own stack instance if another one is in use):
#   export LPAPI_RUN_DIR=/tmp/lpapi-bench LPAPI_HTTP_PORT=8095 LPAPI_DB_PORT=3322
#   bench/http_lane.sh
#
# Settings (environment): BENCH_THREADS [2], BENCH_CONNECTIONS [8], BENCH_DURATION [10s],
# BENCH_WARMUP [3s], BENCH_ROUNDS [3]; LPAPI_* as for scripts/stack.sh. The stack's php-fpm checks every
# PHP file's time on every request (LPAPI_OPCACHE_REVALIDATE=0, for development); PHP's default is every
# 2 s (start the stack with LPAPI_OPCACHE_REVALIDATE=2 to measure that). The report says which.
#
# The stack is left as found (started and stopped by the run if it was not running); the lane's setting
# is put back as it was, the bench key revoked (its audit rows stay) and the floor file removed.
# shellcheck disable=SC2016 # PHP code in single quotes
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
wrk_settings 3s
FLOOR_SRC="$ROOT/bench/shortinit-floor.php"

stack_found "for this run" LPAPI_NATIVE=1
if [[ $STARTED_BY_US == 1 ]]; then
  LPAPI_NATIVE=1 "$STACK" start >/dev/null
fi
bench_stack_vars
WORK="$(mktemp -d /tmp/lpapi-lane-bench.XXXXXX)"
FLOOR_DST="$(stack_var LPAPI_WP_CONTENT_DIR)/lpapi-bench-floor.php"
WP_ROOT="$(stack_var LPAPI_WP_ROOT)"

lane_setting() { # on|off: the plugin's lean_lane setting
  "$STACK" php -r 'LatePointApi\Support\Settings::update(array("lean_lane" => "on" === $argv[1]));' "$1" >/dev/null
}
ORIG_LANE="$("$STACK" php -r 'echo LatePointApi\Support\Settings::get("lean_lane") ? "on" : "off";')"

KEY_ID=''
undo() {
  rm -f "$FLOOR_DST"
  [[ -z $KEY_ID ]] || revoke_key "$KEY_ID"
  lane_setting "$ORIG_LANE" || say "could not put the lean_lane setting back to $ORIG_LANE"
}
on_exit

# --- Fixtures ------------------------------------------------------------------------------------
sed "s|@WP_ROOT@|$WP_ROOT|" "$FLOOR_SRC" >"$FLOOR_DST"
chmod 644 "$FLOOR_DST"
"$STACK" php -r 'LatePointApi\Lane\Lane_Loader::install() === null || exit(1);' || die "could not put the lean lane's loader in place"
read -r SERVICE LATEPOINT < <("$STACK" php -r '
  global $wpdb;
  $id = (int) $wpdb->get_var("SELECT id FROM {$wpdb->prefix}latepoint_services WHERE status = \"active\" ORDER BY id LIMIT 1");
  echo $id, " ", defined("LATEPOINT_VERSION") ? "LatePoint " . LATEPOINT_VERSION : "the stand-ins", "\n";')
if [[ ${SERVICE:-0} == 0 ]]; then
  say "no LatePoint service on the site: adding the demo data (scripts/stack/demo-data.php)"
  "$STACK" php "$ROOT/scripts/stack/demo-data.php" >/dev/null
  SERVICE="$("$STACK" php -r 'global $wpdb; echo (int) $wpdb->get_var("SELECT id FROM {$wpdb->prefix}latepoint_services WHERE status = \"active\" ORDER BY id LIMIT 1");')"
fi
read -r KEY_ID API_KEY < <("$STACK" php -r '
  $r = LatePointApi\Keys\Key_Service::create(array("name" => "lane bench", "permissions" => array("services:read", "agents:read", "bookings:read", "availability:read"),
    "rate_limit_per_minute" => 1000000, "rate_limit_per_hour" => 100000000), 1);
  echo $r["record"]["id"], " ", $r["key"], "\n";')
[[ $API_KEY == lp_* ]] || die "could not create an API key"
FROM="$(date -u -d tomorrow +%F)"
API="$BASE/latepoint-api/v1"
ROUTES=(me services agents bookings avail-week avail-month)
declare -A URL=(
  [me]="$API/me" [services]="$API/services" [agents]="$API/agents" [bookings]="$API/bookings?per_page=20"
  [avail-week]="$API/availability?service_id=$SERVICE&date_from=$FROM&date_to=$(date -u -d "$FROM +6 days" +%F)"
  [avail-month]="$API/availability?service_id=$SERVICE&date_from=$FROM&date_to=$(date -u -d "$FROM +30 days" +%F)"
)
HEADER="X-API-Key: $API_KEY"

# check LANE: every route answers 200 on LANE (Server-Timing says so); bodies kept for the comparison.
check() {
  local lane=$1 name code timing
  for name in "${ROUTES[@]}"; do
    code="$(curl -s -D "$WORK/headers" -o "$WORK/body-$lane-$name" -w '%{http_code}' -H "$HEADER" "${URL[$name]}")" || die "$name: curl failed"
    [[ $code == 200 ]] || die "$name ($lane lane): HTTP $code: $(head -c 300 "$WORK/body-$lane-$name")"
    timing="$(grep -i '^server-timing:' "$WORK/headers" | tr -d '\r')"
    [[ $timing == *"lane;desc=\"$lane\""* ]] || die "$name: meant for the $lane lane, answered by: ${timing:-no Server-Timing}"
  done
}
lane_setting on
check lean
lane_setting off
check full
# The same bodies on both lanes, but for the rate-limit counters of /me (the request id is a header).
same_body() {
  php -r 'function f($v) { if (!is_array($v)) return $v; unset($v["remaining"], $v["reset"]); return array_map("f", $v); }
    exit(f(json_decode(file_get_contents($argv[1]), true)) === f(json_decode(file_get_contents($argv[2]), true)) ? 0 : 1);' "$1" "$2"
}
for name in "${ROUTES[@]}"; do
  same_body "$WORK/body-lean-$name" "$WORK/body-full-$name" || die "$name: the lanes' bodies differ"
done
code="$(curl -s -o "$WORK/floor" -w '%{http_code}' "$SITE/wp-content/lpapi-bench-floor.php")"
[[ $code == 200 ]] || die "floor: HTTP $code: $(head -c 300 "$WORK/floor")"

# --- Runs ------------------------------------------------------------------------------------------
declare -A SAMPLES=()
say "warm-up: $WARMUP per route and lane, and the floor"
for lane in lean full; do
  lane_setting "$([[ $lane == lean ]] && echo on || echo off)"
  for name in "${ROUTES[@]}"; do run_wrk "$name-$lane" "$WARMUP" "$HEADER" "${URL[$name]}"; done
done
run_wrk floor "$WARMUP" "X-Bench: floor" "$SITE/wp-content/lpapi-bench-floor.php"
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2)); then order=(full lean); else order=(lean full); fi
  say "round $round of $ROUNDS: ${order[*]}, then the floor ($DURATION each)"
  for lane in "${order[@]}"; do
    lane_setting "$([[ $lane == lean ]] && echo on || echo off)"
    for name in "${ROUTES[@]}"; do
      run_wrk "$name-$lane" "$DURATION" "$HEADER" "${URL[$name]}"
      SAMPLES[$name-$lane]="${SAMPLES[$name-$lane]:-} $RPS"
    done
  done
  run_wrk floor "$DURATION" "X-Bench: floor" "$SITE/wp-content/lpapi-bench-floor.php"
  SAMPLES[floor]="${SAMPLES[floor]:-} $RPS"
done

# --- Report ----------------------------------------------------------------------------------------
floor="$(median "${SAMPLES[floor]}")"
echo
echo "Lean lane vs full WordPress boot, $(date -u +%F), $(machine); $WORKERS php-fpm workers, $LATEPOINT,"
echo "WordPress $("$STACK" php -r 'echo get_bloginfo("version");'), PHP $(php -r 'echo PHP_VERSION;'), opcache.revalidate_freq=$(stack_var LPAPI_OPCACHE_REVALIDATE); wrk -t$THREADS -c$CONNS -d$DURATION, $ROUNDS rounds (median req/s)"
echo "Command: bench/http_lane.sh"
echo
echo "| route | full req/s | lean req/s | lean / full | lean / floor |"
echo "|---|---:|---:|---:|---:|"
for name in "${ROUTES[@]}"; do
  full="$(median "${SAMPLES[$name-full]}")" lean="$(median "${SAMPLES[$name-lean]}")"
  printf '| %s | %.0f | %.0f | %.2f× | %s |\n' "$name" "$full" "$lean" "$(ratio "$lean" "$full")" "$(pct "$lean" "$floor")"
done
printf '| floor (SHORTINIT + one query) | | %.0f | | 100%% |\n' "$floor"
echo
echo "Spread (max − min over the rounds, % of the median): floor $(spread "${SAMPLES[floor]}" "$floor")%$(
  for name in "${ROUTES[@]}"; do
    printf '; %s full %s%%, lean %s%%' "$name" "$(spread "${SAMPLES[$name-full]}" "$(median "${SAMPLES[$name-full]}")")" \
      "$(spread "${SAMPLES[$name-lean]}" "$(median "${SAMPLES[$name-lean]}")")"
  done)"
wrk_verdict "Every wrk run: no non-2xx responses, no socket errors."
