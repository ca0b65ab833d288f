package snapshot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"golang.org/x/sync/errgroup"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
	"github.com/dynamodb-source/dynamodb-source/internal/stream"
)

// Defaults of Config.
const (
	// DefaultSettle covers the delay between a write and its stream record
	// (well under a second on AWS): a page is released only after every
	// shard was read to its tip by a call made this long after the page.
	DefaultSettle = time.Second
	// DefaultLinger is how long a shard that ended with no child found
	// holds pages back: the periodic listing (10 s) finds the children.
	DefaultLinger = 30 * time.Second
	// DefaultMaxHeldBytes bounds the scanned pages held, over every
	// segment: the scan waits while it is reached.
	DefaultMaxHeldBytes = 64 << 20
	// DefaultPageLimit is the items of a Scan page: small enough that a
	// crash sends again little (the pages in flight), large enough that
	// the calls cost little beside the items.
	DefaultPageLimit = 1000
	// heldPerSegment bounds the pages a segment holds.
	heldPerSegment = 4
)

// StreamsClient is the part of the DynamoDB Streams API the snapshot uses,
// to learn the table's key attributes from its stream.
type StreamsClient interface {
	ListStreams(context.Context, *dynamodbstreams.ListStreamsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.ListStreamsOutput, error)
	DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
}

// Config is what a snapshot needs.
type Config struct {
	Table    v1alpha1.TableARN
	Client   ScanClient
	Streams  StreamsClient
	Segments int // of a new snapshot; a resumed one keeps its own
	ReadRate int // read capacity units per second; 0: no cap
	// PageLimit caps the items of a Scan page (default DefaultPageLimit; a
	// page is also at most 1 MB).
	PageLimit int
	// NewProcessor makes the processor of each segment (its ShardRef names
	// the segment); records are delivered like a shard's.
	NewProcessor stream.ProcessorFactory
	// Decoder renders the SNAPSHOT records (the source's own).
	Decoder      stream.Decoder
	Settle       time.Duration
	Linger       time.Duration
	MaxHeldBytes int64
	Logger       *slog.Logger
	Metrics      *metrics.Metrics
}

// Snapshot is the initial snapshot of one source: a stream.Companion that
// scans the table and a stream.Watcher (its Gate) of the stream readers.
type Snapshot struct {
	*Gate
	cfg  Config
	log  *slog.Logger
	m    *metrics.Metrics
	pace *pacer

	names []string // the table's key attributes, sorted
	held  *heldBytes

	mu    sync.Mutex
	state *checkpoint.Snapshot
}

// New returns the snapshot of cfg.Table.
func New(cfg Config) *Snapshot {
	if cfg.Segments <= 0 {
		cfg.Segments = v1alpha1.DefaultSnapshotSegments
	}
	if cfg.Settle <= 0 {
		cfg.Settle = DefaultSettle
	}
	if cfg.Linger <= 0 {
		cfg.Linger = DefaultLinger
	}
	if cfg.PageLimit <= 0 {
		cfg.PageLimit = DefaultPageLimit
	}
	if cfg.MaxHeldBytes <= 0 {
		cfg.MaxHeldBytes = DefaultMaxHeldBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewUnregistered()
	}
	s := &Snapshot{Gate: NewGate(cfg.Settle, cfg.Linger, nil), cfg: cfg, log: cfg.Logger.With("snapshot", cfg.Table.Table),
		m: cfg.Metrics, pace: newPacer(cfg.ReadRate), held: newHeldBytes(cfg.MaxHeldBytes)}
	s.Gate.log = s.log
	return s
}

// Action is what a source does about the snapshot at its start.
type Action int

const (
	// Skip: no snapshot (mode none, one already done, or a source that
	// has a checkpoint from before).
	Skip Action = iota
	// Start a new snapshot.
	Start
	// Resume the saved one.
	Resume
)

// Decide decides what to do about the snapshot when a source starts with
// the checkpoint loaded. A checkpoint that exists without a snapshot is a
// source that ran before: it takes none, or every restart would send the
// table again.
func Decide(loaded checkpoint.State) Action {
	switch {
	case loaded.Snapshot != nil && loaded.Snapshot.Done:
		return Skip
	case loaded.Snapshot != nil:
		return Resume
	case loaded.ReadBefore || len(loaded.Streams) > 0:
		return Skip
	}
	return Start
}

// Begin implements stream.Companion: it decides, and for a snapshot to
// take checks that the table may be scanned, before anything is saved.
func (s *Snapshot) Begin(ctx context.Context, loaded checkpoint.State) (*checkpoint.Snapshot, error) {
	action := Decide(loaded)
	if action == Skip {
		if loaded.Snapshot == nil {
			s.log.Info("the source has a checkpoint already: no snapshot is taken (use a new source name or checkpoint to take one)")
		}
		s.Gate.Finish()
		return nil, nil
	}
	probe := &dynamodb.ScanInput{TableName: aws.String(s.cfg.Table.Table), Limit: aws.Int32(1), ConsistentRead: aws.Bool(true)}
	if _, err := s.cfg.Client.Scan(ctx, probe); err != nil {
		switch scanErrorKind(err) {
		case scanAccess:
			return nil, s.accessError(err)
		case scanFatal:
			return nil, fmt.Errorf("scanning table %q for the initial snapshot: %s", s.cfg.Table.Table, apiMessage(err))
		}
		// A transient failure: the scan itself retries.
	}
	if action == Resume {
		s.state = loaded.Snapshot.Clone()
		s.log.Info("resuming the snapshot", "id", s.state.ID, "segments", len(s.state.Segments))
	} else {
		id := make([]byte, 6)
		_, _ = rand.Read(id)
		s.state = &checkpoint.Snapshot{ID: hex.EncodeToString(id), Segments: make([]checkpoint.Segment, s.cfg.Segments)}
		s.log.Info("taking a snapshot of the table", "id", s.state.ID, "segments", s.cfg.Segments)
	}
	return s.state.Clone(), nil
}

// Run implements stream.Companion: it scans every segment not done once the
// stream readers follow the stream, and returns when all are delivered.
func (s *Snapshot) Run(ctx context.Context, cp stream.CompanionCheckpoint) error {
	defer s.Gate.Finish()
	s.m.SnapshotSegments.Set(float64(len(s.state.Segments)))
	names, err := s.keyNames(ctx)
	if err != nil {
		return err
	}
	s.names = names
	if err := s.Gate.WaitPositioned(ctx); err != nil {
		return nil
	}
	s.log.Info("the stream is followed; scanning", "key", names)
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for i := range s.state.Segments {
		if s.state.Segments[i].Done {
			s.m.SnapshotSegmentsDone.Inc()
			continue
		}
		g.Go(func() error { return s.segment(gctx, i, cp) })
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	s.mu.Lock()
	s.state.Done = true
	s.state.Segments = nil
	done := s.state.Clone()
	s.mu.Unlock()
	s.Gate.Finish()
	cp.SetSnapshot(done)
	if err := cp.Save(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("saving the finished snapshot failed; the periodic save retries", "error", err)
	}
	s.log.Info("snapshot finished", "id", done.ID, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// keyNames learns the table's key attributes from its stream's KeySchema.
func (s *Snapshot) keyNames(ctx context.Context) ([]string, error) {
	ls, err := s.cfg.Streams.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String(s.cfg.Table.Table)})
	if err != nil {
		return nil, fmt.Errorf("listing the table's streams for its key: %w", err)
	}
	if len(ls.Streams) == 0 {
		return nil, fmt.Errorf("table %q has no stream, which the snapshot needs", s.cfg.Table.Table)
	}
	newest := ls.Streams[len(ls.Streams)-1]
	for _, st := range ls.Streams {
		if aws.ToString(st.StreamLabel) > aws.ToString(newest.StreamLabel) {
			newest = st
		}
	}
	d, err := s.cfg.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: newest.StreamArn, Limit: aws.Int32(1)})
	if err != nil {
		return nil, fmt.Errorf("describing the table's stream for its key: %w", err)
	}
	var names []string
	for _, k := range d.StreamDescription.KeySchema {
		names = append(names, aws.ToString(k.AttributeName))
	}
	slices.Sort(names)
	return names, nil
}

// heldPage is a scanned page waiting for the stream: its items as
// appendItem writes them, each with its key, key attributes and size.
type heldPage struct {
	w      Watermark
	keys   []string
	items  [][]byte                        // slices of one buffer
	sizes  []int                           // approxSize of each item
	keyAVs []map[string]ddb.AttributeValue // each item's key attributes
	after  map[string]ddb.AttributeValue   // LastEvaluatedKey; nil at the segment's end
	bytes  int64
}

// pending is a submitted page: its records have the sequence numbers
// first to first+len(keys)-1 (none when it kept no item).
type pending struct {
	first int
	keys  []string                        // the kept items' keys, in order
	items []map[string]ddb.AttributeValue // the kept items' key attributes
	after map[string]ddb.AttributeValue   // LastEvaluatedKey; empty at the segment's end
}

// settle takes what of the queue the acknowledgement of every record up
// to acked settles: whole pages, then the settled start of the next. It
// returns the settled keys, and where the segment continues (the
// LastEvaluatedKey of the last whole page, or the key of the last settled
// item of a page settled in part: a Scan may start after any item of its
// segment) and whether the segment is at its end; moved is false when
// nothing was settled.
func settle(queue []pending, acked int) (rest []pending, keys []string, after map[string]ddb.AttributeValue, end, moved bool) {
	for len(queue) > 0 {
		p := &queue[0]
		if p.first+len(p.keys)-1 <= acked {
			keys = append(keys, p.keys...)
			after, end, moved = p.after, len(p.after) == 0, true
			queue = queue[1:]
			continue
		}
		if k := acked - p.first + 1; k > 0 {
			keys = append(keys, p.keys[:k]...)
			after, end, moved = p.items[k-1], false, true
			p.keys, p.items, p.first = p.keys[k:], p.items[k:], acked+1
		}
		break
	}
	return queue, keys, after, end, moved
}

// keyOf is the key attributes of item.
func keyOf(item map[string]ddb.AttributeValue, names []string) map[string]ddb.AttributeValue {
	k := make(map[string]ddb.AttributeValue, len(names))
	for _, n := range names {
		k[n] = item[n]
	}
	return k
}

// segment scans one segment and delivers its pages in order.
func (s *Snapshot) segment(ctx context.Context, i int, cp stream.CompanionCheckpoint) error {
	s.mu.Lock()
	after, err := keyFromJSON(s.state.Segments[i].After)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	ref := stream.ShardRef{StreamARN: s.cfg.Table.String(), ShardID: fmt.Sprintf("snapshot-segment-%d", i)}
	var (
		mu    sync.Mutex
		queue []pending
		acked int // the newest sequence number settled with all before it
	)
	// pop settles what the acknowledgement of every record up to seq
	// settles, and moves the segment's checkpoint there.
	pop := func(seq int) {
		mu.Lock()
		acked = max(acked, seq)
		var (
			keys  []string
			after map[string]ddb.AttributeValue
			end   bool
			moved bool
		)
		queue, keys, after, end, moved = settle(queue, acked)
		mu.Unlock()
		if !moved {
			return
		}
		s.Gate.Settled(keys)
		s.m.SnapshotItems.Add(float64(len(keys)))
		s.mu.Lock()
		s.state.Segments[i].After = keyJSON(after)
		s.state.Segments[i].Done = end
		snap := s.state.Clone()
		s.mu.Unlock()
		cp.SetSnapshot(snap)
	}
	proc := s.cfg.NewProcessor(ref, func(seq string) {
		n, err := strconv.Atoi(seq)
		if err == nil {
			pop(n)
		}
	})
	defer proc.Close()

	pages := make(chan *heldPage, heldPerSegment)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(pages)
		return s.scanSegment(gctx, i, after, pages)
	})
	g.Go(func() error {
		seq := 0
		var body, seqBuf []byte
		for p := range pages {
			if err := s.Gate.WaitPassed(gctx, p.w); err != nil {
				return err
			}
			keep := s.Gate.Release(p.keys)
			s.m.SnapshotItemsSkipped.Add(float64(len(p.keys) - len(keep)))
			pend := pending{first: seq + 1, after: p.after, keys: make([]string, 0, len(keep)), items: make([]map[string]ddb.AttributeValue, 0, len(keep))}
			// The page's records are written into one body, kept from page
			// to page: the decoder keeps nothing that points into it.
			body = append(body[:0], pageHead...)
			for j, k := range keep {
				seq++
				if j > 0 {
					body = append(body, ',')
				}
				seqBuf = appendSeq(seqBuf[:0], seq)
				body = appendRecordOf(body, p.items[k], p.sizes[k], EventID(s.state.ID, p.keys[k]), s.cfg.Table.Region, string(seqBuf), p.w.At)
				pend.keys = append(pend.keys, p.keys[k])
				pend.items = append(pend.items, p.keyAVs[k])
			}
			body = append(body, pageTail...)
			mu.Lock()
			queue = append(queue, pend)
			mu.Unlock()
			s.held.release(p.bytes)
			s.m.SnapshotPagesHeld.Dec()
			if len(keep) == 0 {
				pop(0) // a page with nothing to send settles with those before it
				continue
			}
			page, err := s.decode(body)
			if err != nil {
				return err
			}
			if err := proc.Submit(gctx, page); err != nil {
				return err
			}
		}
		return proc.Flush(gctx)
	})
	if err := g.Wait(); err != nil {
		return err
	}
	pop(math.MaxInt) // every page is settled once Flush returned
	s.m.SnapshotSegmentsDone.Inc()
	s.log.Info("snapshot segment done", "segment", i)
	return nil
}

// decode renders a page of records (see pageHead) through the source's
// decoder.
func (s *Snapshot) decode(body []byte) (stream.Page, error) {
	if s.cfg.Decoder == nil {
		return stream.Page{}, fmt.Errorf("the snapshot needs the source's decoder")
	}
	_, page, err := s.cfg.Decoder(body)
	if err != nil {
		return stream.Page{}, fmt.Errorf("rendering snapshot items: %w", err)
	}
	return page, nil
}

// scanSegment scans segment i from after to its end, handing each page over
// to be held.
func (s *Snapshot) scanSegment(ctx context.Context, i int, after map[string]ddb.AttributeValue, pages chan<- *heldPage) error {
	for {
		if err := s.held.acquire(ctx, 1<<20); err != nil {
			return err
		}
		out, err := s.scanPage(ctx, i, after)
		if err != nil {
			s.held.release(1 << 20)
			return err
		}
		p := &heldPage{w: Watermark{At: time.Now()}, after: out.LastEvaluatedKey, bytes: 1 << 20,
			keys: make([]string, len(out.Items)), items: make([][]byte, len(out.Items)),
			sizes: make([]int, len(out.Items)), keyAVs: make([]map[string]ddb.AttributeValue, len(out.Items))}
		// The page is held as its items' JSON, in one buffer: the SDK's
		// attribute values, several times larger, go at once.
		var buf []byte
		ends := make([]int, len(out.Items))
		for j, it := range out.Items {
			p.keys[j] = ItemKey(it, s.names)
			p.sizes[j] = approxSize(it)
			p.keyAVs[j] = keyOf(it, s.names)
			buf = appendItem(buf, it, s.names)
			ends[j] = len(buf)
		}
		start := 0
		for j, end := range ends {
			p.items[j] = buf[start:end:end]
			start = end
		}
		s.m.SnapshotPagesHeld.Inc()
		select {
		case pages <- p:
		case <-ctx.Done():
			return ctx.Err()
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		after = out.LastEvaluatedKey
	}
}

// heldBytes bounds the bytes of the pages held, over every segment.
type heldBytes struct {
	mu   sync.Mutex
	max  int64
	used int64
	wake chan struct{}
}

func newHeldBytes(max int64) *heldBytes { return &heldBytes{max: max, wake: make(chan struct{})} }

// acquire waits until n more bytes fit (one page always does).
func (h *heldBytes) acquire(ctx context.Context, n int64) error {
	for {
		h.mu.Lock()
		if h.used == 0 || h.used+n <= h.max {
			h.used += n
			h.mu.Unlock()
			return nil
		}
		wake := h.wake
		h.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (h *heldBytes) release(n int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.used -= n
	close(h.wake)
	h.wake = make(chan struct{})
}
