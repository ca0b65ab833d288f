#!/usr/bin/env bash
# Runs the reliability suite (test/reliability) and prints its table.
#
#   hack/reliability.sh          full sizes of the issue (make reliability), ~10 min on 2 CPUs
#   hack/reliability.sh short    the CI sizes that go test ./... runs, ~5 min
#   hack/reliability.sh soak     the 30-minute soak (make soak); RELIABILITY_SOAK_DURATION to change
#
# The go test log and the table land in $RELIABILITY_OUT (default
# bin/reliability); the table is printed at the end, with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-full}
out=${RELIABILITY_OUT:-bin/reliability}
mkdir -p "$out"
hack/dynamodb-local.sh install

case $mode in
full) export RELIABILITY_FULL=1; run=TestFaults; timeout=90m ;;
short) run=TestFaults; timeout=30m ;;
soak) export RELIABILITY_SOAK=1 RELIABILITY_SOAK_CSV="$PWD/$out/soak.csv"; run=TestSoak; timeout=4h ;;
*) echo "usage: $0 [full|short|soak]" >&2; exit 2 ;;
esac

table="$PWD/$out/table-$mode.md"
log="$out/log-$mode.txt"
rm -f "$table"
echo "reliability: running $mode (log: $log)" >&2
status=0
RELIABILITY_REPORT="$table" go test -count=1 -v -timeout "$timeout" -run "^$run\$" ./test/reliability/ >"$log" 2>&1 || status=$?

if [[ $mode == full ]]; then
	# The initial snapshot's consistency at 20,000 items, segments 1 and 4.
	RELIABILITY_FULL=1 go test -count=1 -v -timeout 20m -run '^TestSnapshotThenStream' ./internal/snapshot/ >>"$log" 2>&1 || status=$?
fi
grep -E '^\s*--- (PASS|FAIL)' "$log" | grep -v '/.*/' || true
echo
echo "machine: $(nproc) CPUs, $(free -h | awk '/^Mem:/ {print $2 " RAM"}'), $(go version | cut -d' ' -f3)"
echo "command: hack/reliability.sh $mode"
if [[ -f $table ]]; then cat "$table"; fi
if [[ $status -ne 0 ]]; then
	echo "reliability: FAILED (exit $status); see $log" >&2
fi
exit "$status"
