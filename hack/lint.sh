#!/usr/bin/env bash
# Lint the module: go vet, then staticcheck at the version pinned in
# hack/tools/staticcheck/go.mod, building staticcheck first if this machine
# does not have that version cached yet (hack/lib/tool.sh; the binary is
# ${XDG_CACHE_HOME:-$HOME/.cache}/dynamodb-source/bin/staticcheck-<version>).
#
# Usage:
#   hack/lint.sh                          # ./... (what make lint runs)
#   hack/lint.sh ./internal/testutil/...
#
# Which checks run, and why the ones left out are, is staticcheck.conf at the
# repo root. Findings go to stdout, one a line (file:line:col: message
# (check id)); the exit status is non-zero when either tool finds something.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/tool.sh
source "${repo_root}/hack/lib/tool.sh"

staticcheck="$(tool_path "${repo_root}/hack/tools/staticcheck" honnef.co/go/tools \
	honnef.co/go/tools/cmd/staticcheck staticcheck)"

if [[ $# -eq 0 ]]; then
	set -- ./...
fi
cd "${repo_root}"
status=0
go vet "$@" || status=1
# -tests: test files are linted too (staticcheck's default, said for the reader).
"${staticcheck}" -tests "$@" || status=1
exit "${status}"
