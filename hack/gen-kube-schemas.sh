#!/usr/bin/env bash
# Regenerates the Kubernetes schemas plumb ships (schemas/kubernetes-<KUBERNETES_VERSION>.json.gz) from the
# local control plane's /openapi/v3 (src/validate/gen-schemas.ts; ADR 0010). Needs the pinned binaries
# (bash hack/tools.sh). Run after changing KUBERNETES_VERSION in hack/versions.env, then update
# SHIPPED_KUBE_VERSIONS in src/validate/schema.ts; the e2e test test/e2e/validate-schemas.test.ts fails
# while the shipped file differs from what the control plane serves.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
node dist/src/validate/gen-schemas.js "$@"
