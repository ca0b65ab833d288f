#!/usr/bin/env bash
# Regenerate everything controller-gen makes from the Go sources:
#   - api/v1alpha1/zz_generated.deepcopy.go      (from the API types)
#   - config/crd/bases/*.yaml                    (the CRD, from the API types and their markers)
#   - config/rbac/role.yaml                      (the controller's ClusterRole, from the
#                                                 +kubebuilder:rbac markers in internal/controller)
# Run it after changing api/v1alpha1 or an RBAC marker, and commit the result;
# hack/verify-generated.sh (run by the tests) fails when they are stale.
#
# Usage: hack/generate.sh [root]   (root defaults to this repository; verify
# passes a scratch copy)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${1:-${repo_root}}"
cd "${root}"

gen="${repo_root}/hack/controller-gen.sh"

"${gen}" object:headerFile="" paths=./api/...
"${gen}" crd paths=./api/... output:crd:artifacts:config=config/crd/bases
"${gen}" rbac:roleName=dynamodb-source-controller paths=./internal/controller/... output:rbac:artifacts:config=config/rbac

# The Helm chart's copies of the CRD and of the RBAC rules follow (test/ops's
# TestDerivedFilesAreInSync fails when they differ). Only for this checkout:
# verify-generated.sh's scratch copy checks the generated files above.
if [[ "${root}" == "${repo_root}" ]]; then
	"${repo_root}/hack/ops-sync.sh"
fi
