#!/usr/bin/env bash
# Installs headless Chromium and its chromedriver from Debian, for the dashboard's browser test
# (reliability/tests/dashboard_browser.rs, run when STEPPAY_TEST_CHROMEDRIVER is set). Idempotent:
# says nothing and changes nothing when both are already there.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
echo "installing chromium and chromium-driver (Debian packages)" >&2
export DEBIAN_FRONTEND=noninteractive
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! sudo_if_needed apt-get install -y -qq chromium chromium-driver >/dev/null; then
    sudo_if_needed apt-get update -qq >/dev/null
    sudo_if_needed apt-get install -y -qq chromium chromium-driver >/dev/null
fi
command -v chromedriver >/dev/null
