package integration

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// A sink that refuses the source's credentials (401, an expired token) is
// misconfigured, not refusing the events: they are held and retried, the
// log says to check the sink's credentials, and once the sink takes them
// again every change arrives and none was dropped.
func TestSinkAnswering401ForAWhileLosesNothing(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	tableARN, _ := db.CreateTable(ctx, t, "sink-401", types.StreamViewTypeNewAndOldImages)
	sink := cesink.Start(t)
	var authorized atomic.Bool
	sink.SetBehavior(func(int64, *cloudevents.Event) cesink.Response {
		if !authorized.Load() {
			return cesink.Response{Status: http.StatusUnauthorized}
		}
		return cesink.Response{}
	})
	p := start(t, cleanEnv(t.TempDir()), seedArgs(db, tableARN, sink.URL)...)
	p.WaitLog("reading shard", 30*time.Second)

	const total, items = 40, 8
	c := db.DynamoDB()
	for i := range total {
		put(ctx, t, c, "sink-401", "item-"+strconv.Itoa(i%items), i)
	}
	p.WaitLog("check the sink's credentials", 30*time.Second)
	time.Sleep(2 * time.Second) // held for a while: several rounds of 401
	if n := sink.Distinct(); n != 0 {
		t.Fatalf("the sink took %d events while it answered 401", n)
	}
	authorized.Store(true)

	if !sink.WaitDistinct(total, 60*time.Second) {
		t.Fatalf("got %d of %d changes after the sink took the credentials again; the others were lost", sink.Distinct(), total)
	}
	if dups, violations := orderReport(t, sink.Events()); violations != 0 {
		t.Errorf("%d order violations (%d duplicates)", violations, dups)
	}
	p.WaitLog("the sink takes events again", 30*time.Second)
	if code := p.Stop(syscall.SIGTERM, 20*time.Second); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
	if out := p.Output(); strings.Contains(out, "is dropped") {
		t.Errorf("an event was dropped while the sink answered 401:\n%s", out)
	}
}
