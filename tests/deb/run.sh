#!/usr/bin/env bash
# The Debian package as a user gets it. Builds it (a debug build: the app and the `ferry`
# command line), unpacks it into a throw-away root, checks that it depends on every library
# its programs link (check-depends.sh), then tries what it installed (tests/e2e/package.e2e.mjs):
# control fields, desktop entry and icon, `ferry --version`, and the installed app under Xvfb
# through WebDriver, started as a new user would: a fresh home and no FERRY_DATA_DIR.
# Ends with node's TAP counts ("# pass N"), which scripts/test.sh adds to its summary.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# CARGO_TARGET_DIR, or a target-dir in cargo's config, may put target/ elsewhere: ask cargo.
target=$(cargo metadata --format-version 1 --no-deps | node -e \
  'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))')
# NOTE: emptied first, so the one package found below is this build's.
rm -rf "$target/debug/bundle/deb"
npx tauri build --debug --bundles deb --ci
debs=("$target"/debug/bundle/deb/*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { echo "expected one .deb, found: ${debs[*]}" >&2; exit 1; }
deb=${debs[0]}
dpkg-deb --info "$deb"

tmp=$(mktemp -d -t ferry-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
# -R: the files and the control archive (DEBIAN/), as dpkg would install them.
dpkg-deb -R "$deb" "$root"
tests/deb/check-depends.sh "$root"

home="$tmp/home"
mkdir -p "$home"
# NOTE: the home is set inside the keyring session: with-keyring.sh points XDG_DATA_HOME at its
# keyring's folder, and the app must find neither that nor the real user's folders.
# E2E_AS_INSTALLED=1: no FERRY_DATA_DIR or FERRY_KEYCHAIN_SERVICE, and FERRY_SANDBOX=on (the
# run-e2e.sh default is off): a user's first start.
export DEB_ROOT="$root" DEB_PROFILE=debug APP_BIN="$root/usr/bin/ferry-app"
E2E_AS_INSTALLED=1 FERRY_SANDBOX=on scripts/with-keyring.sh \
  env HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
  XDG_CACHE_HOME="$home/.cache" xvfb-run -a -s "-screen 0 1280x900x24" \
  tests/e2e/run-e2e.sh node --test tests/e2e/package.e2e.mjs
