// Package delivery owns getting CloudEvents to the sink and knowing whether
// they got there: the Sender contract (delivered, rejected for good, or not
// delivered because the context ended), the one table that decides which
// outcomes are retried and how long to back off (retry.go, after the Knative
// Eventing data-plane contract), the HTTP sender that speaks binary-mode
// CloudEvents — or, when asked, batched mode, each batch streamed to the
// connection as it is rendered — over a shared keep-alive pool
// with an optional private CA (fasthttp, sending from the calling goroutine;
// net/http for a sink behind a proxy from the environment), the terminal
// sender the command line uses when
// no sink is given, and the Dispatcher that sends a shard's records
// concurrently across items, in order within one, and acknowledges them as a
// low-water mark. A dispatcher's lanes are goroutines only while they have
// items queued, and the dispatchers of a process run at most
// DefaultLivePerProcess of them at once (lanes.go), so that a drain of many
// shards costs the same goroutines as one of a few. It does not read streams or move checkpoints; callers do
// that from the Dispatcher's acknowledgements.
package delivery
