#!/usr/bin/env bash
# Build the envtest control-plane binaries (kube-apiserver, etcd and,
# optionally, kubectl) from source and print the folder that holds them.
#
# Usage:
#   export KUBEBUILDER_ASSETS="$(hack/envtest.sh)"
#   go test ./...
#
# Why build from source: setup-envtest downloads prebuilt release tarballs,
# and our machines (developers' and CI's) can reach nothing but the Go
# module proxy, Debian apt and npm. So the binaries are compiled through the
# module proxy from the pinned module in hack/tools/envtest (see its go.mod
# for how the k8s.io/kubernetes "staging" replaces work).
#
# The first run takes several minutes on 2 cores (it compiles all of
# kube-apiserver); after that it is a few stat calls. Only the folder path is
# written to stdout; all progress and compiler output goes to stderr.
#
# Environment:
#   ENVTEST_ASSETS_DIR  where the binaries live
#                       (default: ${XDG_CACHE_HOME:-$HOME/.cache}/dynamodb-source/envtest/<k8s version>)
#   ENVTEST_KUBECTL=1   also build kubectl (only needed by tests that call
#                       envtest's ControlPlane.KubeCtl(); costs extra minutes)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_mod="${repo_root}/hack/tools/envtest"

log() { echo "envtest.sh: $*" >&2; }

# The Kubernetes version comes from the tools module's go.mod, so bumping it
# there automatically moves us to a fresh cache folder.
k8s_version="$(awk '$1 == "k8s.io/kubernetes" { sub(/^v/, "", $2); print $2; exit }' "${tools_mod}/go.mod")"
if [[ -z "${k8s_version}" ]]; then
	log "cannot find the k8s.io/kubernetes version in ${tools_mod}/go.mod"
	exit 1
fi
k8s_minor="$(cut -d. -f2 <<<"${k8s_version}")"

assets_dir="${ENVTEST_ASSETS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dynamodb-source/envtest/${k8s_version}}"

# binary name -> Go package (main) in hack/tools/envtest's module graph.
declare -A pkgs=(
	[etcd]=go.etcd.io/etcd/server/v3
	[kube-apiserver]=k8s.io/kubernetes/cmd/kube-apiserver
	[kubectl]=k8s.io/kubernetes/cmd/kubectl
)
wanted=(etcd kube-apiserver)
if [[ "${ENVTEST_KUBECTL:-0}" == 1 ]]; then
	wanted+=(kubectl)
fi

# A binary counts as present only once it sits at its final name: builds go
# to a temporary folder and are renamed into place afterwards (rename is
# atomic on one filesystem), so an interrupted build never leaves a
# half-written file that would later be mistaken for a finished one.
missing() {
	local name
	for name in "${wanted[@]}"; do
		[[ -x "${assets_dir}/${name}" ]] || echo "${name}"
	done
}

if [[ -z "$(missing)" ]]; then
	echo "${assets_dir}"
	exit 0
fi

mkdir -p "${assets_dir}"

# Serialize concurrent runs (e.g. parallel test jobs) so that the expensive
# build happens once; the others wait and then find the binaries present.
if command -v flock >/dev/null 2>&1; then
	exec 9>"${assets_dir}/.lock"
	flock 9
	# Holding the lock, nobody else is building: temporary folders left by
	# a run that was killed (e.g. SIGKILL, so no trap ran) can go.
	rm -rf "${assets_dir}"/.build.*
fi

# The temporary folder is a sibling of the cache folder (same filesystem,
# so the final `mv` is a rename) and is removed however we exit.
tmp_dir="$(mktemp -d "${assets_dir}/.build.XXXXXX")"
trap 'rm -rf "${tmp_dir}"' EXIT

# Version stamping, as Kubernetes' own hack/lib/version.sh does; otherwise
# `kube-apiserver --version` reports v0.0.0-master.
k8s_ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	k8s_ldflags+=" -X ${pkg}.gitVersion=v${k8s_version}"
	k8s_ldflags+=" -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${k8s_minor}"
	k8s_ldflags+=" -X ${pkg}.gitTreeState=clean"
done

# - CGO_ENABLED=0: static binaries, as upstream ships them; no C toolchain needed.
# - GOWORK=off: never let a go.work elsewhere in the tree change the graph.
# - -mod=readonly: build exactly what go.mod/go.sum pin; never edit them here.
# - -buildvcs=false: the tools module lives in our git repo; stamping its
#   VCS state is useless and fails in clones owned by another user.
# - -trimpath -ldflags='-s -w': no local paths, no symbol/DWARF tables
#   (roughly 30% smaller binaries).
export CGO_ENABLED=0 GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false"

for name in $(missing); do
	ldflags="-s -w"
	if [[ "${name}" != etcd ]]; then
		ldflags+="${k8s_ldflags}"
	fi
	log "building ${name} (${pkgs[${name}]}) for Kubernetes v${k8s_version}; the first build takes several minutes..."
	start=${SECONDS}
	go -C "${tools_mod}" build -trimpath -ldflags="${ldflags}" -o "${tmp_dir}/${name}" "${pkgs[${name}]}" >&2
	# Smoke-test the fresh binary before publishing it.
	"${tmp_dir}/${name}" --version >/dev/null 2>&1 ||
		"${tmp_dir}/${name}" version --client >/dev/null 2>&1 || {
		log "${name} was built but does not run"
		exit 1
	}
	mv -f "${tmp_dir}/${name}" "${assets_dir}/${name}"
	log "built ${name} in $((SECONDS - start))s"
done

echo "${assets_dir}"
