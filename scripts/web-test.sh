#!/usr/bin/env bash
# Tests the web front end: builds web/dist when it is missing or older than its sources, runs the
# Vitest unit and component tests, and with --e2e (or WANGBAN_E2E=1) the browser stories against
# the real server (WANGBAN_BINARY, default build/wangban) in Debian's headless chromium.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="$root/web"
e2e="${WANGBAN_E2E:-0}"
for arg in "$@"; do
  case "$arg" in
    --e2e) e2e=1 ;;
    *) echo "usage: scripts/web-test.sh [--e2e]" >&2; exit 2 ;;
  esac
done

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

needs_build() {
  [[ -f "$web/dist/index.html" ]] || return 0
  [[ -d "$web/node_modules" ]] || return 0
  local newer
  newer="$(find "$web/src" "$web/public" "$web/index.html" "$web/vite.config.js" "$web/package-lock.json" \
           -newer "$web/dist/index.html" -print -quit 2>/dev/null)"
  [[ -n "$newer" ]]
}

if needs_build; then
  "$root/scripts/web-build.sh"
fi

cd "$web"
npx --no-install vitest run

if [[ "$e2e" == "1" ]]; then
  if [[ ! -x /usr/bin/chromium ]]; then
    echo "web-test: installing Debian's chromium"
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  fi
  if ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then
    # Chinese text in screenshots (not needed for the assertions).
    apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 || echo "web-test: fonts-noto-cjk not installed; screenshots will lack CJK glyphs"
  fi
  export WANGBAN_BINARY="${WANGBAN_BINARY:-$root/build/wangban}"
  npm run --silent e2e
fi
