package checkpoint

import (
	"fmt"
	"testing"
)

func one(sh Shard) State {
	return State{Streams: map[string]*Stream{streamARN: {Shards: map[string]Shard{"shardId-1": sh}}}}
}

func TestMerge(t *testing.T) {
	for _, tc := range []struct {
		name         string
		latest, mine State
		want         Shard
		wantNoEntry  bool
	}{
		{
			name:   "another owner's entry is kept",
			latest: one(Shard{Sequence: "100", Owner: "b"}),
			mine:   one(Shard{Sequence: "900", Owner: "a"}),
			want:   Shard{Sequence: "100", Owner: "b"},
		},
		{
			name:   "own newer progress wins",
			latest: one(Shard{Sequence: "100", Owner: "a"}),
			mine:   one(Shard{Sequence: "200", Owner: "a"}),
			want:   Shard{Sequence: "200", Owner: "a"},
		},
		{
			name:   "progress never goes back, compared as big integers",
			latest: one(Shard{Sequence: "100000000000000000000000000000000000000", Owner: "a"}),
			mine:   one(Shard{Sequence: "99999999999999999999999999999999999999", Owner: "a"}),
			want:   Shard{Sequence: "100000000000000000000000000000000000000", Owner: "a"},
		},
		{
			name:   "finished stays finished",
			latest: one(Shard{Sequence: "300", Finished: true, Owner: "a"}),
			mine:   one(Shard{Sequence: "200", Owner: "a"}),
			want:   Shard{Sequence: "300", Finished: true, Owner: "a"},
		},
		{
			name:   "a released entry keeps its final position with the owner cleared",
			latest: one(Shard{Sequence: "100", Owner: "a"}),
			mine:   one(Shard{Sequence: "250"}),
			want:   Shard{Sequence: "250"},
		},
		{
			name:   "an entry without owner is no release of someone else's",
			latest: one(Shard{Sequence: "100", Owner: "b"}),
			mine:   one(Shard{Sequence: "250"}),
			want:   Shard{Sequence: "100", Owner: "b"},
		},
		{
			name:   "a free entry is taken by its new owner",
			latest: one(Shard{Sequence: "100"}),
			mine:   one(Shard{Sequence: "150", Owner: "a"}),
			want:   Shard{Sequence: "150", Owner: "a"},
		},
		{
			name:   "a new shard of the owner is added",
			latest: State{},
			mine:   one(Shard{Sequence: "7", Owner: "a"}),
			want:   Shard{Sequence: "7", Owner: "a"},
		},
		{
			name:        "an entry that is not the owner's is not added",
			latest:      State{},
			mine:        one(Shard{Sequence: "7", Owner: "b"}),
			wantNoEntry: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := fmt.Sprint(tc.latest.Streams[streamARN])
			got := Merge(tc.latest, tc.mine, "a")
			st := got.Streams[streamARN]
			if tc.wantNoEntry {
				if st != nil {
					t.Fatalf("Merge added %+v, want no entry", st)
				}
				return
			}
			if st == nil || st.Shards["shardId-1"] != tc.want {
				t.Fatalf("Merge = %+v, want shard %+v", st, tc.want)
			}
			if after := fmt.Sprint(tc.latest.Streams[streamARN]); before != after {
				t.Fatalf("Merge changed latest: %s, was %s", after, before)
			}
		})
	}
}

func TestMergeKeepsOtherShardsOfTheDocument(t *testing.T) {
	latest := State{ReadBefore: true, Streams: map[string]*Stream{streamARN: {Shards: map[string]Shard{
		"shardId-b": {Sequence: "5", Owner: "b"},
		"shardId-x": {Finished: true},
	}}}}
	got := Merge(latest, one(Shard{Sequence: "9", Owner: "a"}), "a")
	sh := got.Streams[streamARN].Shards
	if len(sh) != 3 || sh["shardId-b"].Sequence != "5" || !sh["shardId-x"].Finished || sh["shardId-1"].Sequence != "9" || !got.ReadBefore {
		t.Fatalf("Merge = %+v", sh)
	}
}

func TestMergeFinishesAStreamOnlyWhenEveryShardIs(t *testing.T) {
	latest := State{Streams: map[string]*Stream{streamARN: {Shards: map[string]Shard{"shardId-b": {Sequence: "5", Owner: "b"}}}}}
	mine := one(Shard{Sequence: "9", Finished: true, Owner: "a"})
	mine.Streams[streamARN].Finished = true
	if got := Merge(latest, mine, "a"); got.Streams[streamARN].Finished {
		t.Fatalf("stream marked finished while b still reads shardId-b: %+v", got.Streams[streamARN])
	}
	latest.Streams[streamARN].Shards["shardId-b"] = Shard{Sequence: "6", Finished: true}
	if got := Merge(latest, mine, "a"); !got.Streams[streamARN].Finished {
		t.Fatalf("stream not marked finished once every shard is: %+v", got.Streams[streamARN])
	}
}

// tenThousand is a document of 10,000 shard entries with shard IDs as long
// as real ones (shardId-<20 digits>-<8 hex>, 37 characters), sequence numbers
// of digits digits (AWS documents 21 to 40), and a replica's pod name as the
// owner of the first owned entries; the others are finished and ownerless.
func tenThousand(digits, owned int) State {
	shards := make(map[string]Shard, 10000)
	for i := 0; i < 10000; i++ {
		id := fmt.Sprintf("shardId-%020d-%08x", 1714521600000+int64(i)*1000, uint32(i)*2654435761)
		seq := fmt.Sprintf("%0*d", digits, uint64(i)*982451653+4421584500000000017)
		sh := Shard{Sequence: seq, Finished: true}
		if i < owned {
			sh = Shard{Sequence: seq, Owner: fmt.Sprintf("sample-adapter-7d9f8c6b5-%05d", i%64)}
		}
		shards[id] = sh
	}
	return State{ReadBefore: true, Streams: map[string]*Stream{streamARN: {Shards: shards}}}
}

// Ten thousand shard entries fit in one ConfigMap when, as in a table's
// stream, most are finished (a shard is closed after about four hours) and
// a thousand are open and owned, with 28-digit sequence numbers (AWS's own
// example). The worst case, all owned with 40-digit sequence numbers, is
// only logged: it does not fit.
func TestTenThousandShardsFitInOneConfigMap(t *testing.T) {
	b, err := encode(tenThousand(28, 1000))
	if err != nil {
		t.Fatal(err)
	}
	worst, err := encode(tenThousand(40, 10000))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 shard entries, 1,000 owned, 28-digit sequences: %d bytes; all owned, 40 digits: %d bytes (limit %d)",
		len(b), len(worst), maxConfigMapData)
	if len(b) > maxConfigMapData {
		t.Fatalf("10,000 shard entries take %d bytes, over the %d a ConfigMap holds", len(b), maxConfigMapData)
	}
}
