#!/usr/bin/env bash
# Fail when the committed generated files (deepcopy, CRD, RBAC role) differ
# from what hack/generate.sh makes from the current sources. The generator
# runs in a scratch copy, so the work tree is never touched.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "${scratch}"' EXIT

# Copy what the generators read and write (not .git, not the large tools
# modules, which controller-gen does not load).
tar -C "${repo_root}" --exclude=./.git --exclude=./hack/tools --exclude=./bin -cf - . | tar -C "${scratch}" -xf -

"${repo_root}/hack/generate.sh" "${scratch}"

generated=(
	api/v1alpha1/zz_generated.deepcopy.go
	config/crd/bases
	config/rbac/role.yaml
)
stale=0
for path in "${generated[@]}"; do
	if ! diff -ruN "${repo_root}/${path}" "${scratch}/${path}"; then
		stale=1
	fi
done
if [[ "${stale}" != 0 ]]; then
	echo >&2
	echo "verify-generated.sh: the generated files above are stale: run hack/generate.sh and commit the result" >&2
	exit 1
fi
echo "verify-generated.sh: generated files are up to date" >&2
