package stream

import "time"

// This file is the pause of an idle shard. Lambda polls each shard about
// four times a second, and so does the reader (polling.idleInterval 250ms):
// cheap for a few shards, but a thousand idle shards make 4,000 calls a
// second, most of a core in the SDK alone. Among many shards, a shard that
// stays idle is polled less and less often, never so rarely that a record
// written to it waits more than a second to be read.

// manyShards is how many shards read at once make a process "many": up to
// it, every idle shard is polled at the idle interval, as always.
const manyShards = 100

// maxIdlePause is what the pause of a long-idle shard grows to among many
// shards: a record then waits at most this (plus one call and its
// delivery) to be read, so that the 99th percentile of the latency of a
// rarely written shard stays under a second (docs/benchmarks.md).
const maxIdlePause = 850 * time.Millisecond

// idleStreak is how many empty reads in a row make a shard long-idle: two
// seconds at the default interval.
const idleStreak = 8

// idleGrowth is how much the pause of a long-idle shard grows per further
// empty read: from 250 ms, 375, 562, 843, then maxIdlePause, about three
// seconds after the streak began.
const idleGrowth = 1.5

// idlePause is the pause after an empty read: base (polling.idleInterval),
// or, when more than manyShards shards are read and this one has had at
// least idleStreak empty reads in a row, base grown by idleGrowth for each
// empty read from the idleStreak-th on, up to maxIdlePause. A read with
// records ends the streak, so a shard that sees traffic is polled at base
// again at once.
func idlePause(base time.Duration, empty int, active int64) time.Duration {
	if active <= manyShards || empty < idleStreak || base >= maxIdlePause {
		return base
	}
	p := float64(base)
	for range empty - idleStreak + 1 {
		p *= idleGrowth
		if p >= float64(maxIdlePause) {
			return maxIdlePause
		}
	}
	return time.Duration(p)
}
