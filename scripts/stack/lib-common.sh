# shellcheck shell=bash # sourced by scripts/stack.sh: no shebang to say so
# Part of scripts/stack.sh: messages, and the files it generates: rendered from
# scripts/stack/templates/, and written only when they change.

say() { printf '==> %s\n' "$*"; }
warn() { printf '==> WARNING: %s\n' "$*" >&2; }
die() { printf '==> ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# Writes stdin to FILE only if it differs; returns 0 when it changed.
write_if_changed() {
  local file="$1" tmp
  tmp="$(mktemp "$file.XXXXXX")"
  cat >"$tmp"
  if [[ -f $file ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$file"
}

# A service runs with the settings it was started with; when they differ from now, start restarts it.
fingerprint() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
settings_changed() { [[ $(cat "$CONF_DIR/$1.started" 2>/dev/null) != "$2" ]]; }

php_q() { # a PHP single-quoted string literal
  local s="${1//\\/\\\\}"
  printf "'%s'" "${s//\'/\\\'}"
}

# render TEMPLATE NAME=VALUE..: the file scripts/stack/templates/TEMPLATE with its placeholders
# replaced, into $RENDERED. A placeholder is {{NAME}} (the value as it is) or {{NAME|php}} (the value
# as a PHP single-quoted string literal, php_q). Values are inserted literally and never scanned for
# placeholders themselves. A placeholder without a value, a value without a placeholder, or a "{{"
# that starts no placeholder stops the script, naming it.
render() {
  local tmpl="$TEMPLATES/$1" text='' out='' key name kv
  local re='^([A-Z][A-Z0-9_]*)(\|php)?$'
  local -A vals=() used=()
  shift
  for kv in "$@"; do
    [[ $kv =~ ^[A-Z][A-Z0-9_]*= ]] || die "render $tmpl: '$kv' is not NAME=VALUE"
    vals[${kv%%=*}]="${kv#*=}"
  done
  [[ -f $tmpl ]] || die "render: no template $tmpl"
  IFS= read -r -d '' text <"$tmpl" || true # the whole file, its last newline included
  while [[ $text == *'{{'* ]]; do
    out+="${text%%'{{'*}"
    text="${text#*'{{'}"
    key="${text%%'}}'*}"
    [[ $text == *'}}'* && $key =~ $re ]] || die "render $tmpl: not a placeholder: {{$(head -c 40 <<<"$key" | head -n 1)"
    name="${BASH_REMATCH[1]}"
    [[ -v vals[$name] ]] || die "render $tmpl: no value for {{$key}}"
    if [[ -n ${BASH_REMATCH[2]} ]]; then
      out+="$(php_q "${vals[$name]}")"
    else
      out+="${vals[$name]}"
    fi
    used[$name]=1
    text="${text#*'}}'}"
  done
  for name in "${!vals[@]}"; do
    [[ -v used[$name] ]] || die "render $tmpl: given $name, which it has no placeholder for"
  done
  RENDERED="$out$text"
}

# render_to FILE TEMPLATE NAME=VALUE..: renders TEMPLATE into FILE, written only if that changes it;
# returns 0 when it changed (as write_if_changed).
render_to() {
  local file="$1"
  shift
  render "$@"
  printf '%s' "$RENDERED" | write_if_changed "$file"
}
