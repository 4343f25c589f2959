#!/usr/bin/env bash
# The HTML report in a real browser: installs Debian's chromium when it is
# missing, then runs tests/it/browser.rs (SVG boxes and sizes, page width,
# a screenshot that is not blank, PNG charts with content).
#
#   .ci/browser.sh
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v chromium >/dev/null; then
  echo "browser: installing chromium from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1 ||
    { as_root apt-get update -qq && as_root apt-get install -y --no-install-recommends chromium fonts-dejavu-core >/dev/null; }
fi
chromium --version
AMISIM_CHROMIUM=$(command -v chromium) cargo test --test it browser -- --ignored --nocapture
