package reliability

import (
	"context"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/eventdata"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/snapcheck"
)

// testSnapshotKill9 kills the source with -9 in the middle of its initial
// snapshot while writers change, insert and delete items, and restarts it:
// the consumer's view must end as the table, no SNAPSHOT event may arrive
// after a newer change of its item, and the scan must not start over: of
// the items sent before the kill, only those delivered since the last save
// may come again. The sink takes 50 ms an event (16 in parallel), so that
// the snapshot runs for several saves.
func testSnapshotKill9(t *testing.T, db *ddblocal.Server) {
	n := size(5000, 20000)
	r := newRig(t, db, "snapkill")
	ctx := context.Background()
	tb := snapcheck.NewTable()
	if err := tb.Preload(ctx, r.ddb, r.table, n); err != nil {
		t.Fatal(err)
	}
	start := func() *proc {
		port := binproc.FreePort(t)
		return startProc(t, binproc.CleanEnv(), port, "create", "source", "awsdynamodb", "--arn", r.tableARN,
			"--auth.credentials.accessKeyID", accessKeyID, "--auth.credentials.secretAccessKey", secretAccessKey,
			"--endpoint.url", r.endpoint, "--sink.uri", r.sinks.URL(), "--checkpoint.dir", r.stateDir,
			"--snapshot.mode", "initial", "--snapshot.segments", "1", "--metrics-port", strconv.Itoa(port))
	}
	stopWriting, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var writeErr error
	wg.Go(func() { writeErr = tb.Write(stopWriting, r.ddb, r.table, n+100, 7) })

	snapshots := func() (keys map[string]int, recent int, at time.Time) {
		keys = map[string]int{}
		at = time.Now()
		events, times := r.sinks.events()
		for i, e := range events {
			if e.Extensions()["dynamodboperation"] != "SNAPSHOT" {
				continue
			}
			rec, err := eventdata.Decode(e)
			if err != nil {
				t.Fatal(err)
			}
			keys[rec.PK()]++
			if times[i].After(at.Add(-saveInterval - time.Second)) {
				recent++
			}
		}
		return keys, recent, at
	}
	r.sinks.setBehavior(func(int64, *cloudevents.Event) cesink.Response { return cesink.Response{Delay: 50 * time.Millisecond} })
	p := start()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		keys, _, _ := snapshots()
		if len(keys) >= n/2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d SNAPSHOT events before the kill", len(keys))
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Kill()
	before, recent, _ := snapshots()
	t.Logf("killed with %d items sent, %d in the last %s", len(before), recent, saveInterval+time.Second)
	p = start()
	time.Sleep(2 * time.Second) // writers go on across the restart
	r.sinks.setBehavior(nil)
	stop()
	wg.Wait()
	if writeErr != nil {
		t.Fatal(writeErr)
	}
	var v *snapcheck.View
	deadline = time.Now().Add(3 * time.Minute)
	for {
		v = snapcheck.NewView()
		events, _ := r.sinks.events()
		for _, e := range events {
			if err := v.Apply(e); err != nil {
				t.Fatal(err)
			}
		}
		diff := v.Diff(tb.Want())
		if diff == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the consumer's view differs from the table:\n%s", diff)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code := p.Stop(syscall.SIGTERM, 30*time.Second); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
	again := 0
	for k := range before {
		if v.Snapshots[k] > 1 {
			again++
		}
	}
	if again >= len(before) {
		t.Errorf("all %d items sent before the kill came again: the scan started over", len(before))
	}
	if bound := recent; again > bound {
		t.Errorf("%d of the %d items sent before the kill came again, want at most %d (those since the last save): the scan started over", again, len(before), bound)
	}
	if v.Late != 0 {
		t.Errorf("%d SNAPSHOT events arrived after a newer change of their item", v.Late)
	}
	t.Logf("items %d, sent before the kill %d, sent again %d, step-backs %d (changes replayed after the kill)", n, len(before), again, v.StepBacks)
}
