#!/usr/bin/env bash
# Writes one reproducible image layer: a tar of a folder's contents whose bytes depend only on the files'
# paths, contents, modes and link targets — never on when, by whom or in which order they were written.
#   entries sorted by name (tar --sort=name), every mtime set to SOURCE_DATE_EPOCH, owner and group 0
#   (numeric, no user names), PAX headers without atime/ctime, no compression (crane gzips it, also
#   deterministically).
# Paths listed in OWNED (relative, space separated, e.g. "home/nonroot tmp") are written after the rest
# owned by OWNER_ID (default 65532), for folders the non-root user must own.
#
# Usage: SOURCE_DATE_EPOCH=<seconds> [OWNED="home/nonroot"] hack/image-layer.sh DIR OUT.tar
set -euo pipefail

die() { printf '[image-layer] error: %s\n' "$*" >&2; exit 1; }
[[ $# -eq 2 ]] || die "usage: SOURCE_DATE_EPOCH=<seconds> hack/image-layer.sh DIR OUT.tar"
dir="$1" out="$2"
[[ -d "$dir" ]] || die "$dir is not a folder"
[[ "${SOURCE_DATE_EPOCH:-}" =~ ^[0-9]+$ ]] || die "set SOURCE_DATE_EPOCH to a time in seconds since 1970 (e.g. \$(git log -1 --format=%ct))"
owner="${OWNER_ID:-65532}"

common=(--sort=name --format=posix "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime"
  "--mtime=@$SOURCE_DATE_EPOCH" --numeric-owner --no-acls --no-xattrs --no-selinux)
excludes=()
for p in ${OWNED:-}; do excludes+=("--exclude=./$p"); done

# Umask-independent: the modes are the files' own. LC_ALL=C makes --sort=name a byte order.
export LC_ALL=C
tar -C "$dir" "${common[@]}" --owner=0 --group=0 "${excludes[@]}" -cf "$out" .
for p in ${OWNED:-}; do
  [[ -e "$dir/$p" ]] || die "$p (in OWNED) is not in $dir"
  tar -C "$dir" "${common[@]}" "--owner=$owner" "--group=$owner" -rf "$out" "./$p"
done
