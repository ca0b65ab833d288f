package stream

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// ShardRef names a shard of a stream.
type ShardRef struct {
	StreamARN string
	ShardID   string
}

// Processor takes the records of one shard in stream order and settles each
// one: delivers it, or gives up on it for good. It reports progress by
// calling the ack function given to its factory with the sequence number of
// the newest record that is settled together with every record before it.
type Processor interface {
	// Submit hands records over in order. It blocks while too many records
	// are in flight, which is what slows reading down to the sink's pace.
	Submit(ctx context.Context, recs []types.Record) error
	// Flush blocks until every submitted record is settled.
	Flush(ctx context.Context) error
	// Close stops the processor. Records not settled by then are abandoned
	// (they are read again after a restart). It is idempotent.
	Close() error
}

// ProcessorFactory makes the Processor of a shard. ack may be called from
// any goroutine, with sequence numbers in increasing order.
type ProcessorFactory func(ref ShardRef, ack func(seq string)) Processor
