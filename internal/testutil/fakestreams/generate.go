package fakestreams

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// WriteSpec scripts the writes of a Generator.
type WriteSpec struct {
	// PerSecond is how many records each open shard gets per second.
	PerSecond int
	// ItemSize is the size of each item in bytes (see PutSized), up to
	// MaxItemSize; 0: small items of a few bytes.
	ItemSize int
	// PerShard, when positive, stops writing to a shard once it has that
	// many records from this generator.
	PerShard int
}

// Generator writes records to every open shard of a stream at a steady
// rate, shards opened after it started (the children of a split) too. Each
// record's item is {pk: "SHARD#N", n: N, pad: ...}, N counting from 0 in
// each shard, so that a test can check what was delivered per shard.
type Generator struct {
	st   *Stream
	spec WriteSpec
	stop chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	shards map[string]*genShard
}

type genShard struct {
	start   time.Time // when the generator first saw the shard open
	written int
}

// tick is how often a generator writes what is due: fine enough that a
// reader sees a steady flow, coarse enough that a thousand shards cost one
// lock of the server per tick.
const tick = 20 * time.Millisecond

// Generate starts writing to the stream's open shards; Stop (or the end of
// the server's test) ends it.
func (st *Stream) Generate(spec WriteSpec) *Generator {
	if spec.PerSecond <= 0 {
		panic("fakestreams: WriteSpec.PerSecond must be positive")
	}
	if spec.ItemSize > MaxItemSize {
		panic(fmt.Sprintf("fakestreams: WriteSpec.ItemSize %d is over DynamoDB's %d", spec.ItemSize, MaxItemSize))
	}
	g := &Generator{st: st, spec: spec, stop: make(chan struct{}), shards: map[string]*genShard{}}
	g.wg.Go(g.run)
	st.s.mu.Lock()
	st.s.generators = append(st.s.generators, g)
	st.s.mu.Unlock()
	return g
}

func (g *Generator) run() {
	g.write(time.Now())
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case now := <-t.C:
			g.write(now)
		}
	}
}

// write brings every open shard up to what is due at now, under one lock.
// A shard is due PerSecond records for each second since the generator
// first saw it open, so the children of a split start at the same rate,
// without a burst.
func (g *Generator) write(now time.Time) {
	s := g.st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	g.mu.Lock()
	defer g.mu.Unlock()
	x := s.mustStream(g.st.ARN)
	for _, sh := range x.shards {
		if sh.closed || sh.deleted {
			continue
		}
		gs := g.shards[sh.id]
		if gs == nil {
			gs = &genShard{start: now}
			g.shards[sh.id] = gs
		}
		due := int(now.Sub(gs.start).Seconds() * float64(g.spec.PerSecond))
		if g.spec.PerShard > 0 {
			due = min(due, g.spec.PerShard)
		}
		if due <= gs.written {
			continue
		}
		recs := make([]Record, 0, due-gs.written)
		for i := gs.written; i < due; i++ {
			r := PutSized(fmt.Sprintf("%s#%d", sh.id, i), g.spec.ItemSize)
			r.NewImage["n"] = &types.AttributeValueMemberN{Value: strconv.Itoa(i)}
			recs = append(recs, r)
		}
		s.appendLocked(sh, recs)
		gs.written = due
	}
}

// Stop stops writing and waits for the generator's goroutine. It is
// idempotent.
func (g *Generator) Stop() {
	select {
	case <-g.stop:
	default:
		close(g.stop)
	}
	g.wg.Wait()
}

// Written returns how many records were written to each shard, by shard ID.
func (g *Generator) Written() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]int, len(g.shards))
	for k, v := range g.shards {
		out[k] = v.written
	}
	return out
}
