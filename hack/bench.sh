#!/usr/bin/env bash
# make bench: measure the real dynamodb-source binary against DynamoDB Local
# and a local sink that acknowledges at once, print the table and write it
# into docs/benchmarks.md (between its bench:begin/bench:end markers).
#
#   BENCH_LARGE=1     also drain a 200,000-record backlog (loading it into
#                     DynamoDB Local adds a few minutes)
#   BENCH_PROFILE=dir save CPU and heap profiles of the 50,000-record drains there
#   BENCH_IDLE=30s    how long the idle source is watched
#   BENCH_LATENCY=20s how long items are written at 50 writes/s
#   BENCH_RUN=regexp  run only the benchmarks it matches (go test -bench):
#                     BENCH_RUN=Shards for the many-shards rows alone (the
#                     scripted server, no DynamoDB Local). Each of the two
#                     blocks of docs/benchmarks.md is rewritten only by a run
#                     that measured something of it.
#
# BenchmarkSnapshot compares the initial snapshot (snapshot.mode initial)
# with a bare parallel Scan of the same table in the same run.
#
# The benchmarks are Go benchmarks (test/bench), run once each
# (-benchtime 1x); they build the binary with go build and run it as a
# process. On a small shared machine, compare the ratios within one run, and
# run again when the machine is quiet if the numbers look off: the load
# average is printed with the results.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

hack/dynamodb-local.sh install

bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
go test -c -o "$bin/bench.test" ./test/bench

args=(-test.run '^$' -test.bench "${BENCH_RUN:-.}" -test.benchtime 1x -test.timeout "${BENCH_TIMEOUT:-60m}"
	-bench.doc "$PWD/docs/benchmarks.md"
	-bench.idle "${BENCH_IDLE:-30s}" -bench.latency "${BENCH_LATENCY:-20s}")
if [[ "${BENCH_LARGE:-}" == 1 ]]; then
	args+=(-bench.large)
fi
if [[ -n "${BENCH_PROFILE:-}" ]]; then
	args+=(-bench.profile "$BENCH_PROFILE")
fi
# Run from the repository root: the benchmark builds ./cmd/dynamodb-source.
"$bin/bench.test" "${args[@]}"
