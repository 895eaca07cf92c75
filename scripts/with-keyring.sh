#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with its own unlocked gnome-keyring, so tests
# use the real Secret Service without touching the user's keychain. The keyring files live in
# a throw-away XDG_DATA_HOME that is removed afterwards.
set -euo pipefail
keyring_home=$(mktemp -d -t ferry-keyring.XXXXXX)
trap 'rm -rf "$keyring_home"' EXIT
export FERRY_KEYRING_HOME="$keyring_home"
dbus-run-session -- bash -c '
  set -e
  export XDG_DATA_HOME="$FERRY_KEYRING_HOME"
  # The password only protects this throw-away keyring.
  eval "$(printf ferry-test | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK 2>/dev/null || true
  exec "$@"
' _ "$@"
