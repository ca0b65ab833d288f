#!/usr/bin/env bash
# make demo: the main job on a fresh machine. Installs and starts DynamoDB
# Local, creates a table with a stream, runs the seed's command with the
# terminal sink, writes a few changes, shows the events, stops cleanly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

port="${DEMO_PORT:-8765}"
endpoint="http://127.0.0.1:${port}"
state="$(mktemp -d)"
src_pid=""

cleanup() {
	[[ -n "$src_pid" ]] && kill "$src_pid" 2>/dev/null || true
	hack/dynamodb-local.sh stop "$port" >/dev/null 2>&1 || true
	rm -rf "$state"
}
trap cleanup EXIT

say() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

say "Installing DynamoDB Local (once) and starting it on port ${port}"
hack/dynamodb-local.sh install
hack/dynamodb-local.sh start "$port" >/dev/null

say "Building dynamodb-source"
go build -o bin/dynamodb-source ./cmd/dynamodb-source
go build -o bin/demo ./hack/demo

say "Creating table demo-orders with a NEW_AND_OLD_IMAGES stream"
arn="$(bin/demo create-table -endpoint "$endpoint" -table demo-orders)"
echo "$arn" >&2

say "Running: dynamodb-source create source awsdynamodb --arn $arn --auth.credentials.accessKeyID demo --auth.credentials.secretAccessKey *** --endpoint.url $endpoint"
# DynamoDB Local accepts any credentials; the variables below keep the demo
# away from whatever AWS set-up this machine has.
env -u AWS_CA_BUNDLE -u AWS_PROFILE XDG_STATE_HOME="$state" \
	bin/dynamodb-source create source awsdynamodb --arn "$arn" \
	--auth.credentials.accessKeyID demo --auth.credentials.secretAccessKey demo \
	--endpoint.url "$endpoint" 2>"$state/source.log" &
src_pid=$!

# The default starting position is LATEST: write once the source reads.
for _ in $(seq 1 150); do
	grep -q "reading shard" "$state/source.log" 2>/dev/null && break
	if ! kill -0 "$src_pid" 2>/dev/null; then cat "$state/source.log" >&2; exit 1; fi
	sleep 0.2
done
grep -q "reading shard" "$state/source.log" || { cat "$state/source.log" >&2; echo "demo: the source did not start" >&2; exit 1; }

say "Writing: insert order-1, insert order-2, modify order-1, remove order-2 (events follow)"
bin/demo write -endpoint "$endpoint" -table demo-orders
sleep 2

say "Stopping the source with SIGINT"
kill -INT "$src_pid"
status=0
wait "$src_pid" || status=$?
src_pid=""
echo "dynamodb-source exited with status ${status}; its log:" >&2
sed 's/^/  /' "$state/source.log" >&2
exit "$status"
