// Package bench measures the real dynamodb-source binary, built with go build
// and run as a process, against DynamoDB Local and a local CloudEvents sink
// that acknowledges at once: backlog drain against the raw GetRecords read
// rate of the same stream, end-to-end latency, idle polling cost, and how
// drain time and memory grow with the backlog. It holds benchmarks only; run
// them with hack/bench.sh (make bench), which also writes docs/benchmarks.md.
package bench
