package snapshot

import (
	"context"
	"testing"
	"time"

	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/stream"
)

func recordOf(pk string) streams.Record {
	return streams.Record{Dynamodb: &streams.StreamRecord{Keys: map[string]streams.AttributeValue{"pk": &streams.AttributeValueMemberS{Value: pk}}}}
}

// A change read while an image of its item is being delivered waits for
// that image: it must arrive after it.
func TestAChangeWaitsForTheImageOfItsItemInFlight(t *testing.T) {
	g := NewGate(time.Second, time.Second, nil)
	ref := stream.ShardRef{StreamARN: "s", ShardID: "a"}
	g.ShardStarted(ref)
	key := StreamKey(recordOf("x").Dynamodb.Keys)
	if keep := g.Release([]string{key}); len(keep) != 1 {
		t.Fatalf("an unchanged item was left out: %v", keep)
	}
	returned := make(chan error, 1)
	go func() {
		returned <- g.PageRead(context.Background(), ref, stream.PageRead{Began: time.Now(), Records: []streams.Record{recordOf("x")}})
	}()
	select {
	case <-returned:
		t.Fatal("the change went on while the image of its item was in flight")
	case <-time.After(100 * time.Millisecond):
	}
	g.Settled([]string{key})
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
	// And the item, changed now, is left out of a later page.
	if keep := g.Release([]string{key}); len(keep) != 0 {
		t.Errorf("an item the stream changed was released again: %v", keep)
	}
}

// A change of another item does not wait.
func TestAChangeOfAnotherItemDoesNotWait(t *testing.T) {
	g := NewGate(time.Second, time.Second, nil)
	ref := stream.ShardRef{StreamARN: "s", ShardID: "a"}
	g.ShardStarted(ref)
	g.Release([]string{StreamKey(recordOf("x").Dynamodb.Keys)})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := g.PageRead(ctx, ref, stream.PageRead{Records: []streams.Record{recordOf("y")}}); err != nil {
		t.Fatal(err)
	}
}
