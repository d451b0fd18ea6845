#!/usr/bin/env bash
# Install what the test suite needs beyond npm packages: Debian's Chromium for
# the end-to-end tests and a Python venv with pydantic-ai and logfire for the
# interop tests. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x /usr/bin/chromium ]; then
  echo "test-setup: /usr/bin/chromium is installed"
elif command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "test-setup: installing Debian's chromium for the UI tests"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
else
  echo "test-setup: install Chromium and set LOUPE_CHROMIUM to its path for the UI tests" >&2
fi

# iproute2's `ip` brings up loopback in the network namespaces of the
# offline `loupe run --mock` tests.
if ! command -v ip >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "test-setup: installing iproute2 for the network namespace tests"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq iproute2 >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "test-setup: creating .venv for the Python interop tests"
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r test/interop/requirements.txt
# --no-deps: pydantic-evals pins an older pydantic-ai-slim; see the file's comment.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r test/interop/requirements-evals.txt
echo "test-setup: Python $(.venv/bin/python --version 2>&1 | cut -d' ' -f2) with $(.venv/bin/python -m pip show pydantic-ai-slim logfire 2>/dev/null | grep -E '^(Name|Version)' | paste -sd' ')"
