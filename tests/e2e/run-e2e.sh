#!/usr/bin/env bash
# Starts tauri-driver (which drives WebKitWebDriver), runs the given test command against it,
# and stops the driver. Run it inside Xvfb and a keyring session (see scripts/test.sh).
set -u
cd "$(dirname "$0")/../.."
mkdir -p tests/e2e/artifacts
log=tests/e2e/artifacts/tauri-driver.log
# The app inherits this environment from the driver: a fresh data folder and keychain service.
# E2E_AS_INSTALLED=1 leaves both unset instead, so the app picks them as it does for a user
# (tests/deb/run.sh gives it a throw-away home and keyring for that).
if [ -n "${E2E_AS_INSTALLED:-}" ]; then
  unset FERRY_DATA_DIR FERRY_KEYCHAIN_SERVICE
else
  export FERRY_DATA_DIR="${FERRY_DATA_DIR:-$(mktemp -d -t ferry-e2e-data.XXXXXX)}"
  export FERRY_KEYCHAIN_SERVICE="${FERRY_KEYCHAIN_SERVICE:-ferry-e2e-$$}"
fi
# The embedded sandbox adds a ready-made destination; tests that want it say FERRY_SANDBOX=on.
export FERRY_SANDBOX="${FERRY_SANDBOX:-off}"
# E2E_PORT lets two checkouts run their end-to-end tests side by side (the driver's own
# WebKitWebDriver listens on the next port).
port="${E2E_PORT:-4444}"
export TAURI_DRIVER_URL="http://127.0.0.1:$port"
tauri-driver --port "$port" --native-port "$((port + 1))" >"$log" 2>&1 &
driver=$!
for _ in $(seq 1 100); do
  curl -sf "$TAURI_DRIVER_URL/status" >/dev/null 2>&1 && break
  sleep 0.1
done
if ! curl -sf "$TAURI_DRIVER_URL/status" >/dev/null 2>&1; then
  echo "tauri-driver did not start; its log:" >&2
  cat "$log" >&2
  kill "$driver" 2>/dev/null
  exit 1
fi
"$@"
rc=$?
kill "$driver" 2>/dev/null
wait "$driver" 2>/dev/null
exit $rc
