#!/usr/bin/env bash
# Installs and runs DynamoDB Local for this project's tests.
#
#   hack/dynamodb-local.sh install       idempotent install (quiet when already installed)
#   hack/dynamodb-local.sh dir           print the folder holding DynamoDBLocal.jar
#   hack/dynamodb-local.sh start [port]  run it in the background (default port 8000)
#   hack/dynamodb-local.sh stop [port]   stop what start started (all ports if none given)
#
# The machines this project builds on have no Docker and reach only the Go
# module proxy, Debian apt and the npm registry. DynamoDB Local is therefore
# taken from the npm package amplify-dynamodb-simulator, which ships the
# official DynamoDBLocal.jar; the jar is pinned by sha256 so a changed upload
# can never slip in unnoticed.
#
# The Go test harness (internal/testutil/ddblocal) resolves the same folder
# and starts its own servers; keep the default path and the Java flags in sync
# with it.
set -euo pipefail

readonly NPM_PACKAGE='amplify-dynamodb-simulator@2.9.30'
readonly JAR_SHA256='454305e9bc3e6ebcca5b62569869e31563b8d7e346474e94557b2600702146c7'
readonly DEFAULT_PORT=8000
# Startup-oriented JVM flags: a small heap and the serial collector suit a
# short-lived test server, and C1-only JIT shaves start-up time (see
# internal/testutil/ddblocal for measurements).
readonly JAVA_FLAGS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1)
# -disableTelemetry: DynamoDB Local >= 1.24 otherwise phones home, which this
# network forbids and which would only add latency.
readonly DDB_FLAGS=(-inMemory -sharedDb -disableTelemetry)

die() {
	echo "dynamodb-local: error: $*" >&2
	exit 1
}

log() {
	echo "dynamodb-local: $*" >&2
}

ddb_dir() {
	echo "${DYNAMODB_LOCAL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dynamodb-source/dynamodb-local}"
}

sha256_of() {
	sha256sum "$1" | cut -d' ' -f1
}

# is_installed succeeds when $1 holds a complete install. Because install only
# ever creates the folder by renaming a verified tree into place, the jar's
# presence means the install finished; the hash is re-checked anyway since it
# is cheap and catches a corrupted cache.
is_installed() {
	local dir=$1
	[[ -f "$dir/DynamoDBLocal.jar" && -d "$dir/DynamoDBLocal_lib" ]] || return 1
	local got
	got=$(sha256_of "$dir/DynamoDBLocal.jar")
	if [[ "$got" != "$JAR_SHA256" ]]; then
		die "$dir/DynamoDBLocal.jar has sha256 $got, want $JAR_SHA256; remove $dir and run '$0 install' again"
	fi
}

ensure_java() {
	command -v java >/dev/null 2>&1 && return 0
	log "java not found; installing openjdk-17-jre-headless with apt-get"
	local sudo=()
	if [[ $(id -u) -ne 0 ]]; then
		command -v sudo >/dev/null 2>&1 || die "java is missing and installing it needs root (apt-get install openjdk-17-jre-headless)"
		sudo=(sudo)
	fi
	"${sudo[@]}" apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq openjdk-17-jre-headless >/dev/null
	command -v java >/dev/null 2>&1 || die "apt-get installed openjdk-17-jre-headless but java is still not on PATH"
}

cmd_install() {
	local dir
	dir=$(ddb_dir)
	ensure_java
	if is_installed "$dir"; then
		return 0
	fi
	if [[ -e "$dir" ]]; then
		# An empty folder (say, made by hand) may be replaced; anything else is
		# not ours to delete.
		rmdir "$dir" 2>/dev/null || die "$dir exists but holds no complete DynamoDB Local install; remove it and run '$0 install' again"
	fi
	command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $NPM_PACKAGE"

	local parent
	parent=$(dirname "$dir")
	mkdir -p "$parent"
	# The temp dir sits beside the target so the final mv is a rename within
	# one filesystem: the target appears whole or not at all.
	local tmp
	tmp=$(mktemp -d "$parent/.dynamodb-local.tmp.XXXXXX")
	# shellcheck disable=SC2064 # expand $tmp now, it is local
	trap "rm -rf '$tmp'" EXIT

	log "fetching $NPM_PACKAGE from npm"
	(cd "$tmp" && npm pack "$NPM_PACKAGE" --silent --no-update-notifier >/dev/null) ||
		die "npm pack $NPM_PACKAGE failed"
	local tgz
	tgz=$(find "$tmp" -maxdepth 1 -name '*.tgz' -print -quit)
	[[ -n "$tgz" ]] || die "npm pack $NPM_PACKAGE produced no tarball"
	tar -xzf "$tgz" -C "$tmp" package/emulator || die "cannot extract package/emulator from $tgz"

	local emu="$tmp/package/emulator"
	[[ -f "$emu/DynamoDBLocal.jar" && -d "$emu/DynamoDBLocal_lib" ]] ||
		die "$NPM_PACKAGE has no emulator/DynamoDBLocal.jar and DynamoDBLocal_lib"
	local got
	got=$(sha256_of "$emu/DynamoDBLocal.jar")
	if [[ "$got" != "$JAR_SHA256" ]]; then
		die "sha256 mismatch for DynamoDBLocal.jar from $NPM_PACKAGE: got $got, want $JAR_SHA256; refusing to install"
	fi

	# mv -T never moves the source *into* an existing folder; if a concurrent
	# install won the race the rename fails and its result is used instead.
	if ! mv -T "$emu" "$dir" 2>/dev/null; then
		is_installed "$dir" || die "cannot move DynamoDB Local into $dir"
	fi
	rm -rf "$tmp"
	trap - EXIT
	log "installed DynamoDB Local in $dir"
}

pid_file() { echo "$(ddb_dir)/dynamodb-local-$1.pid"; }
log_file() { echo "$(ddb_dir)/dynamodb-local-$1.log"; }

# our_pid succeeds when $1 is a live DynamoDB Local process, so a stale pid
# file whose number was recycled by an unrelated process is never acted on.
our_pid() {
	local pid=$1
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	[[ -r "/proc/$pid/cmdline" ]] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'DynamoDBLocal.jar'
}

port_answers() {
	# bash's /dev/tcp keeps this free of curl/nc. Jetty opens its connector
	# only after the request handlers started, so an accepted connection
	# means DynamoDB Local serves requests.
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# listens_on succeeds when process $1 owns a listening TCP socket on port $2.
# That, not merely an answer on the port, proves the server that answers is
# the one this script started (see the BindException note in cmd_start).
listens_on() {
	local pid=$1 hexport inodes listeners table
	hexport=$(printf '%04X' "$2")
	inodes=$(find "/proc/$pid/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n' || true)
	[[ -n "$inodes" ]] || return 1
	listeners=
	for table in /proc/net/tcp /proc/net/tcp6; do
		[[ -r "$table" ]] || continue
		# Fields: sl local_address rem_address st ... inode (10th); st 0A = LISTEN.
		listeners+=$(awk -v port=":$hexport" '$4 == "0A" && substr($2, length($2) - 4) == port { print $10 }' "$table")$'\n'
	done
	grep -qxF -f <(echo "$inodes") <<<"$listeners"
}

cmd_start() {
	local port=${1:-$DEFAULT_PORT}
	[[ "$port" =~ ^[0-9]+$ ]] || die "port must be a number, got '$port'"
	cmd_install
	local dir pidf logf
	dir=$(ddb_dir)
	pidf=$(pid_file "$port")
	logf=$(log_file "$port")

	if [[ -f "$pidf" ]] && our_pid "$(cat "$pidf")"; then
		if port_answers "$port"; then
			echo "http://127.0.0.1:$port"
			return 0
		fi
		die "DynamoDB Local (pid $(cat "$pidf")) is running but port $port does not answer; run '$0 stop $port'"
	fi
	rm -f "$pidf"
	port_answers "$port" && die "port $port is already in use by another program"

	# nohup and a closed stdin let the server outlive this script and the
	# terminal or CI step that ran it. It runs inside the install folder
	# because DynamoDB Local writes dynamodb-local-metadata.json into its
	# working directory, which must not litter the caller's checkout.
	cd "$dir"
	nohup java "${JAVA_FLAGS[@]}" -Djava.library.path="$dir/DynamoDBLocal_lib" \
		-jar "$dir/DynamoDBLocal.jar" "${DDB_FLAGS[@]}" -port "$port" \
		</dev/null >"$logf" 2>&1 &
	local pid=$!
	echo "$pid" >"$pidf"

	local deadline=$((SECONDS + 30))
	until listens_on "$pid" "$port" && port_answers "$port"; do
		# DynamoDB Local does not exit when its port is taken: it logs a
		# BindException and lingers, while the port's owner answers.
		if grep -q BindException "$logf"; then
			kill "$pid" 2>/dev/null || true
			rm -f "$pidf"
			die "port $port was taken by another program before DynamoDB Local could bind it"
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			rm -f "$pidf"
			echo "--- $logf ---" >&2
			tail -n 40 "$logf" >&2 || true
			die "DynamoDB Local exited before port $port answered"
		fi
		if ((SECONDS >= deadline)); then
			kill "$pid" 2>/dev/null || true
			rm -f "$pidf"
			echo "--- $logf ---" >&2
			tail -n 40 "$logf" >&2 || true
			die "DynamoDB Local did not answer on port $port within 30s"
		fi
		sleep 0.2
	done
	echo "http://127.0.0.1:$port"
}

stop_one() {
	local pidf=$1 pid
	pid=$(cat "$pidf" 2>/dev/null || true)
	if our_pid "$pid"; then
		kill "$pid"
		# Give the JVM a moment to exit on SIGTERM so the port is free when
		# stop returns; then insist.
		local tries=50
		while ((tries-- > 0)) && our_pid "$pid"; do
			sleep 0.1
		done
		if our_pid "$pid"; then
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$pidf"
}

cmd_stop() {
	local dir
	dir=$(ddb_dir)
	if [[ $# -gt 0 ]]; then
		[[ "$1" =~ ^[0-9]+$ ]] || die "port must be a number, got '$1'"
		stop_one "$(pid_file "$1")"
		return 0
	fi
	local pidf
	for pidf in "$dir"/dynamodb-local-*.pid; do
		[[ -e "$pidf" ]] || continue
		stop_one "$pidf"
	done
}

usage() {
	sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

main() {
	[[ $# -ge 1 ]] || usage
	local sub=$1
	shift
	case "$sub" in
	install) cmd_install ;;
	dir) ddb_dir ;;
	start) cmd_start "$@" ;;
	stop) cmd_stop "$@" ;;
	*) usage ;;
	esac
}

main "$@"
