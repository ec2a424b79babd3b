#!/usr/bin/env bash
# The long run of plumb's property-based tests (test/fuzz): the same properties as the default test run,
# with many more random cases each. Prints one line per property (cases, seconds) and the total; a failure
# prints fast-check's seed and shrunk counterexample (re-run it with PLUMB_FUZZ_SEED=<seed>).
#
#   bash hack/fuzz.sh [cases-per-property=20000] [seed]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-20000}"
[[ "$runs" =~ ^[0-9]+$ ]] || { echo "usage: hack/fuzz.sh [cases-per-property] [seed]" >&2; exit 2; }
bash hack/setup.sh
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
export PLUMB_FUZZ_RUNS="$runs" PLUMB_FUZZ_REPORT="$report"
[[ -n "${2:-}" ]] && export PLUMB_FUZZ_SEED="$2"
start=$(date +%s)
status=0
node --test --test-reporter=dot --test-concurrency=2 dist/test/fuzz/ || status=$?
end=$(date +%s)
echo
printf '%-40s %10s %10s\n' property cases seconds
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
  let cases = 0;
  for (const l of lines) { cases += l.runs; console.log(l.property.padEnd(40), String(l.runs).padStart(10), (l.ms / 1000).toFixed(1).padStart(10)); }
  console.log(`${lines.length} properties, ${cases} cases`);
' "$report"
echo "wall time: $((end - start)) s; exit status $status"
exit "$status"
