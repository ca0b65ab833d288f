// Package stream owns reading a table's DynamoDB Streams: finding the
// table's stream (and following it when the stream is replaced), listing
// shards, holding each child shard back until its parents are finished,
// deciding where each shard resumes, polling GetRecords adaptively, and
// recovering from expired iterators, trimmed data, throttling and vanished
// shards. A [Decoder] may take over decoding GetRecords answers from the SDK
// (the source's renders each record's event data as it reads). Records leave through a Processor per shard; the Processor reports
// back which records the sink acknowledged, and only those move the
// checkpoint. It calls only the four actions of the minimal IAM policy:
// ListStreams, DescribeStream, GetShardIterator and GetRecords.
package stream
