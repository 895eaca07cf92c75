#!/usr/bin/env bash
# Run by `npx tauri build` just before it makes the Debian package (build.beforeBundleCommand in
# tauri.conf.json): builds the `ferry` command line in the profile the app was built in (tauri
# sets TAURI_ENV_DEBUG=true for --debug) and puts it at gen/deb/ferry, which the package
# installs as /usr/bin/ferry (bundle.linux.deb.files). The `bench` feature stays off: it is
# a developer's tool, not part of what users install.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

profile=(--release)
dir=release
if [ "${TAURI_ENV_DEBUG:-}" = true ]; then
  profile=()
  dir=debug
fi
cargo build --locked -p ferry-cli --bin ferry "${profile[@]}"
# CARGO_TARGET_DIR, or a target-dir in cargo's config, may put target/ elsewhere: ask cargo.
target=$(cargo metadata --format-version 1 --no-deps | node -e \
  'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))')
mkdir -p gen/deb
cp "$target/$dir/ferry" gen/deb/ferry
echo "gen/deb/ferry: $("gen/deb/ferry" --version)"
