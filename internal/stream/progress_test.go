package stream

import (
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/metrics"
)

// A stream is saved when it is first seen, before any of its shards is
// acknowledged: a source stopped then (no writes yet, or a sink that took
// nothing) must acknowledge records after its restart.
func TestProgressAcksAStreamSavedWithoutShards(t *testing.T) {
	const arn = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000"
	saved := checkpoint.State{Streams: map[string]*checkpoint.Stream{
		arn: {ReadFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Shards: map[string]checkpoint.Shard{}},
	}}
	raw, err := json.Marshal(saved)
	if err != nil {
		t.Fatal(err)
	}
	var loaded checkpoint.State
	if err := json.Unmarshal(raw, &loaded); err != nil {
		t.Fatal(err)
	}

	p := newProgress(loaded, checkpoint.NewMemory(), slog.New(slog.DiscardHandler), metrics.NewUnregistered())
	ref := ShardRef{StreamARN: arn, ShardID: "shardId-1"}
	p.ack(ref, "100")
	if got := p.shard(ref).Sequence; got != "100" {
		t.Fatalf("after ack, shard sequence = %q, want 100 (state %s)", got, raw)
	}
	other := ShardRef{StreamARN: arn, ShardID: "shardId-2"}
	p.finishShard(other)
	if !p.finished(other) {
		t.Fatalf("finishShard did not mark %s finished", other.ShardID)
	}
}
