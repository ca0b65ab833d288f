package stream

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

func shard(id, parent string) types.Shard {
	s := types.Shard{ShardId: aws.String(id)}
	if parent != "" {
		s.ParentShardId = aws.String(parent)
	}
	return s
}

func set(ids ...string) func(string) bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return func(id string) bool { return m[id] }
}

func TestRunnable(t *testing.T) {
	cases := []struct {
		name     string
		shards   []types.Shard
		finished []string
		running  []string
		partial  bool // the listing may lack some of the stream's shards
		want     []string
	}{
		{
			name:   "a shard without parent may run",
			shards: []types.Shard{shard("a", "")},
			want:   []string{"a"},
		},
		{
			name:   "a child waits while its parent is unfinished",
			shards: []types.Shard{shard("p", ""), shard("c1", "p"), shard("c2", "p")},
			want:   []string{"p"},
		},
		{
			name:     "children run once their parent is finished",
			shards:   []types.Shard{shard("p", ""), shard("c1", "p"), shard("c2", "p")},
			finished: []string{"p"},
			want:     []string{"c1", "c2"},
		},
		{
			name:   "a child whose parent expired out of the stream runs at once",
			shards: []types.Shard{shard("c", "gone")},
			want:   []string{"c"},
		},
		{
			name:    "a running shard is not started twice",
			shards:  []types.Shard{shard("a", ""), shard("b", "")},
			running: []string{"a"},
			want:    []string{"b"},
		},
		{
			name:     "a finished shard is never read again",
			shards:   []types.Shard{shard("a", ""), shard("b", "a")},
			finished: []string{"a", "b"},
			want:     nil,
		},
		{
			name:     "a grandchild waits for its own parent, not only the root",
			shards:   []types.Shard{shard("g0", ""), shard("g1", "g0"), shard("g2", "g1")},
			finished: []string{"g0"},
			want:     []string{"g1"},
		},
		{
			name:    "a partial listing never starts a child whose parent it did not see finished",
			shards:  []types.Shard{shard("c", "unseen"), shard("a", "")},
			partial: true,
			want:    []string{"a"},
		},
		{
			name:     "a partial listing starts a child whose parent is known finished",
			shards:   []types.Shard{shard("c", "p")},
			finished: []string{"p"},
			partial:  true,
			want:     []string{"c"},
		},
		{
			name:    "a child waits while its parent is being read",
			shards:  []types.Shard{shard("p", ""), shard("c", "p")},
			running: []string{"p"},
			want:    nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, s := range Runnable(tc.shards, !tc.partial, set(tc.finished...), set(tc.running...)) {
				got = append(got, *s.ShardId)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Runnable = %v, want %v", got, tc.want)
			}
		})
	}
}
