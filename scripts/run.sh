#!/usr/bin/env bash
# Sets up what is missing, builds Ferry with its UI embedded, and opens it.
# Data goes to the platform's app-data folder unless FERRY_DATA_DIR says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
echo "==> Building the UI"
npm run build
echo "==> Building the app"
cargo build --features ferry-app/custom-protocol -p ferry-app -p ferry-cli
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found: run this from a desktop session (or under xvfb-run to try it headless)." >&2
  exit 1
fi
echo "==> Opening Ferry (the command line is at target/debug/ferry)"
exec target/debug/ferry-app
