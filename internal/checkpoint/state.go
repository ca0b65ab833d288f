package checkpoint

import (
	"context"
	"maps"
	"time"
)

// Store keeps the progress of one source. Implementations are safe for use by
// one goroutine at a time; the source serialises its saves.
type Store interface {
	// Load returns the saved state, or an empty State when there is none.
	Load(ctx context.Context) (State, error)
	// Save replaces the saved state.
	Save(ctx context.Context, s State) error
	// Close releases the store. It is idempotent.
	Close() error
}

// State is the progress of one source over the streams of its table.
type State struct {
	// Version is the schema version of the saved document: the stores save
	// CurrentVersion, and refuse to load a newer one (written by a newer
	// dynamodb-source) rather than misread it. Documents saved before
	// versions existed have none and load as version 1.
	Version int `json:"version,omitempty"`
	// ReadBefore is set once the source has read any stream of the table,
	// and stays set when finished streams are forgotten: a State without
	// streams is then not a first start, and a stream seen next is read
	// whole instead of from the starting position.
	ReadBefore bool `json:"readBefore,omitempty"`
	// Streams is keyed by stream ARN.
	Streams map[string]*Stream `json:"streams,omitempty"`
	// Snapshot is the progress of the initial snapshot (snapshot.mode
	// initial); nil when the source takes none. It is saved before the
	// first stream is, so that a State with streams and no snapshot is a
	// source that never takes one.
	Snapshot *Snapshot `json:"snapshot,omitempty"`
}

// Snapshot is the progress of the initial snapshot: a parallel Scan.
type Snapshot struct {
	// ID names this snapshot; it goes into every snapshot event's id, so
	// that an item sent again after a restart keeps its id.
	ID string `json:"id"`
	// Done is set once every segment is scanned and delivered.
	Done bool `json:"done,omitempty"`
	// Segments are the Scan's segments, as many as it was started with.
	Segments []Segment `json:"segments"`
}

// Segment is the progress of one Scan segment.
type Segment struct {
	// After is where the scan of the segment continues, in DynamoDB's
	// JSON ({"pk":{"S":"a"}}): the LastEvaluatedKey of the last page whose
	// items are all settled, or the key of the last settled item of a page
	// settled in part. Empty: from the segment's start.
	After map[string]map[string]string `json:"after,omitempty"`
	// Done is set once the segment is scanned and delivered to its end.
	Done bool `json:"done,omitempty"`
}

// Stream is the progress over one stream.
type Stream struct {
	// ReadFrom is the earliest creation time of the records wanted from this
	// stream: when a shard with no checkpoint is read from its trim horizon,
	// older records are skipped. It is set once, when the source first sees
	// the stream: a little before that moment for a LATEST start (so a crash
	// before the first acknowledgement loses nothing), the starting timestamp
	// for AT_TIMESTAMP, and zero (everything) for TRIM_HORIZON and for a
	// stream that replaced one the source was reading.
	ReadFrom time.Time `json:"readFrom"`
	// Finished is set once every shard of a disabled stream is finished.
	Finished bool `json:"finished,omitempty"`
	// Shards is keyed by shard ID.
	Shards map[string]Shard `json:"shards,omitempty"`
}

// Shard is the progress over one shard.
type Shard struct {
	// Sequence is the sequence number of the last record acknowledged by the
	// sink, all records before it in the shard included.
	Sequence string `json:"seq,omitempty"`
	// Finished is set once the shard is closed and every record in it was
	// acknowledged.
	Finished bool `json:"done,omitempty"`
	// Owner is the replica that reads the shard when replicas of one source
	// share its shards (see Merge); empty when one replica reads them all,
	// or once its owner released it.
	Owner string `json:"owner,omitempty"`
}

// Clone returns a deep copy, so that a snapshot can be saved while the
// source keeps changing its own.
func (s State) Clone() State {
	out := State{Version: s.Version, ReadBefore: s.ReadBefore, Streams: make(map[string]*Stream, len(s.Streams))}
	for arn, st := range s.Streams {
		c := *st
		c.Shards = make(map[string]Shard, len(st.Shards))
		for id, sh := range st.Shards {
			c.Shards[id] = sh
		}
		out.Streams[arn] = &c
	}
	if s.Snapshot != nil {
		out.Snapshot = s.Snapshot.Clone()
	}
	return out
}

// Clone returns a deep copy of s.
func (s *Snapshot) Clone() *Snapshot {
	c := &Snapshot{ID: s.ID, Done: s.Done, Segments: make([]Segment, len(s.Segments))}
	for i, seg := range s.Segments {
		c.Segments[i].Done = seg.Done
		if seg.After != nil {
			c.Segments[i].After = make(map[string]map[string]string, len(seg.After))
			for name, v := range seg.After {
				c.Segments[i].After[name] = maps.Clone(v)
			}
		}
	}
	return c
}
