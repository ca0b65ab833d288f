package snapshot

import (
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/stream"
)

// Watermark is the moment a scanned page was read: its images are at least
// as new as every change made before it.
type Watermark struct {
	At time.Time
}

// ShardView is what the gate knows of a shard being read.
type ShardView struct {
	// Positioned: its reader holds an iterator, every change is read.
	Positioned bool
	// CaughtUp is when the newest read that reached the shard's tip began:
	// every change made before it (less the service's propagation delay,
	// which the settle time covers) has been read.
	CaughtUp time.Time
	// Start numbers the shard's start among all starts (see StreamView).
	Start int
}

// Ended is a shard whose reader returned.
type Ended struct {
	At time.Time
	// Start is the shard's own start number: a start after it (its
	// children, or its reader started again) carries its changes on.
	Start int
}

// StreamView is the gate's view of the stream readers at one moment.
type StreamView struct {
	// Listed says the stream has been listed whole and its shards started.
	Listed bool
	Shards map[stream.ShardRef]ShardView
	Ended  map[stream.ShardRef]Ended
	// Starts counts shard starts so far.
	Starts int
}

// Positioned reports whether the stream readers follow the stream: listed,
// and every started shard holds its iterator. A scan that begins then
// misses no change made during it.
func Positioned(v StreamView) bool {
	if !v.Listed || len(v.Shards) == 0 {
		return false
	}
	for _, s := range v.Shards {
		if !s.Positioned {
			return false
		}
	}
	return true
}

// Passed reports whether the stream has been read past w, so that a page
// read at w may be released: every shard being read has, since w plus
// settle, made a read that reached its tip; and every shard that ended has
// been taken over by a later start (its children, found at its end, or its
// reader started again), or ended more than linger ago (a closed shard whose
// children were not listed yet: the periodic listing finds them).
func Passed(w Watermark, v StreamView, now time.Time, settle, linger time.Duration) bool {
	if !Positioned(v) {
		return false
	}
	after := w.At.Add(settle)
	for _, s := range v.Shards {
		if !s.CaughtUp.After(after) {
			return false
		}
	}
	for _, e := range v.Ended {
		if v.Starts > e.Start {
			continue
		}
		if now.Sub(e.At) < linger {
			return false
		}
	}
	return true
}
