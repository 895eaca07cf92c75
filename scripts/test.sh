#!/usr/bin/env bash
# Sets up what is missing, then runs every test Ferry has: formatting and lints, the UI's type
# check, lint and unit tests, the Rust tests (core, CLI, app shell) against a real keychain,
# the end-to-end tests on the real app under Xvfb, and the Debian package, built, unpacked and
# tried as installed. Ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Plain output: the closing summary reads the runners' own lines.
export CARGO_TERM_COLOR=never NO_COLOR=1 FORCE_COLOR=0
logs=$(mktemp -d -t ferry-test-logs.XXXXXX)
step() { echo; echo "=== [$(date +%T)] $*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "UI: type check, lint, unit tests, build"
npm run --silent typecheck
npm run --silent lint -- --max-warnings 0
npm run --silent test:ui 2>&1 | tee "$logs/vitest.log"
npm run --silent build

# The same feature set for clippy and test keeps one build of the dependency tree. `ferry bench`
# is a feature of the CLI, off in the `ferry` users get: on here, so it is linted and tested.
FEATURES=(--workspace --all-targets --features ferry-app/custom-protocol,ferry-cli/bench)

step "build: every test target, and the app and CLI binaries the end-to-end tests launch"
# NOTE: `cargo test --no-run` resolves features exactly as the test run below does (tauri's
# dev-only "test" feature included), so this builds once; a separate `cargo build --bins` would
# build tauri a second time. Cargo builds a package's binaries for its integration tests.
cargo test "${FEATURES[@]}" --no-run
for bin in ferry-app ferry; do
  [ -x "target/debug/$bin" ] || { echo "target/debug/$bin was not built" >&2; exit 1; }
done

step "cargo clippy -D warnings"
cargo clippy "${FEATURES[@]}" -- -D warnings

step "cargo test (real SQLite files, real keychain)"
# NOTE: the reliability suite runs on its own below, with its seeds and counts shown.
scripts/with-keyring.sh cargo test "${FEATURES[@]}" -- --skip reliability_ 2>&1 | tee "$logs/cargo.log"

step "reliability: ferry send under SIGKILL, 429 storms, 503s, resets, slow answers, expiring tokens"
# NOTE: the same features as above, so nothing is built again; the name filter picks the suite.
scripts/with-keyring.sh cargo test "${FEATURES[@]}" -- reliability_ --nocapture 2>&1 | tee -a "$logs/cargo.log"

step "fidelity: unmodified third-party Dataverse clients against the sandbox"
tests/fidelity/setup.sh
FERRY_BIN="$PWD/target/debug/ferry" tests/fidelity/run.sh 2>&1 | tee "$logs/fidelity.log"

step "the UI's contract types match the Rust types"
# cargo test has just rewritten ui/src/api/generated from the Rust types (ts-rs).
if [ -n "$(git status --porcelain -- ui/src/api/generated 2>/dev/null)" ]; then
  git status --short -- ui/src/api/generated
  echo "ui/src/api/generated is out of date: commit what cargo test generated." >&2
  exit 1
fi

step "end to end: the real app under Xvfb through WebDriver"
export APP_BIN="$PWD/target/debug/ferry-app" CLI_BIN="$PWD/target/debug/ferry"
scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" \
  tests/e2e/run-e2e.sh node --test --test-concurrency=1 tests/e2e/ 2>&1 | tee "$logs/e2e.log"

step "end to end: the embedded sandbox as a ready destination"
FERRY_SANDBOX=on scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" \
  tests/e2e/run-e2e.sh node --test --test-concurrency=1 tests/e2e/sandbox.e2e.mjs tests/e2e/forms-sandbox.e2e.mjs tests/e2e/users.e2e.mjs 2>&1 | tee -a "$logs/e2e.log"
# NOTE: a data folder of its own, since it checks what the very first start makes.
FERRY_SANDBOX=on scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" \
  tests/e2e/run-e2e.sh node --test --test-concurrency=1 tests/e2e/templates.e2e.mjs 2>&1 | tee -a "$logs/e2e.log"
FERRY_SANDBOX=on scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" \
  tests/e2e/run-e2e.sh node --test tests/e2e/connection.e2e.mjs 2>&1 | tee -a "$logs/e2e.log"
# NOTE: a data folder of its own: it sends the first start's demo template.
FERRY_SANDBOX=on scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" \
  tests/e2e/run-e2e.sh node --test tests/e2e/send.e2e.mjs 2>&1 | tee -a "$logs/e2e.log"
FERRY_SANDBOX=on scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" \
  tests/e2e/run-e2e.sh node --test tests/e2e/campaigns.e2e.mjs 2>&1 | tee -a "$logs/e2e.log"

step "end to end: the lists, first steps and the 900×600 window, with the embedded sandbox"
FERRY_SANDBOX=on scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x900x24" \
  tests/e2e/run-e2e.sh node --test tests/e2e/lists.e2e.mjs 2>&1 | tee -a "$logs/e2e.log"

step "end to end: no keychain reachable"
# Outside any D-Bus session the Secret Service cannot answer, as on a desktop without one.
DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/ferry-no-bus xvfb-run -a -s "-screen 0 1280x900x24" \
  tests/e2e/run-e2e.sh node --test tests/e2e/no-keychain.e2e.mjs 2>&1 | tee -a "$logs/e2e.log"

step "the Debian package: built, unpacked into a throw-away root, the installed app tried"
tests/deb/run.sh 2>&1 | tee -a "$logs/e2e.log"

# One closing line over every runner. set -o pipefail above has already stopped the script
# if any runner failed, so the counts here are of a green run.
count() { { grep -Eo "$1" "$2" || true; } | awk -v f="$3" '{s+=$f} END {print s+0}'; }
cargo_pass=$(count 'test result: ok\. [0-9]+ passed' "$logs/cargo.log" 4)
ui_pass=$(count 'Tests +[0-9]+ passed' "$logs/vitest.log" 2)
e2e_pass=$(count '^# pass [0-9]+' "$logs/e2e.log" 3)
e2e_fail=$(count '^# fail [0-9]+' "$logs/e2e.log" 3)
fid_pass=$(count '^fidelity: [0-9]+ passed' "$logs/fidelity.log" 2)
echo
echo "Rust: $cargo_pass passed; UI: $ui_pass passed; fidelity: $fid_pass passed; end to end: $e2e_pass passed"
echo "all: $((cargo_pass + ui_pass + fid_pass + e2e_pass)) passed, $e2e_fail failed"
rm -rf "$logs"
