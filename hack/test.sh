#!/usr/bin/env bash
# All of plumb's tests on a fresh or warm machine: set-up, lint, typecheck (the build), the UI's unit tests, then the unit,
# property-based (test/fuzz, short run) and e2e suites in one run of Node's test runner (e2e files start their own local control planes and Git
# servers, two files at a time).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash hack/setup.sh
echo "[test] lint" >&2
npm run --silent lint
echo "[test] the UI's unit tests (vitest)" >&2
npm --prefix ui run --silent test
echo "[test] unit, fuzz (a short run: PLUMB_FUZZ_RUNS, default 150 cases a property) and e2e suites" >&2
exec node --test --test-reporter=spec --test-concurrency=2 dist/test/unit/ dist/test/fuzz/ dist/test/e2e/
