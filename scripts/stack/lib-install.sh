# shellcheck shell=bash # sourced by scripts/stack.sh: no shebang to say so
# Part of scripts/stack.sh: "install", the Debian packages the stack needs.

cmd_install() {
  local missing=()
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    say "Debian packages present: ${PACKAGES[*]}"
    return 0
  fi
  [[ $(id -u) == 0 ]] || die "installing ${missing[*]} needs root"
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packages must not start their own services (apache2 and nginx would fight over port 80, and a
  # system MariaDB is not ours): a policy-rc.d that forbids it, for the length of the install only.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  local status=0
  say "apt-get update"
  apt-get update -qq || status=$?
  if ((status == 0)); then
    say "apt-get install -y --no-install-recommends ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >"/tmp/lpapi-stack-apt.log" 2>&1 ||
      status=$?
  fi
  if ((added_policy)); then
    rm -f "$policy"
    trap - EXIT
  fi
  if ((status != 0)); then
    tail -n 30 /tmp/lpapi-stack-apt.log >&2 || true
    die "apt-get failed (full log: /tmp/lpapi-stack-apt.log)"
  fi
  say "installed: ${missing[*]}"
}

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || echo "$p"
  done
}

# One dpkg-query for all of them: start runs this every time.
packages_present() {
  [[ $(dpkg-query -W -f='${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null | grep -cx installed) == "${#PACKAGES[@]}" ]]
}
