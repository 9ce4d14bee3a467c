#!/usr/bin/env bash
# Renders the simulation report to a PNG with headless Chromium, to check that
# the page and its inline SVG charts display as intended.
#
#   cargo run --release --example simulation      # writes target/simulation/report.html
#   scripts/render_report.sh [REPORT.html] [OUT.png]
#
# Installs Debian's `chromium` package when no Chromium is on the PATH (needs
# root or sudo). Not part of CI.
set -euo pipefail

cd "$(dirname "$0")/.."
report="${1:-target/simulation/report.html}"
out="${2:-target/simulation/report.png}"

if [ ! -f "$report" ]; then
    echo "no report at $report; run: cargo run --release --example simulation" >&2
    exit 1
fi

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
        browser="$candidate"
        break
    fi
done
if [ -z "$browser" ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    $sudo apt-get update
    $sudo apt-get install -y chromium
    browser=chromium
fi

case "$report" in
    /*) url="file://$report" ;;
    *) url="file://$PWD/$report" ;;
esac
mkdir -p "$(dirname "$out")"
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --screenshot="$out" --window-size=1400,2400 "$url"
echo "screenshot: $out"
