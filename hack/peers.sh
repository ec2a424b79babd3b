#!/usr/bin/env bash
# Builds the peers plumb is measured against (issue 16): Flux's source-controller and kustomize-controller, and
# Argo CD's single `argocd` binary (application-controller, repo-server, server by argv[0]), from the Go module
# proxy at pinned versions, into a cache outside the repository keyed by name and version:
#   $PLUMB_CACHE_DIR/peers/<name>-<version>/{bin,crds,manifests}/...
# Opt-in: neither hack/test.sh nor .ci/run calls it (Argo CD alone takes a long while to build on 2 cores).
# Each peer is built through a generated wrapper module that requires the peer's module at its version and
# re-states the `replace` lines of the peer's own go.mod (a local-path replace such as `./api` becomes the
# published module at the version the peer requires), since `go install` refuses a module with replaces.
# None of the peers' code is copied into the repository: CRDs and default ConfigMaps come from the module cache.
# As in hack/tools.sh, a peer already built is skipped, and a build happens in a temp folder that is moved into
# place only when it succeeded. Every go command runs under `nice -n 19`.
#
# Usage: hack/peers.sh [all|flux|argocd]...   (default: all)
#        hack/peers.sh --print-dir            prints the cache folder
# Exit status: 0 when every requested peer is built; 1 when one failed (the others are still built).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=peers.env
source "${PLUMB_PEERS_VERSIONS:-$HERE/peers.env}"

CACHE="${PLUMB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/plumb}"
PEERS="$CACHE/peers"

if [[ "${1:-}" == "--print-dir" ]]; then echo "$PEERS"; exit 0; fi

log() { printf '[peers] %s\n' "$*" >&2; }
die() { printf '[peers] error: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "no Go toolchain on PATH: install Go 1.26 or newer, or put it on PATH, then run hack/peers.sh again"

CURRENT_WORK=""
trap 'if [[ -n "$CURRENT_WORK" ]]; then rm -rf "$CURRENT_WORK"; fi' EXIT
trap 'exit 130' INT TERM

export CGO_ENABLED=0 GOFLAGS=-buildvcs=false
mkdir -p "$PEERS"
FAILED=()

# Bump a peer's recipe revision when its build function changes what it produces.
declare -A RECIPE=([flux-source-controller]=1 [flux-kustomize-controller]=1 [argocd]=2)

gocmd() { nice -n 19 go "$@"; }

# build NAME VERSION FUNCTION: runs FUNCTION OUT WORK unless $PEERS/NAME-VERSION/.complete holds the current
# recipe. A failure is reported with the peer's name and remembered; the other peers still build.
build() {
  local name="$1" version="$2" fn="$3"
  local dest="$PEERS/$name-$version" rev="recipe ${RECIPE[$1]}"
  if [[ -f "$dest/.complete" && "$(cat "$dest/.complete")" == "$rev" ]]; then log "$name $version: cached in $dest"; return 0; fi
  local work; work="$(mktemp -d "$PEERS/.build-$name-XXXXXX")"
  CURRENT_WORK="$work"
  log "$name $version: building (once per machine; Argo CD takes tens of minutes on 2 cores) ..."
  local start=$SECONDS
  mkdir -p "$work/out/bin"
  # In the background and waited for, so that `set -e` holds inside the builder (it is off in an `if` condition).
  (cd "$work"; "$fn" "$work/out" "$work") >"$work/build.log" 2>&1 &
  if ! wait $!; then
    tail -n 40 "$work/build.log" >&2
    log "error: $name $version could not be built (log above). Check the Go module proxy is reachable (go env GOPROXY) and disk space (df -h), then run hack/peers.sh ${4:-$name} again"
    rm -rf "$work"; CURRENT_WORK=""
    FAILED+=("$name")
    return 0
  fi
  echo "$((SECONDS - start))" >"$work/out/build-seconds"
  echo "$rev" >"$work/out/.complete"
  chmod -R u+w "$work/out"
  rm -rf "$dest"
  mv "$work/out" "$dest"
  rm -rf "$work"; CURRENT_WORK=""
  log "$name $version: built in $((SECONDS - start)) s into $dest"
}

# modfield MODULE@VERSION FIELD: one field (GoMod, Dir) of `go mod download -json`.
# A module the proxy does not serve fails with the proxy's own error in the log.
modfield() {
  local json
  if ! json="$(gocmd mod download -json "$1")"; then
    echo "go mod download $1 failed: $(sed -n 's/.*"Error": "\(.*\)".*/\1/p' <<<"$json")" >&2
    echo "is the version right (hack/peers.env) and served by the Go module proxy (go env GOPROXY)?" >&2
    return 1
  fi
  sed -n 's/.*"'"$2"'": "\(.*\)".*/\1/p' <<<"$json"
}

# restate_replaces GOMOD: prints the `replace` directives of the peer's go.mod, one a line, for the wrapper. A
# local-path target (./api, ./gitops-engine) cannot be followed from outside the peer's tree: it becomes the
# published module at the version the peer's own require line names.
restate_replaces() {
  local gomod="$1"
  awk '
    /^replace[ \t]*\(/ { inblock = 1; next }
    inblock && /^\)/   { inblock = 0; next }
    inblock            { print; next }
    /^replace[ \t]/    { sub(/^replace[ \t]+/, ""); print }
  ' "$gomod" | sed 's#//.*##' | while read -r line; do
    [[ -z "$line" ]] && continue
    local left="${line%%=>*}" right="${line#*=>}"
    right="$(echo "$right" | xargs)"; left="$(echo "$left" | xargs)"
    if [[ "$right" == ./* || "$right" == ../* ]]; then
      local mod="${left%% *}" ver
      ver="$(awk -v m="$mod" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$gomod")"
      [[ -n "$ver" ]] || { echo "replace $line: no require line names $mod, so its published version is unknown" >&2; return 1; }
      printf '\t%s => %s %s\n' "$mod" "$mod" "$ver"
    else
      printf '\t%s => %s\n' "$left" "$right"
    fi
  done
}

# wrapper MODULE VERSION NAME PKG...: a module in the current folder that requires MODULE@VERSION with the peer's
# replaces, and a tools.go that imports the main packages PKG... so that `go mod tidy` keeps what they need.
wrapper() {
  local module="$1" version="$2" name="$3"; shift 3
  local gomod; gomod="$(modfield "$module@$version" GoMod)"
  [[ -f "$gomod" ]] || { echo "could not download $module@$version from the Go module proxy"; return 1; }
  local replaces; replaces="$(restate_replaces "$gomod")"
  {
    echo "module plumb.dev/build/peer-$name"
    grep -E '^go ' "$gomod"
    echo "require $module $version"
    [[ -n "$replaces" ]] && printf 'replace (\n%s\n)\n' "$replaces"
  } >go.mod
  { printf '//go:build tools\n\npackage tools\n\nimport (\n'; printf '\t_ "%s"\n' "$@"; printf ')\n'; } >tools.go
  echo "--- wrapper go.mod"; cat go.mod
  # -e: tidy also walks the tests of the peer's packages, and some of their test-only modules are not served by the
  # proxy (fluxcd/pkg/helmtestserver); the build needs none of them.
  gocmd mod tidy -e
  # tidy must keep the peer at its pin (a raised requirement would build another version).
  grep -qE "^\s*(require )?$module $version\b" go.mod || { echo "go mod tidy moved $module off $version"; cat go.mod; return 1; }
}

# Flux source-controller: the artifact server (GitRepository, OCIRepository, HelmRepository, Bucket...).
build_source_controller() {
  local out="$1" work="$2" m=github.com/fluxcd/source-controller v="$FLUX_SOURCE_CONTROLLER_VERSION"
  mkdir -p "$work/mod" && cd "$work/mod"
  wrapper "$m" "$v" source-controller "$m"
  gocmd build -trimpath -ldflags "-s -w" -o "$out/bin/source-controller" "$m"
  local dir; dir="$(modfield "$m@$v" Dir)"
  mkdir -p "$out/crds" && cp "$dir"/config/crd/bases/*.yaml "$out/crds/"
  cp go.mod "$out/wrapper.go.mod"
}

# Flux kustomize-controller: applies Kustomizations built from source-controller's artifacts.
build_kustomize_controller() {
  local out="$1" work="$2" m=github.com/fluxcd/kustomize-controller v="$FLUX_KUSTOMIZE_CONTROLLER_VERSION"
  mkdir -p "$work/mod" && cd "$work/mod"
  wrapper "$m" "$v" kustomize-controller "$m"
  gocmd build -trimpath -ldflags "-s -w" -o "$out/bin/kustomize-controller" "$m"
  local dir; dir="$(modfield "$m@$v" Dir)"
  mkdir -p "$out/crds" && cp "$dir"/config/crd/bases/*.yaml "$out/crds/"
  cp go.mod "$out/wrapper.go.mod"
}

# Argo CD: one binary for every component, chosen by argv[0]; needs Go 1.27, which the proxy serves as the
# toolchain go1.27.3. The module zip already holds ui/dist/app (a gitkeep placeholder, as the Makefile's headless
# build leaves it), so the embedded UI is empty and no UI build is needed.
build_argocd() {
  local out="$1" work="$2" m=github.com/argoproj/argo-cd/v3 v="$ARGOCD_VERSION"
  export GOTOOLCHAIN="$ARGOCD_GOTOOLCHAIN"
  mkdir -p "$work/mod" && cd "$work/mod"
  wrapper "$m" "$v" argocd "$m/cmd"
  local p=github.com/argoproj/argo-cd/v3/common
  gocmd build -trimpath -ldflags "-s -w -X $p.version=$v -X $p.gitTag=$v -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z" \
    -o "$out/bin/argocd" "$m/cmd"
  for role in argocd-application-controller argocd-repo-server argocd-server; do ln -s argocd "$out/bin/$role"; done
  local dir; dir="$(modfield "$m@$v" Dir)"
  # The repo-server runs these helpers by name from PATH (its image copies them from hack/): v3.6 calls
  # git-verify-wrapper.sh for every manifest generation, even with GPG off, and fails with "permission denied"
  # when it is missing.
  install -m 0755 "$dir/hack/git-verify-wrapper.sh" "$dir/hack/gpg-wrapper.sh" "$out/bin/"
  mkdir -p "$out/crds" "$out/manifests"
  cp "$dir"/manifests/crds/application-crd.yaml "$dir"/manifests/crds/appproject-crd.yaml "$dir"/manifests/crds/applicationset-crd.yaml "$out/crds/"
  for cm in argocd-cm argocd-secret argocd-rbac-cm argocd-cmd-params-cm; do cp "$dir/manifests/base/config/$cm.yaml" "$out/manifests/"; done
  cp go.mod "$out/wrapper.go.mod"
}

# Argo CD's repo-server cache and controller state live in Redis: Debian's redis-server.
ensure_redis() {
  command -v redis-server >/dev/null 2>&1 && return 0
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "redis-server missing: installing Debian's redis-server"
    if apt-get install -y redis-server >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y redis-server >/dev/null 2>&1; }; then
      systemctl disable --now redis-server >/dev/null 2>&1 || service redis-server stop >/dev/null 2>&1 || true
      return 0
    fi
  fi
  log "error: argocd needs redis-server on PATH: install it (apt-get install -y redis-server) and run hack/peers.sh argocd again"
  FAILED+=("argocd (redis-server)")
}

flux() {
  build flux-source-controller "$FLUX_SOURCE_CONTROLLER_VERSION" build_source_controller flux
  build flux-kustomize-controller "$FLUX_KUSTOMIZE_CONTROLLER_VERSION" build_kustomize_controller flux
}
argocd() { build argocd "$ARGOCD_VERSION" build_argocd argocd; ensure_redis; }

targets=("$@"); [[ ${#targets[@]} -eq 0 ]] && targets=(all)
for t in "${targets[@]}"; do
  case "$t" in
    all) flux; argocd ;;
    flux) flux ;;
    argocd) argocd ;;
    *) die "unknown peer '$t': expected all, flux or argocd" ;;
  esac
done
if [[ ${#FAILED[@]} -gt 0 ]]; then
  die "not built: ${FAILED[*]} (see the messages above); the other requested peers are in $PEERS"
fi
log "all requested peers are in $PEERS"
