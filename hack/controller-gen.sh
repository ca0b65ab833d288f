#!/usr/bin/env bash
# Run controller-gen at the version pinned in hack/tools/go.mod, building it
# first if this machine does not have that version cached yet.
#
# Usage (same arguments as controller-gen itself):
#   hack/controller-gen.sh object paths=./api/...
#   hack/controller-gen.sh rbac:roleName=manager crd paths=./... output:crd:artifacts:config=config/crd/bases
#
# The binary is cached as
#   ${XDG_CACHE_HOME:-$HOME/.cache}/dynamodb-source/bin/controller-gen-<version>
# so bumping the version in hack/tools/go.mod makes the next run build the new
# one, and several checkouts on one machine share the build. Building through
# our own pinned module (rather than `go install ...@latest`) keeps the exact
# dependency set reviewed in hack/tools/go.sum.
#
# Build messages go to stderr; stdout belongs to controller-gen (it can write
# generated output there).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_mod="${repo_root}/hack/tools"

version="$(awk '$1 == "sigs.k8s.io/controller-tools" { print $2; exit }' "${tools_mod}/go.mod")"
if [[ -z "${version}" ]]; then
	echo "controller-gen.sh: cannot find sigs.k8s.io/controller-tools in ${tools_mod}/go.mod" >&2
	exit 1
fi

bin_dir="${XDG_CACHE_HOME:-$HOME/.cache}/dynamodb-source/bin"
bin="${bin_dir}/controller-gen-${version}"

if [[ ! -x "${bin}" ]]; then
	mkdir -p "${bin_dir}"
	echo "controller-gen.sh: building controller-gen ${version} into ${bin}..." >&2
	# Build under a temporary name in the same folder, then rename: an
	# interrupted build never leaves a truncated binary at the final path,
	# and concurrent runs at worst both build and rename the same thing.
	tmp="$(mktemp "${bin}.tmp.XXXXXX")"
	trap 'rm -f "${tmp}"' EXIT
	# GOWORK=off / -mod=readonly: build exactly what hack/tools/go.{mod,sum}
	# pin. -buildvcs=false: stamping our repo's git state into a tool is
	# useless and fails in clones owned by another user. CGO is not needed.
	CGO_ENABLED=0 GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false" \
		go -C "${tools_mod}" build -trimpath -ldflags="-s -w" -o "${tmp}" \
		sigs.k8s.io/controller-tools/cmd/controller-gen >&2
	mv -f "${tmp}" "${bin}"
	trap - EXIT
fi

exec "${bin}" "$@"
