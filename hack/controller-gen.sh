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
# (hack/lib/tool.sh). Building through our own pinned module (rather than
# `go install ...@latest`) keeps the exact dependency set reviewed in
# hack/tools/go.sum.
#
# Build messages go to stderr; stdout belongs to controller-gen (it can write
# generated output there).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/tool.sh
source "${repo_root}/hack/lib/tool.sh"

bin="$(tool_path "${repo_root}/hack/tools" sigs.k8s.io/controller-tools \
	sigs.k8s.io/controller-tools/cmd/controller-gen controller-gen)"
exec "${bin}" "$@"
