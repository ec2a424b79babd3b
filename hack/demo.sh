#!/usr/bin/env bash
# plumb's main job on this machine: set up what is missing, then run `plumb demo` (see `plumb demo --help`):
# a local cluster, a Git server with the guestbook chart, and the controller keeping them equal, until Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash hack/setup.sh
exec node dist/src/cli/main.js demo "$@"
