#!/usr/bin/env bash
# Build the image's two programs as static binaries into OUT_DIR: what the
# Dockerfile's build stage runs (`RUN hack/build-static.sh /out`), and what
# test/ops runs to prove the binaries need no libc (the distroless static
# image has none).
#
#   hack/build-static.sh OUT_DIR
#
# CGO_ENABLED=0 is what makes them static (no cgo: the net and os/user
# packages use their pure-Go code, nothing links libc and there is no ELF
# interpreter); it is set here rather than trusted from the environment.
# -trimpath and -ldflags='-s -w': no local paths, no symbol tables.
set -euo pipefail

out="${1:?usage: hack/build-static.sh OUT_DIR}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p "${out}"
for cmd in dynamodb-source dynamodb-source-controller; do
	CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "${out}/${cmd}" "./cmd/${cmd}"
done
