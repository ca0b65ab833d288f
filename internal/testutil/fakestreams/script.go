package fakestreams

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// The stream status values the server uses.
const (
	StatusEnabled  = "ENABLED"
	StatusDisabled = "DISABLED"
)

// StreamSpec scripts a stream. Zero values take the defaults.
type StreamSpec struct {
	// Table is the table's name (required).
	Table string
	// Label defaults to a timestamp later than every label before, as AWS
	// labels are the stream's creation time.
	Label string
	// ARN defaults to arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL.
	ARN string
	// ViewType decides which images records carry (default NEW_AND_OLD_IMAGES).
	ViewType types.StreamViewType
	// HashKey names the table's partition key in KeySchema (default "pk").
	HashKey string
	// Disabled creates the stream DISABLED.
	Disabled bool
}

// Record scripts a stream record. The server gives it its sequence number.
type Record struct {
	// EventName is INSERT (default), MODIFY or REMOVE.
	EventName                types.OperationType
	Keys, NewImage, OldImage map[string]types.AttributeValue
	// Created is the ApproximateCreationDateTime, default the server's clock.
	// Like AWS, the server rounds it down to the second.
	Created time.Time
	// EventID defaults to a unique hex string.
	EventID string
}

// Put returns an INSERT of the item {pk: S(pk)}.
func Put(pk string) Record {
	item := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}}
	return Record{Keys: item, NewImage: item}
}

// MaxItemSize is DynamoDB's bound on an item: 400 KB.
const MaxItemSize = 400 * 1000

// PutSized returns an INSERT of the item {pk: S(pk), pad: S(...)} whose pad
// makes the item about size bytes (names and values counted, as DynamoDB
// sizes items). Records of one size share their pad, so a backlog of large
// items costs the server little memory.
func PutSized(pk string, size int) Record {
	r := Put(pk)
	r.NewImage = map[string]types.AttributeValue{"pk": r.Keys["pk"]}
	if n := size - len("pk") - len(pk) - len("pad"); n > 0 {
		r.NewImage["pad"] = &types.AttributeValueMemberS{Value: pad(n)}
	}
	return r
}

var (
	padMu  sync.Mutex
	padStr string
)

// pad returns n bytes of 'x', sliced from one shared string.
func pad(n int) string {
	padMu.Lock()
	defer padMu.Unlock()
	if len(padStr) < n {
		padStr = strings.Repeat("x", max(n, MaxItemSize))
	}
	return padStr[:n]
}

type stream struct {
	spec    StreamSpec
	status  string
	created time.Time
	deleted bool
	shards  []*shard          // in creation order, as DescribeStream lists them
	byID    map[string]*shard // the same shards, by ID
}

type shard struct {
	id, parent string
	start      uint64 // StartingSequenceNumber: below every record of the shard
	last       uint64 // newest sequence number of the shard (start when empty)
	closed     bool   // EndingSequenceNumber is last
	deleted    bool
	recs       []storedRecord // ascending; trimmed ones removed
	trimmed    uint64         // newest trimmed record's sequence number (0: none)
}

type storedRecord struct {
	Record
	seq uint64
}

type iterator struct {
	stream, shard string
	after         uint64 // the iterator reads records with a greater sequence number
	epoch         int
	issued        time.Time
}

// AddTable makes a table known without a stream: ListStreams on it answers
// an empty list instead of ResourceNotFoundException.
func (s *Server) AddTable(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables[name] = true
}

// Stream is a scripted stream.
type Stream struct {
	s   *Server
	ARN string
}

// AddStream adds a stream (and its table, if new).
func (s *Server) AddStream(spec StreamSpec) *Stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	if spec.Table == "" {
		panic("fakestreams: StreamSpec.Table is required")
	}
	now := s.opts.Now()
	if spec.Label == "" {
		l := now.UTC().Truncate(time.Millisecond)
		if !l.After(s.lastLabel) {
			l = s.lastLabel.Add(time.Millisecond)
		}
		s.lastLabel = l
		spec.Label = l.Format("2006-01-02T15:04:05.000")
	}
	if spec.ARN == "" {
		spec.ARN = fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s/stream/%s", s.opts.Region, s.opts.Account, spec.Table, spec.Label)
	}
	if spec.ViewType == "" {
		spec.ViewType = types.StreamViewTypeNewAndOldImages
	}
	if spec.HashKey == "" {
		spec.HashKey = "pk"
	}
	st := &stream{spec: spec, status: StatusEnabled, created: now, byID: map[string]*shard{}}
	if spec.Disabled {
		st.status = StatusDisabled
	}
	s.tables[spec.Table] = true
	s.streams = append(s.streams, st)
	return &Stream{s: s, ARN: spec.ARN}
}

// Disable disables the stream. As in AWS, its open shards are closed: they
// stay readable to their end, and no record is added to them again.
func (st *Stream) Disable() {
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.mustStream(st.ARN)
	x.status = StatusDisabled
	for _, sh := range x.shards {
		sh.closed = true
	}
}

// Delete removes the stream, as AWS does 24 hours after it was disabled:
// ListStreams omits it and every call on it answers ResourceNotFoundException.
func (st *Stream) Delete() {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	st.s.mustStream(st.ARN).deleted = true
}

// Shard is a scripted shard.
type Shard struct {
	s         *Server
	StreamARN string
	ID        string
}

// AddShard adds an open shard to the stream, a child of parent when parent
// is not empty (AWS gives a shard one parent, or none).
func (st *Stream) AddShard(id, parent string) *Shard {
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return st.addShard(s.mustStream(st.ARN), id, parent)
}

// AddShards adds n open shards without parents, named like AWS's
// (shardId-<millis>-<8 hex>), and returns them in order. A thousand cost
// the server a few hundred kilobytes.
func (st *Stream) AddShards(n int) []*Shard {
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.mustStream(st.ARN)
	out := make([]*Shard, n)
	for i := range out {
		out[i] = st.addShard(x, "", "")
	}
	return out
}

func (st *Stream) addShard(x *stream, id, parent string) *Shard {
	s := st.s
	if id == "" {
		id = fmt.Sprintf("shardId-%020d-%08x", s.opts.Now().UnixMilli(), len(x.shards))
	}
	if x.shard(id) != nil {
		panic("fakestreams: shard " + id + " exists")
	}
	s.seq++
	sh := &shard{id: id, parent: parent, start: s.seq, last: s.seq}
	x.shards = append(x.shards, sh)
	x.byID[id] = sh
	return &Shard{s: s, StreamARN: st.ARN, ID: id}
}

// Split closes the shard and adds n (1 or 2) open children of it, as AWS
// does when a shard rolls over (one child) or splits (two), and returns
// them. A reader in the middle of the shard reads it to its end first.
func (sh *Shard) Split(n int) []*Shard {
	if n != 1 && n != 2 {
		panic("fakestreams: a DynamoDB shard closes into one or two children")
	}
	s := sh.s
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.mustStream(sh.StreamARN)
	s.mustShard(sh.StreamARN, sh.ID).closed = true
	st := &Stream{s: s, ARN: sh.StreamARN}
	out := make([]*Shard, n)
	for i := range out {
		out[i] = st.addShard(x, "", sh.ID)
	}
	return out
}

// Shard returns an existing shard of the stream.
func (st *Stream) Shard(id string) *Shard {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	st.s.mustShard(st.ARN, id)
	return &Shard{s: st.s, StreamARN: st.ARN, ID: id}
}

// Append adds records to the open shard and returns their sequence numbers.
func (sh *Shard) Append(recs ...Record) []string {
	s := sh.s
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.mustShard(sh.StreamARN, sh.ID)
	if x.closed {
		panic("fakestreams: appending to closed shard " + sh.ID + ": AWS never writes to a closed shard")
	}
	return s.appendLocked(x, recs)
}

// appendLocked appends to x with s.mu held.
func (s *Server) appendLocked(x *shard, recs []Record) []string {
	seqs := make([]string, len(recs))
	for i, r := range recs {
		s.seq++
		if r.EventName == "" {
			r.EventName = types.OperationTypeInsert
		}
		if r.Created.IsZero() {
			r.Created = s.opts.Now()
		}
		r.Created = r.Created.Truncate(time.Second)
		if r.EventID == "" {
			r.EventID = fmt.Sprintf("%032x", s.seq)
		}
		x.recs = append(x.recs, storedRecord{Record: r, seq: s.seq})
		x.last = s.seq
		seqs[i] = seqString(s.seq)
	}
	return seqs
}

// Close closes the shard, as AWS does when it splits or rolls a shard over
// (about every four hours): DescribeStream gives it an ending sequence
// number, and GetRecords ends it with a null NextShardIterator.
func (sh *Shard) Close() {
	sh.s.mu.Lock()
	defer sh.s.mu.Unlock()
	sh.s.mustShard(sh.StreamARN, sh.ID).closed = true
}

// Delete removes the shard, as AWS does once all its records expired:
// DescribeStream omits it, and GetShardIterator and GetRecords answer
// ResourceNotFoundException.
func (sh *Shard) Delete() {
	sh.s.mu.Lock()
	defer sh.s.mu.Unlock()
	sh.s.mustShard(sh.StreamARN, sh.ID).deleted = true
}

// TrimBefore removes the records with a sequence number below seq, as the
// stream's 24-hour retention does. Reading from a position before the new
// trim horizon then fails with TrimmedDataAccessException.
func (sh *Shard) TrimBefore(seq string) {
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil {
		panic("fakestreams: TrimBefore: " + err.Error())
	}
	sh.s.mu.Lock()
	defer sh.s.mu.Unlock()
	x := sh.s.mustShard(sh.StreamARN, sh.ID)
	keep := slices.IndexFunc(x.recs, func(r storedRecord) bool { return r.seq >= n })
	if keep < 0 {
		keep = len(x.recs)
	}
	if keep > 0 {
		x.trimmed = max(x.trimmed, x.recs[keep-1].seq)
	}
	x.recs = slices.Clone(x.recs[keep:])
}

// ExpireIterators makes every iterator issued so far answer
// ExpiredIteratorException, as AWS does 15 minutes after issuing one.
func (s *Server) ExpireIterators() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch++
}

func (s *Server) mustStream(arn string) *stream {
	for _, x := range s.streams {
		if x.spec.ARN == arn {
			return x
		}
	}
	panic("fakestreams: no stream " + arn)
}

func (s *Server) mustShard(arn, id string) *shard {
	if x := s.mustStream(arn).shard(id); x != nil {
		return x
	}
	panic("fakestreams: no shard " + id + " in " + arn)
}

func (x *stream) shard(id string) *shard { return x.byID[id] }

// seqString renders a sequence number as AWS does: decimal digits, at least 21.
func seqString(n uint64) string { return fmt.Sprintf("%021d", n) }
