# shellcheck shell=bash # sourced by bench/http_auth.sh, bench/http_rate_stores.sh and bench/soak.sh
# shellcheck disable=SC2016 # PHP code in single quotes
# What the HTTP benchmarks and the soak share: paths, messages, the stack they run against (found,
# started, put back as found), the bench fixtures, the wrk runs and the report's figures. It only defines
# functions and variables. Set DIE_STATUS before sourcing it for die's exit status (1 unless set).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK="$ROOT/scripts/stack.sh"
# shellcheck disable=SC2034 # used by the scripts that source this file
MU_SRC="$ROOT/bench/mu-plugin-bench-routes.php"
MU_NAME=lpapi-bench-routes.php

say() { printf '==> %s\n' "$*" >&2; }
die() { printf '==> ERROR: %s\n' "$*" >&2; exit "${DIE_STATUS:-1}"; }

# wrk_settings WARMUP: the wrk settings from the environment (BENCH_WARMUP defaults to WARMUP), and
# the tools the HTTP benchmarks need.
wrk_settings() {
  # shellcheck disable=SC2034 # used by the scripts that source this file
  THREADS="${BENCH_THREADS:-2}" CONNS="${BENCH_CONNECTIONS:-8}" DURATION="${BENCH_DURATION:-10s}" \
    WARMUP="${BENCH_WARMUP:-$1}" ROUNDS="${BENCH_ROUNDS:-3}"
  command -v wrk >/dev/null || die "wrk is not installed (apt-get install -y wrk)"
  command -v curl >/dev/null || die "curl is not installed"
}

# --- The stack -------------------------------------------------------------------------------------
stack_var() { "$STACK" env | sed -n "s/^export $1=//p"; }

# stack_found HOW [NAME=DEFAULT...]: STARTED_BY_US is 1 when the stack is not running (this run starts
# it HOW, and stops it at the end), else 0. Each NAME is unset first (the scripts set it per command: an
# inherited one would override the running stack's), and ORIG_NAME (without the LPAPI_ prefix:
# ORIG_NATIVE for LPAPI_NATIVE) is the running stack's setting (DEFAULT when this run starts the stack),
# which the EXIT trap puts back.
RESTORE=()
stack_found() {
  local how=$1 spec name value
  shift
  for spec in "$@"; do unset "${spec%%=*}"; done
  STARTED_BY_US=0
  if ! "$STACK" status >/dev/null 2>&1; then
    say "stack not running: starting it $how (it is stopped at the end)"
    STARTED_BY_US=1
  fi
  for spec in "$@"; do
    name=${spec%%=*} value=${spec#*=}
    [[ $STARTED_BY_US == 1 ]] || value="$(stack_var "$name")"
    printf -v "ORIG_${name#LPAPI_}" '%s' "$value"
    RESTORE+=("$name")
  done
}

# The stack's addresses and php-fpm workers, and where the bench mu-plugin goes.
# shellcheck disable=SC2034 # used by the scripts that source this file
bench_stack_vars() {
  BASE="$(stack_var LPAPI_REST_URL)"
  SITE="$(stack_var LPAPI_SITE_URL)"
  WORKERS="$(stack_var LPAPI_FPM_WORKERS)"
  MU_DST="$(stack_var LPAPI_WP_CONTENT_DIR)/mu-plugins/$MU_NAME"
}

# on_exit: from here on, at exit, the script's undo function (if it defines one), then the stack stopped
# if this run started it, else put back to the ORIG_ settings of stack_found, then $WORK removed; the
# script's exit status is kept.
on_exit() {
  trap finish EXIT
  trap 'exit 130' INT TERM
}
finish() {
  local rc=$? name settings=()
  set +e
  if declare -F undo >/dev/null; then undo; fi
  if [[ $STARTED_BY_US == 1 ]]; then
    "$STACK" stop >/dev/null 2>&1
  elif ((${#RESTORE[@]})); then
    # Back to the settings the stack was found with (php-fpm restarts only if they differ).
    for name in "${RESTORE[@]}"; do
      local orig="ORIG_${name#LPAPI_}"
      settings+=("$name=${!orig}")
    done
    env "${settings[@]}" "$STACK" start >/dev/null 2>&1 || say "could not restore ${settings[*]}"
  fi
  rm -rf "$WORK"
  exit "$rc"
}

# --- Fixtures ------------------------------------------------------------------------------------
install_mu_plugin() {
  cp "$MU_SRC" "$MU_DST"
  chmod 644 "$MU_DST"
}

# bench_key NAME: a fresh API key (limits far above what a run sends) in KEY_ID and API_KEY.
# shellcheck disable=SC2034 # KEY_ID: used by the scripts that source this file
bench_key() {
  read -r KEY_ID API_KEY < <("$STACK" php -r '
  $r = LatePointApi\Keys\Key_Service::create(array("name" => $argv[1], "permissions" => array("services:read"),
    "rate_limit_per_minute" => 1000000, "rate_limit_per_hour" => 100000000), 1);
  echo $r["record"]["id"], " ", $r["key"], "\n";' "$1")
  [[ $API_KEY == lp_* ]] || die "could not create an API key"
}

revoke_key() { # id
  "$STACK" php -r 'LatePointApi\Keys\Key_Service::revoke((int) $argv[1], 1);' "$1" >/dev/null 2>&1 ||
    say "could not revoke bench key $1"
}

# What php-fpm runs, from the bench mu-plugin's /info route (several requests, to see several workers).
fpm_native() {
  local i out seen=''
  for ((i = 0; i < 2 * WORKERS; i++)); do
    out="$(curl -s "$BASE/lpapi-bench/v1/info")"
    case "$out" in
      *'"native":true'*) seen="$seen 1" ;;
      *'"native":false'*) seen="$seen 0" ;;
      *) die "/lpapi-bench/v1/info: $out" ;;
    esac
  done
  seen="$(tr ' ' '\n' <<<"$seen" | awk 'NF' | sort -u | tr -d '\n')"
  [[ ${#seen} == 1 ]] || die "php-fpm workers disagree about the native extension"
  printf '%s' "$seen"
}

# --- wrk --------------------------------------------------------------------------------------------
# shellcheck disable=SC2034 # RESULTS: filled by the scripts that source this file
declare -A RESULTS=() ERRORS=()
RPS=''
# shellcheck disable=SC2034 # RPS: read by the scripts that source this file
run_wrk() { # name duration header url -> req/s in RPS; errors accumulated in ERRORS
  local name=$1 dur=$2 out rps non2xx sockerr
  out="$(wrk -t"$THREADS" -c"$CONNS" -d"$dur" --latency -H "$3" "$4" 2>&1)" || die "$name: wrk failed: $out"
  rps="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")"
  [[ -n $rps ]] || die "$name: no Requests/sec in wrk output: $out"
  non2xx="$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' <<<"$out")"
  sockerr="$(sed -n 's/.*Socket errors: //p' <<<"$out")"
  if [[ -n $non2xx || -n $sockerr ]]; then
    ERRORS[$name]="${ERRORS[$name]:-}[${dur}: non-2xx ${non2xx:-0}; socket errors ${sockerr:-none}] "
  fi
  printf '%s\n' "$out" >>"$WORK/wrk-$name.log"
  RPS=$rps
}

# wrk_verdict LINE: LINE when every wrk run was clean; else each contender's errors, and exit 1.
wrk_verdict() {
  local name
  if ((${#ERRORS[@]})); then
    for name in "${!ERRORS[@]}"; do echo "ERRORS $name: ${ERRORS[$name]}"; done
    echo "Some runs had non-2xx responses or socket errors: their figures are not valid."
    exit 1
  fi
  echo "$1"
}

# --- Figures ----------------------------------------------------------------------------------------
median() { tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
spread() { tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g | awk -v m="$2" '{ a[NR] = $1 } END { printf "%.1f", 100 * (a[NR] - a[1]) / m }'; } # percent
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", 100 * a / b }'; }
machine() { # "CPU, N cores"
  local cpu
  cpu="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  printf '%s, %s cores' "${cpu:-unknown CPU}" "$(nproc)"
}
