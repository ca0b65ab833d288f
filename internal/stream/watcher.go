package stream

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
)

// Watcher observes a Reader's shard readers: which shards are read, how far
// the reading has come, and the keys of the changes read. The initial
// snapshot (internal/snapshot) is one: it holds a scanned page until the
// stream has been read past the moment the page was read. Its methods are
// called from the readers' goroutines and must be safe for concurrent use.
type Watcher interface {
	// ShardStarted is called when a reader of ref starts, before it asks
	// for its first iterator.
	ShardStarted(ref ShardRef)
	// ShardPositioned is called once the reader of ref holds its first
	// iterator: from then on, every change of the shard is read.
	ShardPositioned(ref ShardRef)
	// ShardEnded is called when the reader of ref has returned and, when
	// the shard was finished, its children were looked for (and those
	// found started).
	ShardEnded(ref ShardRef)
	// Listed is called after a complete listing of a stream was applied:
	// every shard of it that may be read has been started.
	Listed(streamARN string)
	// PageRead is called with each GetRecords answer, before its records
	// go to delivery. It may block (the snapshot holds a change back until
	// an older image of its item is delivered); an error stops the shard's
	// reader, as a canceled context does.
	PageRead(ctx context.Context, ref ShardRef, read PageRead) error
}

// PageRead is what a Watcher learns of one GetRecords answer.
type PageRead struct {
	// Began is when the call was made.
	Began time.Time
	// AtTip says the answer reached the newest record the shard had when
	// the call was made: it returned fewer records than it could have (or
	// the shard is closed and read to its end).
	AtTip bool
	// Records are the records that go to delivery (light ones: Keys is
	// set). They must not be changed.
	Records []types.Record
}

// Companion is work that runs beside a Reader's stream readers and keeps
// its progress in the same checkpoint: the initial snapshot.
type Companion interface {
	// Begin is called once the checkpoint is loaded, before anything is
	// read or saved. It returns its part of the state to save with the
	// first save (nil: it has nothing to do, and Run is not called), or an
	// error that stops the Reader before anything is written.
	Begin(ctx context.Context, loaded checkpoint.State) (*checkpoint.Snapshot, error)
	// Run runs once the table's stream is found, until it is done or ctx
	// ends. An error stops the Reader.
	Run(ctx context.Context, cp CompanionCheckpoint) error
}

// CompanionCheckpoint is a Companion's access to the checkpoint.
type CompanionCheckpoint interface {
	// SetSnapshot replaces the snapshot's progress (it is copied); the
	// periodic save writes it.
	SetSnapshot(s *checkpoint.Snapshot)
	// Save writes the checkpoint now.
	Save(ctx context.Context) error
}

// companionCheckpoint is the CompanionCheckpoint over a Reader's progress.
type companionCheckpoint struct{ p *progress }

func (c companionCheckpoint) SetSnapshot(s *checkpoint.Snapshot) { c.p.setSnapshot(s) }

func (c companionCheckpoint) Save(ctx context.Context) error { return c.p.save(ctx) }

// noWatcher is the Watcher of a Reader without one.
type noWatcher struct{}

func (noWatcher) ShardStarted(ShardRef)                              {}
func (noWatcher) ShardPositioned(ShardRef)                           {}
func (noWatcher) ShardEnded(ShardRef)                                {}
func (noWatcher) Listed(string)                                      {}
func (noWatcher) PageRead(context.Context, ShardRef, PageRead) error { return nil }

// tipBytes is the answer size from which a page short of its record limit
// may still have stopped for the size cap (AWS: 1 MB), not at the tip.
const tipBytes = 768 << 10

// defaultRecordLimit is GetRecords' limit when the call sets none.
const defaultRecordLimit = 1000

// atTip reports whether a GetRecords answer of n records and size bytes,
// asked with limit (0: none), reached the shard's newest record: fewer
// records than allowed and too small to have stopped at the size cap, or
// the end of a closed shard.
func atTip(n int, size int, limit int32, closed bool) bool {
	if closed {
		return true
	}
	max := defaultRecordLimit
	if limit > 0 {
		max = int(limit)
	}
	return n < max && size < tipBytes
}
