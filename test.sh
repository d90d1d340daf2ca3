#!/usr/bin/env bash
# Set up (first time) and run the full test suite, browser tests included.
# Installs Debian's chromium for Playwright when it is missing (browsers cannot be downloaded).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh requirements-test.txt
if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  echo "Installing Debian's chromium for the browser tests…"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
if ! command -v soffice >/dev/null || ! command -v pdftotext >/dev/null; then
  # the office-form tests render the workbooks as an office sees them (tests/office.py)
  echo "Installing Debian's LibreOffice Calc and poppler-utils for the workbook tests…"
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
  $sudo_ apt-get update -qq && $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    libreoffice-calc-nogui poppler-utils fonts-liberation >/dev/null
fi
exec .venv/bin/python -m pytest "$@"
