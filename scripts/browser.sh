#!/bin/sh
# Make headless Chromium available for the browser tests, without changing anything else on the
# machine (`make browser`, run by `make test`). It never upgrades an installed package:
#
# - chromium and chromedriver present: nothing to do;
# - missing: it says so first; then, only as root (never sudo) and only where apt-get exists, it
#   installs `chromium chromium-driver` with `apt-get install --no-upgrade`, after a simulation shows
#   that no installed package would be upgraded;
# - anything else (not root, no apt-get, an upgrade needed, no network): it says why and exits 0;
#   the browser tests then skip themselves with the reason (tests/test_report_browser.py).
#
# CHROMIUM and CHROMEDRIVER override the paths looked for (tests use them).
set -u
chromium="${CHROMIUM:-/usr/bin/chromium}"
driver="${CHROMEDRIVER:-/usr/bin/chromedriver}"
packages="chromium chromium-driver"

if [ -x "$chromium" ] && [ -x "$driver" ]; then
  echo "browser: chromium and chromedriver are installed"
  exit 0
fi
echo "browser: chromium or chromedriver is missing ($chromium, $driver); the browser tests need them"

skip() {
  echo "browser: $1; nothing installed, the browser tests will be skipped"
  exit 0
}

[ "$(id -u)" = 0 ] || skip "not root (make test never uses sudo). To install them as root: apt-get install --no-upgrade $packages"
command -v apt-get >/dev/null 2>&1 || skip "no apt-get on this machine"

simulate() { apt-get install -s --no-upgrade -y $packages 2>&1; }
if ! sim="$(simulate)"; then
  apt-get update -qq >/dev/null 2>&1  # package lists only; no package changes
  sim="$(simulate)" || skip "apt-get cannot install $packages here ($(printf '%s\n' "$sim" | tail -n 1))"
fi
upgrades="$(printf '%s\n' "$sim" | grep '^Inst [^ ]* \[' | cut -d' ' -f2 | tr '\n' ' ')"
[ -z "$upgrades" ] || skip "installing $packages would upgrade installed packages (${upgrades% })"

echo "browser: installing $packages with apt-get install --no-upgrade (no installed package changes)"
DEBIAN_FRONTEND=noninteractive apt-get install --no-upgrade -y $packages || skip "apt-get install failed"
