#!/usr/bin/env bash
# plumb's main job on this machine: set up what is missing, then run it (see `plumb up --help`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash hack/setup.sh
exec node dist/src/cli/main.js up "$@"
