#!/usr/bin/env bash
# Everything plumb needs on a fresh machine of this kind, idempotent and quick when done before:
# git, chromium and Python's Flask/redis/pytest (Debian), the npm dependencies, the pinned Go-built binaries
# (hack/tools.sh), the web UI (ui/, its own npm project, built by Vite into ui/dist) and the TypeScript build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v git >/dev/null 2>&1; then
  say "installing git"
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git >/dev/null
  else
    echo "git is required: install it (apt-get install git) and run again" >&2; exit 1
  fi
fi
command -v node >/dev/null 2>&1 || { echo "Node.js 20 or newer is required: install it and run again" >&2; exit 1; }
# Debian's Chromium for the browser tests of the web UI (playwright-core drives it; it downloads no browser).
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing chromium (browser tests of the web UI)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    say "no /usr/bin/chromium: the web UI's browser tests will be skipped (apt-get install chromium)"
  fi
fi
# Debian's Flask, redis-py and pytest for the visit-counter example's unit tests (examples/visit-counter/app).
if ! /usr/bin/python3 -c 'import flask, redis, pytest' >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing python3-flask, python3-redis and python3-pytest (the visit-counter example's unit tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-flask python3-redis python3-pytest >/dev/null
  else
    say "no Flask/redis-py for /usr/bin/python3: the visit-counter example's unit test will be skipped (apt-get install python3-flask python3-redis python3-pytest)"
  fi
fi

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
bash hack/tools.sh
if [[ ! -d ui/node_modules ]] || [[ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]]; then
  say "installing the UI's npm dependencies"
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
fi
# Rebuilt only when missing or older than any of its sources.
if [[ ! -f ui/dist/index.html ]] || [[ -n $(find ui/src ui/public ui/index.html ui/vite.config.ts ui/compress.ts ui/tsconfig.json ui/package-lock.json -newer ui/dist/index.html -print -quit) ]]; then
  say "building the UI"
  npm --prefix ui run --silent build >/dev/null
fi
say "building"
npm run --silent build
