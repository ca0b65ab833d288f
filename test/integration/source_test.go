package integration

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// seedArgs is the seed's command, pointed at DynamoDB Local and a sink.
func seedArgs(db *ddblocal.Server, tableARN, sink string, extra ...string) []string {
	args := []string{"create", "source", "awsdynamodb", "--arn", tableARN,
		"--auth.credentials.accessKeyID", "AKIDLOCAL", "--auth.credentials.secretAccessKey", "local-secret-key",
		"--endpoint.url", db.Endpoint}
	if sink != "" {
		args = append(args, "--sink.uri", sink)
	}
	return append(args, extra...)
}

func TestEveryStreamViewTypeIsDelivered(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	for _, view := range []types.StreamViewType{types.StreamViewTypeKeysOnly, types.StreamViewTypeNewImage,
		types.StreamViewTypeOldImage, types.StreamViewTypeNewAndOldImages} {
		t.Run(string(view), func(t *testing.T) {
			table := "view-" + strings.ToLower(strings.ReplaceAll(string(view), "_", "-"))
			tableARN, _ := db.CreateTable(ctx, t, table, view)
			sink := cesink.Start(t)
			p := start(t, cleanEnv(t.TempDir()), seedArgs(db, tableARN, sink.URL)...)
			// The default starting position is LATEST: write once the
			// source holds its iterator.
			p.WaitLog("reading shard", 30*time.Second)

			c := db.DynamoDB()
			put(ctx, t, c, table, "a", 1)
			put(ctx, t, c, table, "a", 2)
			if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "a"}, "sk": &types.AttributeValueMemberS{Value: "0"}}}); err != nil {
				t.Fatal(err)
			}
			if !sink.WaitDistinct(3, 30*time.Second) {
				t.Fatalf("got %d events, want 3", sink.Distinct())
			}
			events := sink.Events()
			wantOps := []string{"INSERT", "MODIFY", "REMOVE"}
			for i, e := range events[:3] {
				r := decode(t, e)
				if e.Type() != "com.amazon.dynamodb.stream_record" || e.Source() != tableARN || e.ID() != r.EventID ||
					e.Subject() != "pk=a,sk=0" || e.Extensions()["dynamodboperation"] != wantOps[i] || r.EventName != wantOps[i] ||
					e.DataContentType() != "application/json" || e.Time().IsZero() || r.Dynamodb.StreamViewType != string(view) {
					t.Errorf("event %d: type %q source %q id %q subject %q op %v ct %q time %v data %s",
						i, e.Type(), e.Source(), e.ID(), e.Subject(), e.Extensions()["dynamodboperation"], e.DataContentType(), e.Time(), e.Data())
				}
				hasNew := view == types.StreamViewTypeNewImage || view == types.StreamViewTypeNewAndOldImages
				hasOld := view == types.StreamViewTypeOldImage || view == types.StreamViewTypeNewAndOldImages
				if wantNew := hasNew && i < 2; (r.Dynamodb.NewImage != nil) != wantNew {
					t.Errorf("event %d (%s): NewImage present %v, want %v", i, wantOps[i], r.Dynamodb.NewImage != nil, wantNew)
				}
				if wantOld := hasOld && i > 0; (r.Dynamodb.OldImage != nil) != wantOld {
					t.Errorf("event %d (%s): OldImage present %v, want %v", i, wantOps[i], r.Dynamodb.OldImage != nil, wantOld)
				}
			}
			if code := p.Stop(syscall.SIGINT, 20*time.Second); code != 0 {
				t.Fatalf("exit code after SIGINT = %d, want 0", code)
			}
		})
	}
}

// burst writes n changes over items pk-0..pk-(items-1), each item's version
// increasing, and returns when done.
func burst(ctx context.Context, t testing.TB, c *dynamodb.Client, table string, from, n, items int) {
	for i := from; i < from+n; i++ {
		put(ctx, t, c, table, fmt.Sprintf("pk-%d", i%items), i)
	}
}

func TestKill9DuringABurstLosesNothingAndKeepsItemOrder(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	tableARN, _ := db.CreateTable(ctx, t, "kill9", types.StreamViewTypeNewAndOldImages)
	sink := cesink.Start(t)
	state := t.TempDir()
	args := seedArgs(db, tableARN, sink.URL, "--startingPosition", "TRIM_HORIZON")

	const total, items, kills = 3000, 50, 3
	written := make(chan struct{})
	go func() {
		defer close(written)
		burst(ctx, t, db.DynamoDB(), "kill9", 0, total, items)
	}()

	for k := 0; k < kills; k++ {
		p := start(t, cleanEnv(state), args...)
		target := (k + 1) * total / (kills + 2)
		if !sink.WaitDistinct(target, 60*time.Second) {
			t.Fatalf("run %d: only %d events before the kill", k, sink.Distinct())
		}
		p.Stop(syscall.SIGKILL, 10*time.Second)
	}
	<-written
	p := start(t, cleanEnv(state), args...)
	if !sink.WaitDistinct(total, 90*time.Second) {
		t.Fatalf("after %d kills -9: %d of %d changes delivered", kills, sink.Distinct(), total)
	}
	if code := p.Stop(syscall.SIGTERM, 20*time.Second); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
	dups, violations := orderReport(t, sink.Events())
	t.Logf("written %d, delivered %d distinct, %d duplicates, %d order violations, %d kills", total, sink.Distinct(), dups, violations, kills)
	if violations != 0 {
		t.Fatalf("%d per-item order violations", violations)
	}
}

func TestGracefulRestartSendsNothingTwice(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	tableARN, _ := db.CreateTable(ctx, t, "graceful", types.StreamViewTypeNewImage)
	sink := cesink.Start(t)
	state := t.TempDir()
	args := seedArgs(db, tableARN, sink.URL, "--startingPosition", "TRIM_HORIZON")
	c := db.DynamoDB()

	burst(ctx, t, c, "graceful", 0, 300, 30)
	p := start(t, cleanEnv(state), args...)
	if !sink.WaitDistinct(300, 60*time.Second) {
		t.Fatalf("first run: %d of 300", sink.Distinct())
	}
	if code := p.Stop(syscall.SIGTERM, 20*time.Second); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
	burst(ctx, t, c, "graceful", 300, 300, 30)
	p = start(t, cleanEnv(state), args...)
	if !sink.WaitDistinct(600, 60*time.Second) {
		t.Fatalf("second run: %d of 600", sink.Distinct())
	}
	p.Stop(syscall.SIGTERM, 20*time.Second)
	dups, violations := orderReport(t, sink.Events())
	if dups != 0 || violations != 0 {
		t.Fatalf("after a graceful restart: %d duplicates, %d order violations; want none", dups, violations)
	}
}

func TestLatestStartIgnoresThePastAndResumesFromItsCheckpoint(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	tableARN, _ := db.CreateTable(ctx, t, "latest", types.StreamViewTypeNewImage)
	c := db.DynamoDB()
	put(ctx, t, c, "latest", "old", 1) // before the source: not wanted with LATEST
	sink := cesink.Start(t)
	state := t.TempDir()
	p := start(t, cleanEnv(state), seedArgs(db, tableARN, sink.URL)...)
	p.WaitLog("reading shard", 30*time.Second)
	put(ctx, t, c, "latest", "new", 1)
	if !sink.WaitDistinct(1, 30*time.Second) {
		t.Fatal("the change after start did not arrive")
	}
	p.Stop(syscall.SIGTERM, 20*time.Second)
	// While stopped: must be delivered on restart, though LATEST.
	put(ctx, t, c, "latest", "while-stopped", 1)
	p = start(t, cleanEnv(state), seedArgs(db, tableARN, sink.URL)...)
	if !sink.WaitDistinct(2, 30*time.Second) {
		t.Fatal("the change made while stopped did not arrive after restart")
	}
	p.Stop(syscall.SIGTERM, 20*time.Second)
	var subjects []string
	for _, e := range sink.Events() {
		subjects = append(subjects, e.Subject())
	}
	if strings.Join(subjects, " ") != "pk=new,sk=0 pk=while-stopped,sk=0" {
		t.Fatalf("subjects %v, want the change after start, then the one made while stopped", subjects)
	}
}

// A LATEST start killed before its first acknowledgement must not restart
// at a later LATEST: the change it had read but not delivered would be lost.
func TestLatestStartKilledBeforeItsFirstAckLosesNothing(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	tableARN, _ := db.CreateTable(ctx, t, "latest-kill", types.StreamViewTypeNewImage)
	sink := cesink.Start(t)
	sink.SetBehavior(func(int64, *cloudevents.Event) cesink.Response { return cesink.Response{Status: 503} })
	state := t.TempDir()
	p := start(t, cleanEnv(state), seedArgs(db, tableARN, sink.URL)...)
	p.WaitLog("reading shard", 30*time.Second)
	put(ctx, t, db.DynamoDB(), "latest-kill", "first", 1)
	for sink.Requests() == 0 {
		time.Sleep(20 * time.Millisecond)
	}
	p.Stop(syscall.SIGKILL, 10*time.Second)

	sink.SetBehavior(nil)
	p = start(t, cleanEnv(state), seedArgs(db, tableARN, sink.URL)...)
	if !sink.WaitDistinct(1, 30*time.Second) {
		t.Fatal("the change read before the kill was never delivered")
	}
	p.Stop(syscall.SIGTERM, 20*time.Second)
	if got := sink.Events()[0].Subject(); got != "pk=first,sk=0" {
		t.Fatalf("subject %q, want pk=first,sk=0", got)
	}
}

// The adapter process reads TriggerMesh's environment only.
func TestAdapterRunsFromTriggerMeshEnvironment(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	tableARN, _ := db.CreateTable(ctx, t, "adapter", types.StreamViewTypeNewAndOldImages)
	sink := cesink.Start(t)
	env := cleanEnv(t.TempDir(),
		"ARN="+tableARN, "K_SINK="+sink.URL,
		"AWS_ACCESS_KEY_ID=AKIDLOCAL", "AWS_SECRET_ACCESS_KEY="+secret,
		"NAMESPACE=default", "NAME=sample",
		`K_CE_OVERRIDES={"extensions":{"team":"orders"}}`,
		"ENDPOINT_URL="+db.Endpoint, "STARTING_POSITION=TRIM_HORIZON", "CHECKPOINT_STORE=memory")
	put(ctx, t, db.DynamoDB(), "adapter", "x", 1)
	p := start(t, env, "adapter")
	if !sink.WaitDistinct(1, 30*time.Second) {
		t.Fatalf("no event from the adapter; stdout:\n%s", p.Stdout.String())
	}
	e := sink.Events()[0]
	if e.Extensions()["team"] != "orders" || e.Source() != tableARN {
		t.Fatalf("event %v: want extension team=orders from K_CE_OVERRIDES and source %s", e, tableARN)
	}
	if code := p.Stop(syscall.SIGTERM, 20*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	out := p.Stdout.String()
	if !strings.Contains(out, `"msg":"reading shard"`) {
		t.Fatalf("adapter logs are not JSON on stdout:\n%s", out)
	}
	if strings.Contains(out+p.Stderr.String(), secret) {
		t.Fatal("the secret appears in the adapter's output")
	}
}
