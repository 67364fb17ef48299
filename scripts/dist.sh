#!/usr/bin/env bash
# `make dist`: the release artifacts in dist/, reproducibly (the same sources give the same bytes):
#
#   latepoint-api-keys-<version>.zip          the plugin folder only (tracked files, no tests or dev files),
#                                             with languages/latepoint-api-keys.pot made from the code
#   php<X.Y>-lpapi_<version>_<arch>.deb       the extension for this PHP: the .so in PHP's extension
#                                             directory, mods-available/lpapi.ini (a conffile), enabled for
#                                             every SAPI on install (phpenmod), disabled on removal
#   latepoint-api-keys-<version>-src.tar.gz   the tracked sources, to build the extension elsewhere
#   SHA256SUMS
#
# Every time stamp is SOURCE_DATE_EPOCH (default: the last commit's time), every owner root, the files in
# a fixed (byte) order, and the .pot's POT-Creation-Date that time. Needs the built extension
# (cargo build --release; `make dist` builds it first), zip, gettext's xgettext and dpkg-deb.
# Usage: scripts/dist.sh [OUT_DIR]   (default: dist)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$(realpath -m "${1:-dist}")"
VERSION="$(scripts/version.sh get)"
SO="${LPAPI_EXT:-$ROOT/target/release/liblpapi.so}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}"
export TZ=UTC LC_ALL=C
PLUGIN=latepoint-api-keys
say() { printf '==> dist: %s\n' "$*"; }

[[ -f $SO ]] || { echo "no extension at $SO: run cargo build --release first" >&2; exit 1; }
for tool in zip xgettext dpkg-deb php-config; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (scripts/install-deps.sh dist installs it)" >&2; exit 1; }
done
scripts/version.sh check >/dev/null || { scripts/version.sh check; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
rm -rf "$OUT" && mkdir -p "$OUT"

# Files and folders as they are in the artifacts: mode 644 (755 for folders and programs), time
# SOURCE_DATE_EPOCH.
normalize() { # dir
  find "$1" -type d -exec chmod 755 {} +
  find "$1" -type f -exec chmod 644 {} +
  [[ -z ${2:-} ]] || chmod 755 "${@:2}"
  find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# --- the plugin zip ------------------------------------------------------------------------------
say "the plugin: $PLUGIN-$VERSION.zip"
stage="$WORK/zip/$PLUGIN"
mkdir -p "$stage"
git ls-files -z "wp-plugin/$PLUGIN" | while IFS= read -r -d '' f; do
  [[ -f $f ]] || continue # deleted in the working tree
  mkdir -p "$stage/$(dirname "${f#"wp-plugin/$PLUGIN/"}")"
  cp "$f" "$stage/${f#"wp-plugin/$PLUGIN/"}"
done
mkdir -p "$stage/languages"
(
  cd "$stage"
  find . -name '*.php' | sed 's#^\./##' | sort >"$WORK/php-files"
  # WordPress's i18n functions and their arguments: text, plural and context.
  xgettext --language=PHP --from-code=UTF-8 --add-comments=translators: --sort-by-file --no-wrap \
    --package-name="LatePoint API Keys" --package-version="$VERSION" --msgid-bugs-address="maintainers@latepoint-api-keys.invalid" \
    -k__ -k_e -k_x:1,2c -k_ex:1,2c -k_n:1,2 -k_nx:1,2,4c -k_n_noop:1,2 -k_nx_noop:1,2,3c \
    -kesc_attr__ -kesc_attr_e -kesc_attr_x:1,2c -kesc_html__ -kesc_html_e -kesc_html_x:1,2c \
    --files-from="$WORK/php-files" --output=languages/$PLUGIN.pot
)
created="$(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M+0000')"
sed -i -E "s/^\"POT-Creation-Date: .*\\\\n\"$/\"POT-Creation-Date: $created\\\\n\"/; s/^\"Content-Type: text\/plain; charset=CHARSET\\\\n\"$/\"Content-Type: text\/plain; charset=UTF-8\\\\n\"/" \
  "$stage/languages/$PLUGIN.pot"
grep -q 'msgid "This endpoint needs an API key' "$stage/languages/$PLUGIN.pot" || { echo "the .pot misses the plugin's strings" >&2; exit 1; }
normalize "$WORK/zip"
(cd "$WORK/zip" && find "$PLUGIN" | sort | zip -X -D -q -9 "$OUT/$PLUGIN-$VERSION.zip" -@)

# --- the extension package -----------------------------------------------------------------------
php_version="$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')"
phpapi="$(php-config --phpapi)"
arch="$(dpkg --print-architecture)"
package="php$php_version-lpapi"
deb="${package}_${VERSION}_${arch}.deb"
say "the extension: $deb (PHP $php_version, API $phpapi)"
root="$WORK/deb"
ext_dir="$(php-config --extension-dir)"
mkdir -p "$root/DEBIAN" "$root$ext_dir" "$root/etc/php/$php_version/mods-available" "$root/usr/share/doc/$package"
install -m 644 "$SO" "$root$ext_dir/lpapi.so"
sed "s/@VERSION@/$VERSION/" scripts/dist/lpapi.ini >"$root/etc/php/$php_version/mods-available/lpapi.ini"
sed "s/@VERSION@/$VERSION/" scripts/dist/deb-copyright >"$root/usr/share/doc/$package/copyright"
gzip -9n <CHANGELOG.md >"$root/usr/share/doc/$package/changelog.gz"
for script in postinst prerm postrm; do
  sed "s/@PHP_VERSION@/$php_version/g" "scripts/dist/deb-$script" >"$root/DEBIAN/$script"
done
echo "/etc/php/$php_version/mods-available/lpapi.ini" >"$root/DEBIAN/conffiles"
size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@PACKAGE@/$package/; s/@VERSION@/$VERSION/; s/@ARCH@/$arch/; s/@PHPAPI@/$phpapi/; s/@PHP_VERSION@/$php_version/g; s/@SIZE@/$size/" \
  scripts/dist/deb-control >"$root/DEBIAN/control"
normalize "$root" "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
dpkg-deb --root-owner-group -Zxz --build "$root" "$OUT/$deb" >/dev/null

# --- the sources ---------------------------------------------------------------------------------
say "the sources: $PLUGIN-$VERSION-src.tar.gz"
git ls-files -z | while IFS= read -r -d '' f; do [[ -f $f ]] && printf '%s\0' "$f"; done >"$WORK/src-files"
tar --create --null --files-from="$WORK/src-files" --transform="s#^#$PLUGIN-$VERSION/#" --sort=name \
  --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner --mode='u+rw,go+r,go-w' \
  --format=gnu | gzip -9n >"$OUT/$PLUGIN-$VERSION-src.tar.gz"

(cd "$OUT" && sha256sum -- *.zip *.deb *.tar.gz >SHA256SUMS)
say "done: $OUT"
sed 's/^/    /' "$OUT/SHA256SUMS"
