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

// Page is records of one shard, in stream order, as one GetRecords call
// returned them (less those skipped before the starting point).
type Page struct {
	Records []types.Record
	// Data, when Options.Decoder rendered it, is the event data of each
	// record (Data[i] for Records[i]); the records are then light ones (see
	// Decoder). Nil when the SDK decoded the page.
	Data [][]byte
	// Errs, when not nil, says why the Decoder could not render a record's
	// data (Errs[i] for Records[i], with Data[i] nil): the record is to be
	// skipped and reported, not delivered.
	Errs []error
}

// Processor takes the records of one shard in stream order and settles each
// one: delivers it, or gives up on it for good. It reports progress by
// calling the ack function given to its factory with the sequence number of
// the newest record that is settled together with every record before it.
type Processor interface {
	// Submit hands a page of records over, pages in order. It blocks while
	// too many records are in flight, which is what slows reading down to
	// the sink's pace.
	Submit(ctx context.Context, page Page) error
	// Flush blocks until every submitted record is settled.
	Flush(ctx context.Context) error
	// Close stops the processor. Records not settled by then are abandoned
	// (they are read again after a restart). It is idempotent.
	Close() error
}

// ProcessorFactory makes the Processor of a shard. ack may be called from
// any goroutine, with sequence numbers in increasing order.
type ProcessorFactory func(ref ShardRef, ack func(seq string)) Processor
