#!/usr/bin/env bash
# Installs the third-party clients the fidelity tests drive, unmodified:
#   - dynamics-web-api (npm, pinned by package-lock.json) into tests/fidelity/node_modules
#   - PowerPlatform-Dataverse-Client + azure-identity (PyPI, requirements.txt) into tests/fidelity/.venv
# Needs node >= 18 with npm, and python3 >= 3.10 with the venv module
# (Debian: apt-get install -y nodejs npm python3-venv). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
echo "Fidelity clients installed."
