#!/usr/bin/env bash
# Fidelity tests: starts `ferry sandbox` over HTTPS (fresh data file, free port) and drives it
# with two Dataverse clients nobody here wrote, unmodified: dynamics-web-api (Node) and
# Microsoft's PowerPlatform-Dataverse-Client (Python). Each prints "N passed, N failed"; this
# script prints a combined line and exits non-zero if anything failed.
#
# Run tests/fidelity/setup.sh once first. FERRY_BIN may point at a prebuilt `ferry` binary;
# otherwise the debug build is used (built here if missing).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
ferry="${FERRY_BIN:-$root/target/debug/ferry}"

if [ ! -d "$here/node_modules/dynamics-web-api" ] || [ ! -x "$here/.venv/bin/python" ]; then
  echo "The fidelity clients are not installed: run tests/fidelity/setup.sh first." >&2
  exit 2
fi
if [ -z "${FERRY_BIN:-}" ]; then
  cargo build --quiet -p ferry-cli --manifest-path "$root/Cargo.toml" || exit 2
fi

run_dir="$(mktemp -d)"
sandbox_pid=""
cleanup() {
  if [ -n "$sandbox_pid" ]; then
    kill "$sandbox_pid" 2>/dev/null
    wait "$sandbox_pid" 2>/dev/null
  fi
  rm -rf "$run_dir"
}
trap cleanup EXIT

"$ferry" --json --data-dir "$run_dir" sandbox --port 0 --https --profile demo \
  --data "$run_dir/sandbox.sqlite3" --ca-out "$run_dir/ca.pem" \
  >"$run_dir/info.json" 2>"$run_dir/sandbox.log" &
sandbox_pid=$!

for _ in $(seq 1 100); do
  [ -s "$run_dir/info.json" ] && break
  if ! kill -0 "$sandbox_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ ! -s "$run_dir/info.json" ]; then
  echo "The sandbox did not start:" >&2
  cat "$run_dir/sandbox.log" >&2
  exit 2
fi
# Only the address: the JSON line also holds the client secret and the admin key.
echo "Sandbox: $(grep -o '"baseUrl":"[^"]*"' "$run_dir/info.json")"

status=0
NODE_EXTRA_CA_CERTS="$run_dir/ca.pem" node "$here/js_client.mjs" "$run_dir/info.json" \
  | tee "$run_dir/js.out" || status=1
REQUESTS_CA_BUNDLE="$run_dir/ca.pem" "$here/.venv/bin/python" -W ignore::DeprecationWarning \
  "$here/python_client.py" "$run_dir/info.json" 2>&1 | tee "$run_dir/py.out" || status=1

# Adds up the clients' closing "N passed, N failed" lines; a client that died early counts as
# one failure so a crash can never read as success.
passed=0
failed=0
for out in "$run_dir/js.out" "$run_dir/py.out"; do
  line="$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)"
  if [ -z "$line" ]; then
    failed=$((failed + 1))
    status=1
    continue
  fi
  p="$(echo "$line" | sed -E 's/^[a-z]+: ([0-9]+) passed.*/\1/')"
  f="$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')"
  passed=$((passed + p))
  failed=$((failed + f))
done
[ "$failed" -gt 0 ] && status=1
echo "fidelity: $passed passed, $failed failed"
exit "$status"
