#!/usr/bin/env bash
# The release artifacts (scripts/dist.sh) as a site owner and a host get them: built twice, byte for
# byte the same; the zip holds only latepoint-api-keys/ (no tests or dev files) with a readme.txt whose
# stable tag is the plugin's version and a .pot of the plugin's strings; the Debian package names this
# PHP's API, ships the ini as a conffile and enables and disables the module in its scripts; the source
# archive builds nothing in but the tracked files. Prints "N passed, N failed".
# Usage: tests/dist/check-dist.sh WORK_DIR
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
WORK="${1:?a work folder}"
pass=0 fail=0
check() { # description, then a command that must succeed
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then pass=$((pass + 1)); echo "ok: $what"; else fail=$((fail + 1)); echo "FAILED: $what"; fi
}

version="$(scripts/version.sh get)"
rm -rf "$WORK" && mkdir -p "$WORK"
scripts/dist.sh "$WORK/a" >"$WORK/a.log" 2>&1 || { cat "$WORK/a.log"; echo "0 passed, 1 failed"; exit 1; }
sleep 1 # a second later: a time stamp taken from the clock would differ
scripts/dist.sh "$WORK/b" >"$WORK/b.log" 2>&1 || { cat "$WORK/b.log"; echo "0 passed, 1 failed"; exit 1; }

zip="$WORK/a/latepoint-api-keys-$version.zip"
debs=("$WORK"/a/php*-lpapi_"$version"_*.deb)
deb="${debs[0]}"
src="$WORK/a/latepoint-api-keys-$version-src.tar.gz"
for f in "$zip" "$deb" "$src" "$WORK/a/SHA256SUMS"; do
  check "${f##*/} is built, and built again byte for byte the same" cmp "$f" "$WORK/b/${f##*/}"
done
check "SHA256SUMS checks the three artifacts" bash -c "cd '$WORK/a' && sha256sum -c --quiet SHA256SUMS && [ \$(wc -l <SHA256SUMS) -eq 3 ]"

unzip -Z1 "$zip" >"$WORK/zip-list"
check "the zip holds only latepoint-api-keys/" bash -c "! grep -v '^latepoint-api-keys/' '$WORK/zip-list'"
check "the zip has the plugin's main file, uninstall.php, readme.txt and the .pot" bash -c \
  "for f in latepoint-api-keys.php uninstall.php readme.txt languages/latepoint-api-keys.pot drop-ins/lean-lane-loader.php; do grep -qx \"latepoint-api-keys/\$f\" '$WORK/zip-list' || exit 1; done"
check "the zip has no tests, benches, stand-ins or dotfiles" bash -c "! grep -E '/(tests?|bench|stand-ins|node_modules)/|/\\.' '$WORK/zip-list'"
unzip -p "$zip" latepoint-api-keys/readme.txt >"$WORK/readme.txt"
check "readme.txt is WordPress's format, its stable tag the plugin's version" bash -c \
  "head -n1 '$WORK/readme.txt' | grep -qx '=== LatePoint API Keys ===' && grep -qx 'Stable tag: $version' '$WORK/readme.txt' \
   && grep -q '^Requires at least: ' '$WORK/readme.txt' && grep -q '^Tested up to: ' '$WORK/readme.txt' && grep -q '^Requires PHP: ' '$WORK/readme.txt' \
   && grep -q '^License: ' '$WORK/readme.txt' && grep -q '^== Installation ==' '$WORK/readme.txt' && grep -q '^== Frequently Asked Questions ==' '$WORK/readme.txt' && grep -q '^== Changelog ==' '$WORK/readme.txt'"
check "the plugin in the zip says the same version" bash -c "unzip -p '$zip' latepoint-api-keys/latepoint-api-keys.php | grep -qE '^ \\* Version: +$version\$'"
unzip -p "$zip" latepoint-api-keys/languages/latepoint-api-keys.pot >"$WORK/pot"
check "the .pot has the plugin's strings, with translators' comments and a pinned creation date" bash -c \
  "msgfmt --check-format -o /dev/null '$WORK/pot' 2>/dev/null || true; [ \$(grep -c '^msgid \"' '$WORK/pot') -gt 200 ] && grep -q '^#. translators:' '$WORK/pot' \
   && grep -q 'msgid \"API keys cannot manage keys or webhooks' '$WORK/pot' && grep -qE '^\"POT-Creation-Date: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}\\+0000' '$WORK/pot'"
check "every file in the zip has the same time stamp" bash -c "[ \$(unzip -Z -T '$zip' | awk '/^[-d]/ { print \$7 }' | sort -u | wc -l) -eq 1 ]"

phpapi="$(php-config --phpapi)"
dpkg-deb -f "$deb" >"$WORK/control"
check "the package depends on this PHP's API (phpapi-$phpapi) and is version $version" bash -c \
  "grep -q '^Depends: .*phpapi-$phpapi' '$WORK/control' && grep -qx 'Version: $version' '$WORK/control'"
dpkg-deb -c "$deb" >"$WORK/deb-list"
check "the package has lpapi.so in PHP's extension directory and the ini in mods-available, owned by root" bash -c \
  "grep -q ' root/root .* \\./$(php-config --extension-dir | sed 's#^/##')/lpapi.so\$' '$WORK/deb-list' && grep -qE ' root/root .* \\./etc/php/[0-9.]+/mods-available/lpapi.ini\$' '$WORK/deb-list' && ! grep -v ' root/root ' '$WORK/deb-list'"
mkdir -p "$WORK/control-files" && dpkg-deb -e "$deb" "$WORK/control-files"
check "the ini is a conffile, documents every setting and has a priority line" bash -c \
  "grep -qE '^/etc/php/[0-9.]+/mods-available/lpapi.ini\$' '$WORK/control-files/conffiles' && dpkg-deb --fsys-tarfile '$deb' | tar -xO --wildcards '*/lpapi.ini' >'$WORK/lpapi.ini' \
   && grep -q '^; priority=' '$WORK/lpapi.ini' && for s in rate_slots shm_name redis_url redis_down cache_entries; do grep -q \";lpapi.\$s\" '$WORK/lpapi.ini' || exit 1; done"
check "the scripts enable the module on install and disable it on removal, touching no service" bash -c \
  "grep -q 'phpenmod .* lpapi' '$WORK/control-files/postinst' && grep -q 'phpdismod .* lpapi' '$WORK/control-files/prerm' \
   && ! grep -Eq 'invoke-rc.d|systemctl|service ' '$WORK/control-files/postinst' '$WORK/control-files/prerm' '$WORK/control-files/postrm' \
   && sh -n '$WORK/control-files/postinst' && sh -n '$WORK/control-files/prerm' && sh -n '$WORK/control-files/postrm'"
tar -tzf "$src" | sed "s#^latepoint-api-keys-$version/##" | sort >"$WORK/src-list"
git ls-files | while IFS= read -r f; do [[ -f $f ]] && echo "$f"; done | sort >"$WORK/tracked"
check "the source archive holds exactly the tracked files, under latepoint-api-keys-$version/" cmp "$WORK/src-list" "$WORK/tracked"
echo "$pass passed, $fail failed"
((fail == 0))
