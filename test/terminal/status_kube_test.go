package terminal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

func TestStatusShowsTheCheckpointConfigMapOfASourceOnKubernetes(t *testing.T) {
	k := kubetest.Get(t)
	ctx := t.Context()
	kubeconfig, err := k.Kubeconfig()
	if err != nil {
		t.Fatal(err)
	}
	kcFile := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kcFile, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}

	// The adapter's own store writes the ConfigMap, as in a pod.
	const ns, name = "default", "orders-status"
	oldStream := "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-11-30T00:00:00.000"
	newStream := "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-12-01T00:00:00.000"
	state := checkpoint.State{Streams: map[string]*checkpoint.Stream{
		oldStream: {Finished: true, Shards: map[string]checkpoint.Shard{"shardId-old": {Sequence: "100", Finished: true}}},
		newStream: {Shards: map[string]checkpoint.Shard{
			"shardId-a": {Sequence: "300", Finished: true},
			"shardId-b": {Sequence: "450"},
		}},
	}}
	cms, err := checkpoint.NewConfigMaps(k.Config, ns)
	if err != nil {
		t.Fatal(err)
	}
	store := checkpoint.NewKubernetes(cms, ns, name)
	if err := store.Save(ctx, state); err != nil {
		t.Fatalf("saving checkpoints: %v", err)
	}
	_ = store.Close()

	env := binproc.CleanEnv("KUBECONFIG=" + kcFile)
	s := statusJSON(t, env, "--source", ns+"/"+name)
	if s.Where != "configmap "+ns+"/"+checkpoint.ConfigMapName(name) || time.Since(s.Saved) > time.Minute || len(s.Streams) != 2 {
		t.Fatalf("status: %+v\nwant the ConfigMap %s, saved just now, two streams", s, checkpoint.ConfigMapName(name))
	}
	old, cur := s.Streams[0], s.Streams[1]
	if old.ARN != oldStream || !old.Finished || len(old.Shards) != 1 || old.Shards[0].Sequence != "100" || !old.Shards[0].Finished {
		t.Errorf("old stream: %+v", old)
	}
	if cur.ARN != newStream || cur.Finished || len(cur.Shards) != 2 ||
		cur.Shards[0].ID != "shardId-a" || cur.Shards[0].Sequence != "300" || !cur.Shards[0].Finished ||
		cur.Shards[1].ID != "shardId-b" || cur.Shards[1].Sequence != "450" || cur.Shards[1].Finished {
		t.Errorf("current stream: %+v", cur)
	}

	// --kubeconfig and --name in the kubeconfig's namespace (default), as a
	// table.
	out, errOut, code := run(t, binproc.CleanEnv(), "status", "--kubeconfig", kcFile, "--name", name)
	if code != 0 {
		t.Fatalf("status --name: exit %d\n%s", code, errOut)
	}
	for _, w := range []string{"Streams:     2, shards: 3 (2 finished, 1 open)", "Last saved:", "shardId-b", "450"} {
		if !strings.Contains(out, w) {
			t.Errorf("no %q in the table:\n%s", w, out)
		}
	}

	// A source with no ConfigMap: exit 1, and how to find one.
	_, errOut, code = run(t, env, "status", "--source", ns+"/missing")
	if code != 1 || !strings.Contains(errOut, "no ConfigMap "+ns+"/"+checkpoint.ConfigMapName("missing")) ||
		!strings.Contains(errOut, "kubectl get configmaps -A -l") {
		t.Errorf("status of a source without checkpoints: exit %d, want 1 with how to find them:\n%s", code, errOut)
	}
}
