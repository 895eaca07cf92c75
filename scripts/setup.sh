#!/usr/bin/env bash
# Installs what Ferry needs on Debian 12 and skips whatever is already there: system packages,
# the Rust toolchain pinned in rust-toolchain.toml, npm packages, and tauri-driver for the
# end-to-end tests. Safe to run again; both scripts/run.sh and scripts/test.sh start with it.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "==> $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Build and run: WebKitGTK and friends (see docs in tauri's Linux prerequisites).
# Tests: Xvfb and WebKitWebDriver for the real window, gnome-keyring and secret-tool for the
# real keychain, curl for the driver's health check, python3-venv for the fidelity client,
# dpkg-dev for dpkg-shlibdeps (the Debian package's dependencies are checked against it).
PACKAGES=(
  build-essential pkg-config curl file libssl-dev libxdo-dev libayatana-appindicator3-dev
  librsvg2-dev libwebkit2gtk-4.1-dev
  xvfb xauth webkit2gtk-driver dbus gnome-keyring libsecret-tools python3 python3-venv dpkg-dev
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing system packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  say "Installing Node.js and npm"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm
fi

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if ! command -v cargo >/dev/null 2>&1; then
  echo "Rust is not installed. Install rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi
# rust-toolchain.toml pins the version; rustup fetches it on first use if it is missing.
rustup show active-toolchain >/dev/null

# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.ferry-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  say "Installing npm packages"
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

if ! command -v tauri-driver >/dev/null 2>&1; then
  say "Installing tauri-driver (end-to-end tests)"
  cargo install tauri-driver --version '^2' --locked
fi
