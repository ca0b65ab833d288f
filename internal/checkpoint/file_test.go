package checkpoint

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestFileStoreRoundTripsAndSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "src.db")
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	empty, err := f.Load(ctx)
	if err != nil || len(empty.Streams) != 0 {
		t.Fatalf("new store: got %+v, %v; want empty", empty, err)
	}
	started := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	want := State{Streams: map[string]*Stream{
		"arn:s1": {ReadFrom: started, Shards: map[string]Shard{
			"shardId-1": {Sequence: "100", Finished: true},
			"shardId-2": {Sequence: "205"},
		}},
	}}
	if err := f.Save(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v, want nil (idempotent)", err)
	}

	g, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	got, err := g.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := got.Streams["arn:s1"]
	if st == nil || !st.ReadFrom.Equal(started) || st.Shards["shardId-1"] != (Shard{Sequence: "100", Finished: true}) || st.Shards["shardId-2"] != (Shard{Sequence: "205"}) {
		t.Fatalf("after reopen got %+v, want %+v", st, want.Streams["arn:s1"])
	}
}

func TestFileStoreRefusesASecondOpener(t *testing.T) {
	path := filepath.Join(t.TempDir(), "src.db")
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := OpenFile(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: got %v, want ErrLocked", err)
	}
}

func TestFileNameIsSafeAndDistinct(t *testing.T) {
	cases := map[string]string{
		"arn:aws:dynamodb:us-west-2:123456789012:table/orders": "aws_dynamodb_us-west-2_123456789012_table_orders.db",
		"arn:aws:dynamodb:eu-west-1:123456789012:table/a.b_c":  "aws_dynamodb_eu-west-1_123456789012_table_a.b_c.db",
	}
	for in, want := range cases {
		if got := FileName(in); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCloneIsDeep(t *testing.T) {
	s := State{Streams: map[string]*Stream{"a": {Shards: map[string]Shard{"x": {Sequence: "1"}}}}}
	c := s.Clone()
	c.Streams["a"].Shards["x"] = Shard{Sequence: "2"}
	c.Streams["a"].Finished = true
	if s.Streams["a"].Shards["x"].Sequence != "1" || s.Streams["a"].Finished {
		t.Fatalf("mutating the clone changed the original: %+v", s.Streams["a"])
	}
}
