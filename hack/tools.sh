#!/usr/bin/env bash
# Builds the pinned binaries plumb's tests need (Kubernetes control plane, etcd, kwok, Helm, Kustomize, the OCI registry)
# and the small Go helpers plumb itself runs (plumb-jsonnet, plumb-gotemplate), and crane (go-containerregistry) that
# hack/image.sh builds plumb's container image with,
# from Go modules, once per machine, into a cache outside the repository keyed by name and version:
#   $PLUMB_CACHE_DIR/tools/<name>-<version>/bin/...
# A tool already built is skipped, so a warm run takes well under a second. Each build happens in a temp
# folder and is moved into place only when it succeeded, so a failed or interrupted build leaves nothing
# half-made behind.
#
# Usage: hack/tools.sh [all|kubernetes|etcd|kwok|helm|kustomize|jsonnet|gotemplate|registry|crane]...   (default: all)
#        hack/tools.sh --print-dir        prints the cache folder
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# PLUMB_TOOLS_VERSIONS may name another versions file (tests use it to provoke a failed build).
# shellcheck source=versions.env
source "${PLUMB_TOOLS_VERSIONS:-$HERE/versions.env}"

CACHE="${PLUMB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/plumb}"
TOOLS="$CACHE/tools"

if [[ "${1:-}" == "--print-dir" ]]; then echo "$TOOLS"; exit 0; fi

log() { printf '[tools] %s\n' "$*" >&2; }
die() { printf '[tools] error: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "no Go toolchain on PATH: install Go 1.26 or newer (https://go.dev/doc/install), or put it on PATH, then run hack/tools.sh again"
command -v git >/dev/null 2>&1 || die "git is not on PATH: install it (apt-get install git)"

# Whatever happens (failure, Ctrl-C), the build folder in progress goes away.
CURRENT_WORK=""
trap 'if [[ -n "$CURRENT_WORK" ]]; then rm -rf "$CURRENT_WORK"; fi' EXIT
trap 'exit 130' INT TERM

export CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
mkdir -p "$TOOLS"

# Bump a tool's recipe revision when its build function changes what it produces: the cache is then
# rebuilt even though the version is the same.
declare -A RECIPE=([kubernetes]=1 [etcd]=1 [kwok]=2 [helm]=1 [kustomize]=1 [jsonnet]=1 [registry]=1 [crane]=1)
# plumb-gotemplate's source lives in hack/gotemplate/main.go: its hash and the pinned versions of the libraries
# beside Sprig are part of the recipe, so editing the source or bumping a library rebuilds it.
RECIPE[gotemplate]="1 $(sha256sum "$HERE/gotemplate/main.go" | cut -c1-16) slug ${GOTEMPLATE_SLUG_VERSION:-} yaml ${GOTEMPLATE_YAML_VERSION:-}"

# build NAME VERSION FUNCTION: runs FUNCTION OUT WORK unless $TOOLS/NAME-VERSION/.complete holds the
# tool's current recipe revision.
build() {
  local name="$1" version="$2" fn="$3"
  local dest="$TOOLS/$name-$version" rev="recipe ${RECIPE[$1]}"
  if [[ -f "$dest/.complete" && "$(cat "$dest/.complete")" == "$rev" ]]; then log "$name $version: cached in $dest"; return 0; fi
  local work; work="$(mktemp -d "$TOOLS/.build-$name-XXXXXX")"
  CURRENT_WORK="$work"
  log "$name $version: building (this happens once per machine) ..."
  local start=$SECONDS
  mkdir -p "$work/out/bin"
  # A subshell, so a builder's `cd` never outlives it (its folder is removed when it returns).
  if ! (cd "$work" && "$fn" "$work/out" "$work") >"$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log" >&2
    die "$name $version: build failed (log above). Check the Go module proxy is reachable (go env GOPROXY) and run hack/tools.sh $name again"
  fi
  echo "$rev" >"$work/out/.complete"
  rm -rf "$dest"
  mv "$work/out" "$dest"
  rm -rf "$work"; CURRENT_WORK=""
  log "$name $version: built in $((SECONDS - start)) s"
}

# Kubernetes: k8s.io/kubernetes replaces its staging modules with local paths, so `go install` of it is
# refused. A wrapper module requires it and points every staging module at its published version instead.
build_kubernetes() {
  local out="$1" work="$2" v="$KUBERNETES_VERSION"
  local minor; minor="$(cut -d. -f2 <<<"$v")"
  local staging="v0.${v#v1.}"
  mkdir -p "$work/mod" && cd "$work/mod"
  local gomod; gomod="$(go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [[ -f "$gomod" ]] || { echo "could not download k8s.io/kubernetes@$v"; return 1; }
  {
    echo "module plumb.dev/build/kubernetes"
    grep -E '^go ' "$gomod"
    echo "require k8s.io/kubernetes $v"
    echo "replace ("
    sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/k8s.io/.*#\t\1 => \1 '"$staging"'#p' "$gomod"
    echo ")"
  } >go.mod
  cat >tools.go <<GO
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  go mod tidy -e
  local ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  go build -trimpath -ldflags "$ld" -o "$out/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
}

# etcd: the server module replaces its sibling modules with local paths; a wrapper main calls etcdmain.
build_etcd() {
  local out="$1" work="$2" v="$ETCD_VERSION"
  mkdir -p "$work/mod" && cd "$work/mod"
  cat >go.mod <<MOD
module plumb.dev/build/etcd
go 1.26.0
require go.etcd.io/etcd/server/v3 $v
replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 $v
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 $v
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 $v
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 $v
)
MOD
  cat >main.go <<GO
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  go mod tidy
  go build -trimpath -ldflags "-s -w" -o "$out/bin/etcd" .
}

# kwok: the standalone binary ships no stages; the module's kustomize/stage folder has them.
build_kwok() {
  local out="$1" work="$2" v="$KWOK_VERSION"
  GOBIN="$out/bin" go install -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$v" "sigs.k8s.io/kwok/cmd/kwok@$v"
  local dir; dir="$(go mod download -json "sigs.k8s.io/kwok@$v" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  mkdir -p "$out/stages"
  # The "fast" stages: nodes Ready at once, Pods Running and Ready when scheduled, Job Pods Succeeded,
  # deleted Pods gone; plus lease-based node heartbeats.
  for s in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    [[ -f "$dir/kustomize/stage/$s.yaml" ]] || { echo "stage $s not found in $dir/kustomize/stage"; return 1; }
    cp "$dir/kustomize/stage/$s.yaml" "$out/stages/$(basename "$s").yaml"
  done
  chmod -R u+w "$out/stages"
}

build_helm() {
  local out="$1" v="$HELM_VERSION"
  GOBIN="$out/bin" go install -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$v" "helm.sh/helm/v3/cmd/helm@$v"
}

build_kustomize() {
  local out="$1" v="$KUSTOMIZE_VERSION"
  GOBIN="$out/bin" go install -trimpath -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=$v" "sigs.k8s.io/kustomize/kustomize/v5@$v"
}

# go-jsonnet at JSONNET_VERSION: its CLI (`jsonnet`), and `plumb-jsonnet`, a small main of ours on the same library that
# plumb renders with. It reads a JSON request (file, library paths, ext vars, TLAs) from the file named by its
# argument and evaluates the file with an importer that refuses any import resolving (symlinks followed) outside
# the request's root: go-jsonnet's own importer would read `import "/etc/passwd"`. Output: the JSON on stdout.
build_jsonnet() {
  local out="$1" work="$2" v="$JSONNET_VERSION"
  GOBIN="$out/bin" go install -trimpath -ldflags "-s -w" "github.com/google/go-jsonnet/cmd/jsonnet@$v"
  mkdir -p "$work/mod" && cd "$work/mod"
  printf 'module plumb.dev/build/jsonnet\ngo 1.26.0\nrequire github.com/google/go-jsonnet %s\n' "$v" >go.mod
  cat >main.go <<'GO'
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-jsonnet"
)

type variable struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Code  bool   `json:"code"`
}

type request struct {
	Root    string     `json:"root"`
	File    string     `json:"file"`
	JPath   []string   `json:"jpath"`
	ExtVars []variable `json:"extVars"`
	TLAs    []variable `json:"tlas"`
}

// confined finds imports as go-jsonnet's FileImporter does, then refuses what lies outside root.
type confined struct {
	root  string
	inner *jsonnet.FileImporter
}

func inside(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}

func (c *confined) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	contents, foundAt, err := c.inner.Import(importedFrom, importedPath)
	if err != nil {
		return contents, foundAt, err
	}
	abs, err := filepath.Abs(foundAt)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil || !inside(c.root, abs) {
		return jsonnet.Contents{}, "", fmt.Errorf("import %q resolves outside the repository; only files inside the repository can be imported", importedPath)
	}
	return contents, foundAt, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: plumb-jsonnet REQUEST.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	var req request
	if err == nil {
		err = json.Unmarshal(raw, &req)
	}
	if err != nil || req.Root == "" || req.File == "" {
		fmt.Fprintln(os.Stderr, "plumb-jsonnet: bad request:", err)
		os.Exit(2)
	}
	vm := jsonnet.MakeVM()
	vm.Importer(&confined{root: req.Root, inner: &jsonnet.FileImporter{JPaths: req.JPath}})
	for _, v := range req.ExtVars {
		if v.Code {
			vm.ExtCode(v.Name, v.Value)
		} else {
			vm.ExtVar(v.Name, v.Value)
		}
	}
	for _, v := range req.TLAs {
		if v.Code {
			vm.TLACode(v.Name, v.Value)
		} else {
			vm.TLAVar(v.Name, v.Value)
		}
	}
	out, err := vm.EvaluateFile(req.File)
	if err != nil {
		fmt.Fprintln(os.Stderr, err.Error())
		os.Exit(1)
	}
	os.Stdout.WriteString(out)
}
GO
  go mod tidy
  go build -trimpath -ldflags "-s -w" -o "$out/bin/plumb-jsonnet" .
}

# plumb-gotemplate: Go's text/template with Sprig at GOTEMPLATE_VERSION, and Argo CD's ApplicationSet and
# Notifications extras (gosimple/slug, sigs.k8s.io/yaml). Renders a JSON batch of templates read from stdin;
# see hack/gotemplate/main.go and docs/adr/0017-go-templates.md.
build_gotemplate() {
  local out="$1" work="$2" v="$GOTEMPLATE_VERSION"
  mkdir -p "$work/mod" && cd "$work/mod"
  printf 'module plumb.dev/build/gotemplate\ngo 1.26.0\nrequire (\n\tgithub.com/Masterminds/sprig/v3 %s\n\tgithub.com/gosimple/slug %s\n\tsigs.k8s.io/yaml %s\n)\n' \
    "$v" "$GOTEMPLATE_SLUG_VERSION" "$GOTEMPLATE_YAML_VERSION" >go.mod
  cp "$HERE/gotemplate/main.go" main.go
  go mod tidy
  # tidy may raise a pinned requirement to satisfy another module; refuse to build anything but the pins.
  for pin in "github.com/Masterminds/sprig/v3 $v" "github.com/gosimple/slug $GOTEMPLATE_SLUG_VERSION" "sigs.k8s.io/yaml $GOTEMPLATE_YAML_VERSION"; do
    grep -q "^\s*$pin\b" go.mod || { echo "go mod tidy changed the pinned $pin; update hack/versions.env"; cat go.mod; return 1; }
  done
  go vet .
  go build -trimpath -ldflags "-s -w" -o "$out/bin/plumb-gotemplate" .
}

# The CNCF distribution registry: a real OCI registry for the chart tests (helm push/pull over oci://).
build_registry() {
  local out="$1" v="$REGISTRY_VERSION"
  GOBIN="$out/bin" go install -trimpath -ldflags "-s -w -X github.com/distribution/distribution/v3/version.version=$v" "github.com/distribution/distribution/v3/cmd/registry@$v"
}

# crane: go-containerregistry's daemonless image tool (append layers, set the config, push, pull) for hack/image.sh.
build_crane() {
  local out="$1" v="$CRANE_VERSION"
  GOBIN="$out/bin" go install -trimpath -ldflags "-s -w" "github.com/google/go-containerregistry/cmd/crane@$v"
}

targets=("$@"); [[ ${#targets[@]} -eq 0 ]] && targets=(all)
for t in "${targets[@]}"; do
  case "$t" in
    all) build etcd "$ETCD_VERSION" build_etcd; build kwok "$KWOK_VERSION" build_kwok
         build helm "$HELM_VERSION" build_helm; build kustomize "$KUSTOMIZE_VERSION" build_kustomize
         build jsonnet "$JSONNET_VERSION" build_jsonnet
         build gotemplate "$GOTEMPLATE_VERSION" build_gotemplate
         build registry "$REGISTRY_VERSION" build_registry
         build crane "$CRANE_VERSION" build_crane
         build kubernetes "$KUBERNETES_VERSION" build_kubernetes ;;
    kubernetes) build kubernetes "$KUBERNETES_VERSION" build_kubernetes ;;
    etcd) build etcd "$ETCD_VERSION" build_etcd ;;
    kwok) build kwok "$KWOK_VERSION" build_kwok ;;
    helm) build helm "$HELM_VERSION" build_helm ;;
    kustomize) build kustomize "$KUSTOMIZE_VERSION" build_kustomize ;;
    jsonnet) build jsonnet "$JSONNET_VERSION" build_jsonnet ;;
    gotemplate) build gotemplate "$GOTEMPLATE_VERSION" build_gotemplate ;;
    registry) build registry "$REGISTRY_VERSION" build_registry ;;
    crane) build crane "$CRANE_VERSION" build_crane ;;
    *) die "unknown tool '$t': expected all, kubernetes, etcd, kwok, helm, kustomize, jsonnet, gotemplate, registry or crane" ;;
  esac
done
log "all requested tools are in $TOOLS"
