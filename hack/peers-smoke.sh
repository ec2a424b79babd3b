#!/usr/bin/env bash
# Opt-in smoke test of the peers (issue 16): builds plumb with tsc and runs test/peers/smoke.test.ts, which
# checks that Flux and Argo CD, as built by hack/peers.sh, each really sync one app from Git on a local control
# plane. A peer that is not built is skipped with the command that builds it. Not part of hack/test.sh or .ci/run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npx tsc -p tsconfig.json
exec node --test --test-concurrency=1 --test-reporter=spec dist/test/peers/smoke.test.js
