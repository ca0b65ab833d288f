package stream

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sync/semaphore"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

// This file bounds the bytes of records in flight in the process: read and
// not yet acknowledged, over every shard. DynamoDB items reach 400 KB, so a
// bound in records (the dispatcher's, per shard) says little about memory,
// and it grows with the shard count; the bytes a page took on the wire are
// a fair measure of what its records and their events hold.

// DefaultMaxBytesInFlight sizes the bound for a 256 MiB pod: half of it
// for records, the rest for the process and the answers being read.
const DefaultMaxBytesInFlight = v1alpha1.DefaultMaxBytesInFlight

// minReserve is what a shard reserves before a GetRecords call when its
// last page was smaller: room for a small page without waiting, and little
// enough that a thousand idle shards polling hold almost nothing.
const minReserve = 64 << 10

// budget is the process's bound: a weighted semaphore of bytes. A shard
// reserves room before each GetRecords call, settles the reservation to
// the page's real size after it (waiting for more room when the page is
// larger), and releases a page's bytes when its last record is
// acknowledged. A shard that finds the budget spent waits: that is the back
// pressure on reading.
type budget struct {
	sem  *semaphore.Weighted
	size int64
}

func newBudget(size int64) *budget {
	if size <= 0 {
		size = DefaultMaxBytesInFlight
	}
	return &budget{sem: semaphore.NewWeighted(size), size: size}
}

// acquire takes n bytes, at most the whole budget (a page larger than the
// bound is read alone rather than never).
func (b *budget) acquire(ctx context.Context, n int64) (int64, error) {
	n = min(n, b.size)
	if n <= 0 {
		return 0, nil
	}
	if err := b.sem.Acquire(ctx, n); err != nil {
		return 0, err
	}
	return n, nil
}

// settle turns a reservation of got bytes into one of n: it gives back
// the difference, or takes more. When more is not free at once it lets go
// of what it holds before it waits for the whole: shards each holding part
// of what they need, waiting for the rest, would wait forever. On failure
// (ctx ended) nothing is held.
func (b *budget) settle(ctx context.Context, got, n int64) (int64, error) {
	n = min(n, b.size)
	if n <= got {
		b.release(got - n)
		return n, nil
	}
	if b.sem.TryAcquire(n - got) {
		return n, nil
	}
	b.release(got)
	return b.acquire(ctx, n)
}

func (b *budget) release(n int64) {
	if n > 0 {
		b.sem.Release(n)
	}
}

// held is one shard's share of the budget: the bytes of each page handed
// to its processor and not yet acknowledged, in stream order. The ack
// callback may run on any goroutine.
type held struct {
	b     *budget
	mu    sync.Mutex
	pages []heldPage
}

type heldPage struct {
	last  string // sequence number of the page's last record
	bytes int64
}

// hold keeps n bytes until the record last is acknowledged.
func (h *held) hold(last string, n int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pages = append(h.pages, heldPage{last: last, bytes: n})
}

// acked releases the pages whose last record is at or before seq.
func (h *held) acked(seq string) {
	h.mu.Lock()
	var n int64
	i := 0
	for ; i < len(h.pages) && !seqAfter(h.pages[i].last, seq); i++ {
		n += h.pages[i].bytes
	}
	h.pages = h.pages[i:]
	h.mu.Unlock()
	h.b.release(n)
}

// releaseAll gives back what the shard still holds, when its reader ends:
// what was not acknowledged is abandoned (read again after a restart).
func (h *held) releaseAll() {
	h.mu.Lock()
	var n int64
	for _, p := range h.pages {
		n += p.bytes
	}
	h.pages = nil
	h.mu.Unlock()
	h.b.release(n)
}

// seqAfter reports whether sequence number a is after b. DynamoDB's are
// decimal strings of up to 40 digits, without leading zeros beyond the
// 21-digit minimum: the longer is the greater, and of equal length the
// string order is the numeric order.
func seqAfter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// maxReserve caps what a shard reserves before a call: an AWS answer is at
// most 1 MB of records (DynamoDB Local's up to about 1.3 MB).
const maxReserve = 4 << 20

// pageLimit is the GetRecords Limit that keeps a page within reserve bytes,
// records of the shard weighing about perRecord each. A shard's first call
// has no Limit (no weight known yet): its page, at most 1 MB on AWS, may
// overshoot the reservation, and then waits for room before it is handed
// on (settle).
func pageLimit(reserve, perRecord int64) int32 {
	return int32(min(max(reserve/max(perRecord, 1), 1), 1000))
}

// nextReserve is what a shard reserves for its next call after a page of
// n bytes: as much (pages of a shard are alike), at least minReserve, and
// twice as much when the page was cut by the Limit, so that a shard
// starting to drain grows to full pages in a few calls.
func nextReserve(n int64, full bool, size int64) int64 {
	if full {
		n *= 2
	}
	return min(max(n, minReserve), maxReserve, size)
}

// recordOverhead is what a record costs beyond its item bytes: its light
// record, its event's headers and the dispatcher's entry.
const recordOverhead = 512

// pageBytes is the weight of a page: what it holds in memory until its
// records are settled. With the Decoder, the answer as read (its buffer is
// let go once decoded, and lives until a collection) plus the event data
// rendered from it, which the events carry to the sink; with the SDK, the
// records' own sizes. And each record's overhead.
func pageBytes(body int, p Page) int64 {
	n := int64(body) + int64(len(p.Records))*recordOverhead
	for _, d := range p.Data {
		n += int64(len(d))
	}
	if body == 0 {
		for _, r := range p.Records {
			if r.Dynamodb != nil {
				n += aws.ToInt64(r.Dynamodb.SizeBytes)
			}
		}
	}
	return n
}

// lastSequence is the sequence number of the page's last record that has
// one: the processor acknowledges up to it. "" when none has.
func lastSequence(p Page) string {
	for i := len(p.Records) - 1; i >= 0; i-- {
		if d := p.Records[i].Dynamodb; d != nil && aws.ToString(d.SequenceNumber) != "" {
			return *d.SequenceNumber
		}
	}
	return ""
}
