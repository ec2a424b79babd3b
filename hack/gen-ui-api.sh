#!/usr/bin/env bash
# Regenerates the UI's API types from the server's routes: the OpenAPI document (src/server/openapi-doc.ts)
# into ui/src/api/openapi.json, and from it ui/src/api/schema.d.ts (openapi-typescript). Run after changing
# a route's schema; a unit test (test/unit/server/openapi-doc.test.ts) fails while they differ.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
node dist/src/server/openapi-doc.js > ui/src/api/openapi.json
ui/node_modules/.bin/openapi-typescript ui/src/api/openapi.json -o ui/src/api/schema.d.ts >/dev/null
echo "ui/src/api/openapi.json and ui/src/api/schema.d.ts regenerated"
