package snapshot

import (
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/stream"
)

func TestPassed(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	settle, linger := time.Second, 30*time.Second
	a := stream.ShardRef{StreamARN: "s", ShardID: "a"}
	b := stream.ShardRef{StreamARN: "s", ShardID: "b"}
	w := Watermark{At: t0}
	caught := func(d time.Duration) ShardView { return ShardView{Positioned: true, CaughtUp: t0.Add(d), Start: 1} }
	cases := []struct {
		name string
		view StreamView
		now  time.Time
		want bool
	}{
		{"not listed yet: shards may be missing", StreamView{Shards: map[stream.ShardRef]ShardView{a: caught(2 * time.Second)}}, t0.Add(3 * time.Second), false},
		{"listed without shards: nothing follows the stream", StreamView{Listed: true}, t0.Add(3 * time.Second), false},
		{"a shard without its iterator holds the page", StreamView{Listed: true, Shards: map[stream.ShardRef]ShardView{a: {CaughtUp: t0.Add(2 * time.Second)}}}, t0.Add(3 * time.Second), false},
		{"every shard read to its tip after the watermark plus settle", StreamView{Listed: true, Shards: map[stream.ShardRef]ShardView{a: caught(2 * time.Second), b: caught(1500 * time.Millisecond)}}, t0.Add(3 * time.Second), true},
		{"one shard read to its tip within the settle time holds the page", StreamView{Listed: true, Shards: map[stream.ShardRef]ShardView{a: caught(2 * time.Second), b: caught(500 * time.Millisecond)}}, t0.Add(3 * time.Second), false},
		{"a read before the watermark does not count", StreamView{Listed: true, Shards: map[stream.ShardRef]ShardView{a: caught(-time.Second)}}, t0.Add(3 * time.Second), false},
		{"a shard ended and taken over by a later start lets it pass",
			StreamView{Listed: true, Starts: 2, Shards: map[stream.ShardRef]ShardView{b: {Positioned: true, CaughtUp: t0.Add(2 * time.Second), Start: 2}},
				Ended: map[stream.ShardRef]Ended{a: {At: t0, Start: 1}}}, t0.Add(3 * time.Second), true},
		{"a shard ended with no start after it holds the page while its children may be unlisted",
			StreamView{Listed: true, Starts: 2, Shards: map[stream.ShardRef]ShardView{b: {Positioned: true, CaughtUp: t0.Add(2 * time.Second), Start: 1}},
				Ended: map[stream.ShardRef]Ended{a: {At: t0, Start: 2}}}, t0.Add(3 * time.Second), false},
		{"a shard ended with no start after it stops holding after linger",
			StreamView{Listed: true, Starts: 2, Shards: map[stream.ShardRef]ShardView{b: {Positioned: true, CaughtUp: t0.Add(2 * time.Second), Start: 1}},
				Ended: map[stream.ShardRef]Ended{a: {At: t0, Start: 2}}}, t0.Add(linger + time.Second), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Passed(w, c.view, c.now, settle, linger); got != c.want {
				t.Errorf("Passed = %v, want %v", got, c.want)
			}
		})
	}
}

func TestKeep(t *testing.T) {
	changed := map[string]bool{"b": true, "d": true}
	cases := []struct {
		name string
		keys []string
		want []int
	}{
		{"an item the stream did not change goes", []string{"a"}, []int{0}},
		{"an item the stream changed since the snapshot began is left to its change", []string{"b"}, []int{}},
		{"only the changed ones are left out, order kept", []string{"a", "b", "c", "d", "e"}, []int{0, 2, 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Keep(c.keys, func(k string) bool { return changed[k] })
			if len(got) != len(c.want) {
				t.Fatalf("Keep = %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("Keep = %v, want %v", got, c.want)
				}
			}
		})
	}
}

func TestDecide(t *testing.T) {
	cases := []struct {
		name   string
		loaded checkpoint.State
		want   Action
	}{
		{"a first start takes a snapshot", checkpoint.State{}, Start},
		{"a snapshot saved and not done resumes", checkpoint.State{Snapshot: &checkpoint.Snapshot{ID: "x", Segments: make([]checkpoint.Segment, 2)}, ReadBefore: true}, Resume},
		{"a snapshot done is not taken again", checkpoint.State{Snapshot: &checkpoint.Snapshot{ID: "x", Done: true}, ReadBefore: true}, Skip},
		{"a checkpoint from before, without a snapshot, means none", checkpoint.State{ReadBefore: true}, Skip},
		{"a checkpoint with streams and no snapshot means none", checkpoint.State{Streams: map[string]*checkpoint.Stream{"s": {}}}, Skip},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Decide(c.loaded); got != c.want {
				t.Errorf("Decide = %v, want %v", got, c.want)
			}
		})
	}
}

func TestSettle(t *testing.T) {
	names := []string{"pk"}
	// A pending page holds its items' key attributes.
	item := func(pk string) map[string]ddb.AttributeValue {
		return keyOf(map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: pk}, "v": &ddb.AttributeValueMemberN{Value: "1"}}, names)
	}
	lek := map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: "c"}}
	lek2 := map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: "c2"}}
	queue := func() []pending {
		return []pending{
			{first: 1, keys: []string{"a", "b", "c"}, items: []map[string]ddb.AttributeValue{item("a"), item("b"), item("c")}, after: lek},
			{first: 4, after: lek2},
			{first: 4, keys: []string{"d", "e"}, items: []map[string]ddb.AttributeValue{item("d"), item("e")}},
		}
	}
	pk := func(k map[string]ddb.AttributeValue) string {
		if s, ok := k["pk"].(*ddb.AttributeValueMemberS); ok {
			return s.Value
		}
		return ""
	}
	cases := []struct {
		name      string
		acked     int
		wantKeys  int
		wantAfter string
		wantEnd   bool
		wantRest  int
		moved     bool
	}{
		{"nothing acknowledged, nothing moves", 0, 0, "", false, 3, false},
		{"a page settled in part continues after its last settled item", 2, 2, "b", false, 3, true},
		{"a whole page continues after its LastEvaluatedKey, and an empty page behind it settles with it", 3, 3, "c2", false, 1, true},
		{"the last page settled is the segment's end", 5, 5, "", true, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rest, keys, after, end, moved := settle(queue(), c.acked)
			if len(keys) != c.wantKeys || pk(after) != c.wantAfter || end != c.wantEnd || len(rest) != c.wantRest || moved != c.moved {
				t.Errorf("settled %d keys, after %q, end %v, %d left, moved %v; want %d, %q, %v, %d, %v",
					len(keys), pk(after), end, len(rest), moved, c.wantKeys, c.wantAfter, c.wantEnd, c.wantRest, c.moved)
			}
		})
	}
}
