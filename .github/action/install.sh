#!/usr/bin/env bash
# Installs a released zroster for the runner's OS and architecture: downloads the archive
# `dist` built for it and the release's `sha256.sum`, checks the archive's SHA-256 against
# that file (and against ZROSTER_SHA256 when given), unpacks zroster, zplan and zapply into
# ZROSTER_DEST, and checks that `zroster --version` is the version asked for. Used by
# action.yml; also runs anywhere with bash, curl, tar (xz) or unzip, and sha256sum or shasum.
#
# Environment:
#   ZROSTER_VERSION   the version to install: 0.1.0 (a leading `v` is dropped)
#   ZROSTER_DEST      the directory the binaries go to (made if missing)
#   ZROSTER_OS        Linux | macOS | Windows   (the runner's RUNNER_OS)
#   ZROSTER_ARCH      X64 | ARM64               (the runner's RUNNER_ARCH)
#   ZROSTER_RELEASES  base URL of the releases [https://github.com/zroster/zroster/releases/download]
#   ZROSTER_SHA256    optional: the archive's expected SHA-256, checked as well
#
# A ZROSTER_DEST that already holds this version (restored from the cache) is kept as it is.
set -euo pipefail

fail() {
  echo "::error title=zroster install::$*" >&2
  exit 1
}

version="${ZROSTER_VERSION#v}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
  fail "\`$version\` is not a version such as 0.1.0"
dest="${ZROSTER_DEST:?ZROSTER_DEST is required}"
releases="${ZROSTER_RELEASES:-https://github.com/zroster/zroster/releases/download}"

case "${ZROSTER_OS:-}/${ZROSTER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  # Windows on Arm runs the x64 build under emulation.
  Windows/X64 | Windows/ARM64) target=x86_64-pc-windows-msvc ;;
  *) fail "no zroster build for ${ZROSTER_OS:-?} on ${ZROSTER_ARCH:-?}; builds exist for Linux, macOS and Windows on X64 and ARM64" ;;
esac
exe=""
archive="zroster-$target.tar.xz"
if [ "$target" = x86_64-pc-windows-msvc ]; then
  exe=".exe"
  archive="zroster-$target.zip"
fi

installed_version() {
  "$dest/zroster$exe" --version 2>/dev/null | awk '{print $2}'
}

if [ -x "$dest/zroster$exe" ] && [ -x "$dest/zplan$exe" ] && [ -x "$dest/zapply$exe" ] &&
  [ "$(installed_version)" = "$version" ]; then
  echo "zroster $version is in $dest already"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# HTTPS only; file:// when ZROSTER_RELEASES is a local directory (the tests use one).
proto='=https'
case "$releases" in file://*) proto='=file' ;; esac
fetch() {
  curl --fail --silent --show-error --location --proto "$proto" --tlsv1.2 \
    --retry 3 --retry-delay 2 --connect-timeout 20 --max-time 300 \
    --output "$work/$2" "$1" ||
    fail "could not download $1"
}
url="$releases/v$version"
fetch "$url/$archive" "$archive"
fetch "$url/sha256.sum" sha256.sum

# sha256.sum holds one `<hex> *<file>` (or `<hex>  <file>`) line per release file.
expected="$(awk -v name="$archive" '{ file = $2; sub(/^\*/, "", file) } file == name { print $1 }' "$work/sha256.sum")"
[ -n "$expected" ] || fail "sha256.sum of v$version has no line for $archive"
[ "$(printf '%s\n' "$expected" | wc -l | tr -d ' ')" = 1 ] ||
  fail "sha256.sum of v$version has several lines for $archive"
if command -v sha256sum >/dev/null; then
  actual="$(sha256sum "$work/$archive" | awk '{print $1}')"
else
  actual="$(shasum -a 256 "$work/$archive" | awk '{print $1}')"
fi
expected="$(printf '%s' "$expected" | tr 'A-F' 'a-f')"
[ "$actual" = "$expected" ] ||
  fail "$archive has SHA-256 $actual, but the release's sha256.sum says $expected"
if [ -n "${ZROSTER_SHA256:-}" ]; then
  pinned="$(printf '%s' "$ZROSTER_SHA256" | tr 'A-F' 'a-f')"
  [ "$actual" = "$pinned" ] ||
    fail "$archive has SHA-256 $actual, but the input sha256 says $pinned"
fi

mkdir -p "$work/unpacked" "$dest"
case "$archive" in
  # dist's tarballs hold one directory, `zroster-<target>/`; its zips hold the files alone.
  *.tar.xz) tar -xJf "$work/$archive" -C "$work/unpacked" --strip-components 1 ;;
  *.zip)
    if command -v unzip >/dev/null; then
      unzip -q "$work/$archive" -d "$work/unpacked"
    else
      # Windows runners: Git Bash has no unzip; PowerShell's Expand-Archive does it.
      pwsh -NoProfile -Command "Expand-Archive -LiteralPath '$(cygpath -w "$work/$archive")' -DestinationPath '$(cygpath -w "$work/unpacked")'"
    fi
    ;;
esac
for bin in zroster zplan zapply; do
  [ -f "$work/unpacked/$bin$exe" ] || fail "$archive holds no $bin$exe"
  cp "$work/unpacked/$bin$exe" "$dest/$bin$exe"
  chmod +x "$dest/$bin$exe"
done
[ "$(installed_version)" = "$version" ] ||
  fail "the installed zroster says \`$("$dest/zroster$exe" --version 2>&1 || true)\`, not zroster $version"
echo "zroster $version ($target, SHA-256 $actual) installed in $dest"
