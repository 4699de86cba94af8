#!/usr/bin/env bash
# Builds the web front end into web/dist (served by `wangban serve --web web/dist`).
# Installs the npm dependencies with `npm ci` only when node_modules is missing or
# web/package-lock.json changed since the last install. Needs Node.js >= 20.19 and npm.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="$root/web"
cd "$web"

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1   # playwright-core drives Debian's chromium; never download one
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "web-build: node and npm are needed (Node.js >= 20.19)" >&2
  exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20 || (a===20 && b<19)) { console.error(`web-build: Node.js ${process.version} is too old; Vite 7 needs >= 20.19`); process.exit(1) }'

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.wangban-lock-sha256"
if [[ ! -d node_modules || ! -f "$stamp" || "$(cat "$stamp")" != "$lock_hash" ]]; then
  echo "web-build: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

echo "web-build: vite build"
npx --no-install vite build --logLevel warn
node scripts/bundle-size.mjs
