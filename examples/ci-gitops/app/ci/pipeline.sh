#!/usr/bin/env bash
# demo-flask-app's pipeline, run on this machine: what the reference project's CI does on a push to the
# app's repository, stage by stage, with plumb doing the GitOps half. It lives in the app's repository, as
# a CI configuration does, and runs from a checkout of it.
#
#   1. test      the app's unit tests (python3 -m unittest in the app's work tree)
#   2. tag       the image tag, {short-sha}-{run-number} (plumb image tag)
#   3. build     docker build + push of IMAGE:TAG. Not run here: this machine has no Docker and the local
#                cluster never pulls images (kwok runs the Pods). The command is printed; the tag is what
#                the GitOps repository gets.
#   4. validate  plumb validate on a fresh checkout of the GitOps repository: every Application rendered as
#                the controller would, schemas and policies checked; any error stops the pipeline here,
#                before anything is committed
#   5. bump      plumb image set IMAGE:TAG in that same checkout (the commit validated), commit and push;
#                the controller then deploys the new tag
#
# Usage: GITOPS_URL=URL [RUN_NUMBER=N] ci/pipeline.sh [APP_DIR]
#
#   APP_DIR           the app repository's work tree (default: the one holding this script); its HEAD is
#                     the commit the tag names, unless the CI system's variables say otherwise (GITHUB_SHA)
#   GITOPS_URL        the GitOps repository to validate and bump (required)
#   GITOPS_BRANCH     its branch the Application tracks (default main)
#   RUN_NUMBER        the run's number (default: the CI system's, e.g. GITHUB_RUN_NUMBER, CI_PIPELINE_IID)
#   IMAGE             the image repository (default ghcr.io/plumb-examples/demo-flask-app)
#   BUMP_FILE         the file the tag goes into (default helm/demo-flask-app/values.yaml, at key image.tag;
#                     k8s/base/kustomization.yaml bumps the Kustomize alternative's images: entry)
#   PLUMB, PYTHON     the commands to run (default plumb, python3; PLUMB may be "node /path/to/main.js")
#
# Exit status: 0 when the tag was pushed (or was already set), non-zero at the first stage that failed.
# Push credentials for the GitOps repository come from PLUMB_GIT_USERNAME / PLUMB_GIT_PASSWORD (or
# PLUMB_GIT_TOKEN), as `plumb image set` reads them; none are needed for the demo's local Git server.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
app_dir="$(cd "${1:-$here/..}" && pwd)"
: "${GITOPS_URL:?set GITOPS_URL to the clone URL of the GitOps repository}"
gitops_branch="${GITOPS_BRANCH:-main}"
image="${IMAGE:-ghcr.io/plumb-examples/demo-flask-app}"
bump_file="${BUMP_FILE:-helm/demo-flask-app/values.yaml}"
read -r -a plumb <<<"${PLUMB:-plumb}"
python="${PYTHON:-python3}"

stage() { printf '==> %s\n' "$*"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

stage "test: $python -m unittest in $app_dir"
(cd "$app_dir" && PYTHONDONTWRITEBYTECODE=1 "$python" -m unittest -v)

stage "tag"
sha="$(git -C "$app_dir" rev-parse HEAD)"
tag_args=()
# The CI system's commit wins over the work tree's when the pipeline runs in CI.
[ -z "${GITHUB_SHA:-}${CI_COMMIT_SHA:-}${BUILDKITE_COMMIT:-}${CIRCLE_SHA1:-}${BUILD_SOURCEVERSION:-}${GIT_COMMIT:-}" ] && tag_args+=(--sha "$sha")
[ -n "${RUN_NUMBER:-}" ] && tag_args+=(--run "$RUN_NUMBER")
tag="$("${plumb[@]}" image tag "${tag_args[@]}")"
echo "$image:$tag"

stage "build: skipped (no Docker here); a CI runner would run:"
echo "  docker build -t $image:$tag $app_dir && docker push $image:$tag"

stage "validate: plumb validate on $GITOPS_URL ($gitops_branch)"
git clone --quiet --branch "$gitops_branch" "$GITOPS_URL" "$work/gitops"
status=0
"${plumb[@]}" validate "$work/gitops" --fail-on error || status=$?
case "$status" in
  0) ;;
  1) echo "pipeline: the GitOps repository does not validate (findings above); nothing was bumped" >&2; exit 1 ;;
  *) echo "pipeline: plumb validate could not run (exit $status); nothing was bumped" >&2; exit "$status" ;;
esac

stage "bump: $image:$tag in $bump_file"
key_args=()
case "$(basename "$bump_file")" in
  values*.yaml | values*.yml) key_args=(--key image.tag) ;;
esac
commit="$("${plumb[@]}" image set "$image:$tag" --file "$bump_file" "${key_args[@]}" --work-tree "$work/gitops" \
  --author "demo-flask-app CI <ci@plumb-examples.invalid>" -m "demo-flask-app: deploy $tag")"
if [ -n "$commit" ]; then
  echo "pushed $commit to $gitops_branch: the controller deploys $image:$tag"
else
  echo "$image:$tag was already set: nothing to push"
fi
