package checkpoint

import (
	"context"
	"fmt"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

// beforeUpdate runs hook once, just before the first Update, so that a
// second writer can write between this store's read and its write.
type beforeUpdate struct {
	ConfigMaps
	once sync.Once
	hook func()
}

func (b *beforeUpdate) Update(ctx context.Context, cm *corev1.ConfigMap, opts metav1.UpdateOptions) (*corev1.ConfigMap, error) {
	b.once.Do(b.hook)
	return b.ConfigMaps.Update(ctx, cm, opts)
}

func owned(owner, shard, seq string) State {
	return State{Streams: map[string]*Stream{streamARN: {Shards: map[string]Shard{shard: {Sequence: seq, Owner: owner}}}}}
}

func TestSyncKeepsEveryWritersProgress(t *testing.T) {
	ctx := context.Background()

	t.Run("a write between read and write is merged, not overwritten", func(t *testing.T) {
		_, ns := kube(t)
		b := newStore(t, ns)
		if _, err := b.Sync(ctx, owned("b", "shardId-b", "1"), "b"); err != nil {
			t.Fatal(err)
		}
		cms, err := NewConfigMaps(kubetest.Get(t).Config, ns)
		if err != nil {
			t.Fatal(err)
		}
		a := NewKubernetes(&beforeUpdate{ConfigMaps: cms, hook: func() {
			if _, err := b.Sync(ctx, owned("b", "shardId-b", "2"), "b"); err != nil {
				t.Error(err)
			}
		}}, ns, "sample")
		if _, err := a.Sync(ctx, owned("a", "shardId-a", "10"), "a"); err != nil {
			t.Fatal(err)
		}
		got, err := newStore(t, ns).Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sh := got.Streams[streamARN].Shards
		if sh["shardId-a"] != (Shard{Sequence: "10", Owner: "a"}) || sh["shardId-b"] != (Shard{Sequence: "2", Owner: "b"}) {
			t.Fatalf("stored %+v; want a at 10 and b at 2", sh)
		}
	})

	t.Run("two writers syncing at once lose nothing", func(t *testing.T) {
		_, ns := kube(t)
		const rounds = 15
		var wg sync.WaitGroup
		for _, owner := range []string{"a", "b"} {
			st := newStore(t, ns)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 1; i <= rounds; i++ {
					if _, err := st.Sync(ctx, owned(owner, "shardId-"+owner, fmt.Sprint(i)), owner); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		got, err := newStore(t, ns).Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, owner := range []string{"a", "b"} {
			if sh := got.Streams[streamARN].Shards["shardId-"+owner]; sh.Sequence != fmt.Sprint(rounds) || sh.Owner != owner {
				t.Errorf("shard of %s stored as %+v, want sequence %d", owner, sh, rounds)
			}
		}
	})
}
