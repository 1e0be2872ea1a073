#!/usr/bin/env bash
# Make sure Debian's Chromium and its WebDriver are installed, for tests/browser (the
# playground in a real browser). Browser downloads from elsewhere are not used: the
# system packages are what the test drives.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
echo "browser: installing chromium chromium-driver" >&2
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
