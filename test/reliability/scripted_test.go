package reliability

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/fakestreams"
)

// What DynamoDB Local cannot do in test time (split a shard, trim records)
// is scripted on fakestreams, a DynamoDB Streams wire-protocol server; the
// source is still the real binary, reaching it with --endpoint.url.

// scriptedRig is a rig whose table lives on a fakestreams server.
func scriptedRig(t *testing.T, table string) (*rig, *fakestreams.Server, *fakestreams.Stream) {
	srv := fakestreams.New(t, fakestreams.Options{AccessKeyID: accessKeyID, MaxRecordsPerCall: 100})
	st := srv.AddStream(fakestreams.StreamSpec{Table: table, ViewType: types.StreamViewTypeNewImage})
	r := &rig{
		t: t, table: table, endpoint: srv.URL, stateDir: t.TempDir(), sinks: newSinkSet(t),
		tableARN: fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", fakestreams.DefaultRegion, fakestreams.DefaultAccount, table),
		ledger:   &ledger{written: map[change]bool{}},
	}
	return r, srv, st
}

// appendChanges appends changes from..from+n-1 (item pk-(i mod items),
// version i) to the shard chosen for each item, and returns their sequence
// numbers in order.
func (r *rig) appendChanges(from, n, items int, shardOf func(item int) *fakestreams.Shard) []string {
	var seqs []string
	for i := from; i < from+n; i++ {
		c := change{pk: fmt.Sprintf("pk-%d", i%items), v: i}
		keys := map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: c.pk}, "sk": &types.AttributeValueMemberS{Value: "0"},
		}
		img := map[string]types.AttributeValue{
			"pk": keys["pk"], "sk": keys["sk"], "v": &types.AttributeValueMemberN{Value: strconv.Itoa(c.v)},
		}
		op := types.OperationTypeModify
		if i < items {
			op = types.OperationTypeInsert
		}
		seqs = append(seqs, shardOf(i%items).Append(fakestreams.Record{EventName: op, Keys: keys, NewImage: img})...)
		r.ledger.add(c)
	}
	return seqs
}

// A shard closes and splits in two while the source reads it: the parent
// must be read to its end before either child is read, and each child read
// once. The children get records for the same items before the parent is
// finished, so reading them early would break per-item order.
func testScriptedSplit(t *testing.T) {
	total, items := size(2000, 10000), 100
	r, srv, st := scriptedRig(t, "split")
	parent := st.AddShard("shardId-00000001-parent", "")
	p := r.start()
	// The parent fills while the source reads it, in batches.
	half := total / 2
	for from := 0; from < half; from += 100 {
		r.appendChanges(from, min(100, half-from), items, func(int) *fakestreams.Shard { return parent })
		time.Sleep(20 * time.Millisecond)
	}
	parent.Close()
	children := []*fakestreams.Shard{
		st.AddShard("shardId-00000002-child-a", parent.ID),
		st.AddShard("shardId-00000002-child-b", parent.ID),
	}
	r.appendChanges(half, total-half, items, func(item int) *fakestreams.Shard { return children[item%2] })
	page := r.finish(p, nil, 3*time.Minute)

	// Lineage, from the server's own log of calls.
	log := srv.Log()
	parentEnd := -1
	for i, c := range log {
		if c.Shard == parent.ID && c.Op == fakestreams.OpGetRecords && c.End {
			parentEnd = i
			break
		}
	}
	if parentEnd < 0 {
		t.Fatal("the parent shard was never read to its end")
	}
	for _, child := range children {
		iterators := 0
		for i, c := range log {
			if c.Shard != child.ID {
				continue
			}
			if i < parentEnd {
				t.Errorf("child %s was called (%s) before its parent was read to its end", child.ID, c.Op)
			}
			if c.Op == fakestreams.OpGetShardIterator {
				iterators++
			}
		}
		if iterators != 1 {
			t.Errorf("child %s got %d shard iterators, want 1 (read once, from its start)", child.ID, iterators)
		}
	}
	if got := metricValue(page, "dynamodb_source_shards_finished_total"); got < 1 {
		t.Errorf("dynamodb_source_shards_finished_total = %v, want the parent counted", got)
	}
	res := r.analyze("closed shard split in two children (scripted)")
	res.note = "parent read to its end before either child (server call log); each child one iterator"
	r.check(res)
}

// Records are trimmed from the stream while the source is stopped, past its
// checkpoint (as 24-hour retention does to a source stopped too long). The
// source must report the gap (metric and error log) and go on from the
// oldest record left; what was trimmed is gone for every reader and is
// reported, not counted as lost.
func testScriptedTrimmed(t *testing.T) {
	total, items := size(2000, 10000), 100
	r, _, st := scriptedRig(t, "trimmed")
	sh := st.AddShard("shardId-00000001-trim", "")
	one := func(int) *fakestreams.Shard { return sh }
	r.appendChanges(0, total/2, items, one)
	p := r.start()
	r.finish(p, nil, 2*time.Minute)

	// While stopped: more changes, then the older half of them trimmed.
	seqs := r.appendChanges(total/2, total/2, items, one)
	cut := total / 4
	sh.TrimBefore(seqs[cut])
	r.ledger.mu.Lock()
	for i := total / 2; i < total/2+cut; i++ {
		c := change{pk: fmt.Sprintf("pk-%d", i%items), v: i}
		delete(r.ledger.written, c)
	}
	r.ledger.mu.Unlock()

	p = r.start()
	r.lifted()
	page := r.finish(p, nil, 2*time.Minute)
	if got := metricValue(page, "dynamodb_source_trimmed_gaps_total"); got != 1 {
		t.Errorf("dynamodb_source_trimmed_gaps_total = %v, want 1", got)
	}
	if !strings.Contains(p.Stderr.String(), `level=ERROR msg="records were trimmed from the stream before they could be read`) {
		t.Error("the gap was not logged as an error")
	}
	res := r.analyze("TrimmedDataAccess past the checkpoint (scripted)")
	res.note = fmt.Sprintf("%d changes trimmed while stopped: gap reported (metric + error log), the rest delivered", cut)
	r.check(res)
}
