# Sourced by hack/controller-gen.sh and hack/lint.sh: builds a Go tool pinned
# in one of the nested tools modules under hack/tools into a versioned cache
# folder, once per machine and version.
#
# tool_path TOOLS_MODULE_DIR VERSION_MODULE PACKAGE NAME
#   prints the path of the binary NAME-<version>, building PACKAGE from
#   TOOLS_MODULE_DIR first if it is not there; <version> is VERSION_MODULE's
#   version in that module's go.mod. The cache is
#   ${XDG_CACHE_HOME:-$HOME/.cache}/dynamodb-source/bin, so bumping a version
#   makes the next run build the new one and checkouts on one machine share
#   the build. Build messages go to stderr.
tool_path() {
	local tools_mod="$1" version_mod="$2" pkg="$3" name="$4"
	local version bin_dir bin tmp
	version="$(awk -v m="${version_mod}" '$1 == m { print $2; exit }' "${tools_mod}/go.mod")"
	if [[ -z "${version}" ]]; then
		echo "${name}: cannot find ${version_mod} in ${tools_mod}/go.mod" >&2
		return 1
	fi
	bin_dir="${XDG_CACHE_HOME:-$HOME/.cache}/dynamodb-source/bin"
	bin="${bin_dir}/${name}-${version}"
	if [[ ! -x "${bin}" ]]; then
		mkdir -p "${bin_dir}"
		echo "${name}: building ${name} ${version} into ${bin}..." >&2
		# Build under a temporary name in the same folder, then rename: an
		# interrupted build never leaves a truncated binary at the final
		# path, and concurrent runs at worst both build and rename the same
		# thing.
		tmp="$(mktemp "${bin}.tmp.XXXXXX")"
		# GOWORK=off / -mod=readonly: build exactly what the tools module's
		# go.{mod,sum} pin. -buildvcs=false: stamping our repo's git state
		# into a tool is useless and fails in clones owned by another user.
		# CGO is not needed.
		if ! CGO_ENABLED=0 GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false" \
			go -C "${tools_mod}" build -trimpath -ldflags="-s -w" -o "${tmp}" "${pkg}" >&2; then
			rm -f "${tmp}"
			return 1
		fi
		mv -f "${tmp}" "${bin}"
	fi
	echo "${bin}"
}
