#!/usr/bin/env bash
# Set up (first time), lint (ruff check: a lint error fails the run) and run the full test suite,
# browser tests included.
# Installs the Debian packages the tests drive when they are missing (nothing is downloaded by pip
# or Playwright at test time): chromium (browser tests), libreoffice-calc-nogui and poppler-utils
# (the office-form workbook rendered as an office sees it), faketime (the suite at another date).
#
# TEST_CLOCK_OFFSET=+365d ./test.sh runs the whole suite with the clock moved (libfaketime), to prove
# no test depends on the day it runs; CI (.ci/run) runs the suite today and a year ahead.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh requirements-test.txt
missing=()
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_PATH:-}" ] || missing+=(chromium)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
dpkg -s fonts-liberation >/dev/null 2>&1 || missing+=(fonts-liberation)
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages for the tests: ${missing[*]}…"
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq
  $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Lint first (rules and line length in pyproject.toml): a lint error fails the run before any test.
if ! .venv/bin/ruff check --quiet .; then
  echo "ruff check found lint errors (listed above): fix them before the tests run" >&2
  exit 1
fi
if [ -n "${TEST_CLOCK_OFFSET:-}" ]; then
  echo "Running the suite with the clock moved by ${TEST_CLOCK_OFFSET} ($(faketime -f "${TEST_CLOCK_OFFSET}" date +%F))"
  SCREENSHOT_DIR="$(mktemp -d)" exec faketime -f "${TEST_CLOCK_OFFSET}" .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest "$@"
