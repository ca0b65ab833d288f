package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// refusedItems are the items whose changes the sink answers 400.
var refusedItems = map[string]bool{"pk=pk-3,sk=0": true, "pk=pk-7,sk=0": true}

func refuseSome(_ int64, e *cloudevents.Event) cesink.Response {
	if refusedItems[e.Subject()] {
		return cesink.Response{Status: 400}
	}
	return cesink.Response{}
}

// checkDeadLetters checks that every dead letter is a change of a refused
// item, whole, with the extensions that say why, and that the refused items'
// changes are nowhere else.
func checkDeadLetters(t *testing.T, sinkURL string, sink, dead []cloudevents.Event, failure string) {
	t.Helper()
	for _, e := range sink {
		if refusedItems[e.Subject()] {
			t.Fatalf("the sink has a change of refused item %s", e.Subject())
		}
	}
	for _, e := range dead {
		ext := e.Extensions()
		if !refusedItems[e.Subject()] || ext["dynamodbfailure"] != failure || ext["knativeerrordest"] != sinkURL ||
			ext["knativeerrorcode"] != "400" || ext["dynamodbattempts"] != "1" || ext["dynamodboperation"] == nil ||
			e.Type() != "com.amazon.dynamodb.stream_record" || !hasVersion(t, e) {
			t.Fatalf("dead letter %s (%s) is not whole or lacks why: extensions %v", e.ID(), e.Subject(), ext)
		}
	}
	if _, v := orderReport(t, dead); v != 0 {
		t.Fatalf("%d order violations among dead letters", v)
	}
	if _, v := orderReport(t, sink); v != 0 {
		t.Fatalf("%d order violations at the sink", v)
	}
}

func TestRefusedChangesGoWholeToTheDeadLetterSink(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	tableARN, _ := db.CreateTable(ctx, t, "dlq", types.StreamViewTypeNewImage)
	sink := cesink.Start(t)
	sink.SetBehavior(refuseSome)
	dlq := cesink.Start(t)
	const total, items = 400, 10
	burst(ctx, t, db.DynamoDB(), "dlq", 0, total, items)
	p := start(t, cleanEnv(t.TempDir()), seedArgs(db, tableARN, sink.URL, "--startingPosition", "TRIM_HORIZON",
		"--delivery.deadLetterSink.uri", dlq.URL)...)
	refused := total * len(refusedItems) / items
	if !sink.WaitDistinct(total-refused, 60*time.Second) || !dlq.WaitDistinct(refused, 30*time.Second) {
		t.Fatalf("sink %d of %d, dead letters %d of %d", sink.Distinct(), total-refused, dlq.Distinct(), refused)
	}
	if code := p.Stop(syscall.SIGTERM, 20*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	checkDeadLetters(t, sink.URL, sink.Events(), dlq.Events(), "rejected")
	t.Logf("%d changes: %d at the sink, %d dead-lettered, lost 0", total, sink.Distinct(), dlq.Distinct())
}

func TestADeadLetterSinkDownHoldsTheCheckpointThroughAKill9(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	tableARN, _ := db.CreateTable(ctx, t, "dlqdown", types.StreamViewTypeNewImage)
	sink := cesink.Start(t)
	sink.SetBehavior(refuseSome)
	// The dead-letter sink's address, refusing connections until it starts.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	state := t.TempDir()
	args := seedArgs(db, tableARN, sink.URL, "--startingPosition", "TRIM_HORIZON",
		"--delivery.deadLetterSink.uri", "http://"+addr)
	const total, items = 200, 10
	burst(ctx, t, db.DynamoDB(), "dlqdown", 0, total, items)
	refused := total * len(refusedItems) / items

	p := start(t, cleanEnv(state), args...)
	p.WaitLog("the dead-letter sink did not take an event", 30*time.Second)
	time.Sleep(2 * time.Second) // waiting, with its checkpoint held
	p.Stop(syscall.SIGKILL, 10*time.Second)

	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	dlq := cesink.StartOn(t, ln)
	p = start(t, cleanEnv(state), args...)
	if !sink.WaitDistinct(total-refused, 60*time.Second) || !dlq.WaitDistinct(refused, 60*time.Second) {
		t.Fatalf("after the dead-letter sink came up: sink %d of %d, dead letters %d of %d", sink.Distinct(), total-refused, dlq.Distinct(), refused)
	}
	if code := p.Stop(syscall.SIGTERM, 20*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	checkDeadLetters(t, sink.URL, sink.Events(), dlq.Events(), "rejected")
}

func TestMaxRecordAgeDeadLettersWhatTheSinkCouldNotTakeInTime(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	tableARN, _ := db.CreateTable(ctx, t, "maxage", types.StreamViewTypeNewImage)
	sink := cesink.Start(t)
	sink.SetBehavior(func(int64, *cloudevents.Event) cesink.Response { return cesink.Response{Status: 503} })
	dlq := cesink.Start(t)
	const total = 30
	burst(ctx, t, db.DynamoDB(), "maxage", 0, total, 5)
	p := start(t, cleanEnv(t.TempDir()), seedArgs(db, tableARN, sink.URL, "--startingPosition", "TRIM_HORIZON",
		"--delivery.maxRecordAge", "3s", "--delivery.deadLetterSink.uri", dlq.URL)...)
	if !dlq.WaitDistinct(total, 60*time.Second) {
		t.Fatalf("%d of %d changes dead-lettered with the sink down past maxRecordAge", dlq.Distinct(), total)
	}
	p.Stop(syscall.SIGTERM, 20*time.Second)
	for _, e := range dlq.Events() {
		if e.Extensions()["dynamodbfailure"] != "maxrecordage" {
			t.Fatalf("dead letter %s: failure %v, want maxrecordage", e.ID(), e.Extensions()["dynamodbfailure"])
		}
	}
}

func TestAFileDeadLetterSinkReadsBackAsCloudEvents(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	tableARN, _ := db.CreateTable(ctx, t, "dlqfile", types.StreamViewTypeNewImage)
	sink := cesink.Start(t)
	sink.SetBehavior(refuseSome)
	path := filepath.Join(t.TempDir(), "dead.jsonl")
	const total, items = 100, 10
	burst(ctx, t, db.DynamoDB(), "dlqfile", 0, total, items)
	p := start(t, cleanEnv(t.TempDir()), seedArgs(db, tableARN, sink.URL, "--startingPosition", "TRIM_HORIZON",
		"--delivery.deadLetterSink.uri", "file://"+path)...)
	refused := total * len(refusedItems) / items
	if !sink.WaitDistinct(total-refused, 60*time.Second) {
		t.Fatalf("sink %d of %d", sink.Distinct(), total-refused)
	}
	var dead []cloudevents.Event
	for deadline := time.Now().Add(30 * time.Second); len(dead) < refused && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		dead = readDeadLetterFile(t, path)
	}
	p.Stop(syscall.SIGTERM, 20*time.Second)
	if len(dead) != refused {
		t.Fatalf("%d dead letters in the file, want %d", len(dead), refused)
	}
	checkDeadLetters(t, sink.URL, sink.Events(), dead, "rejected")
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("dead-letter file mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}

// readDeadLetterFile reads the file line by line, each a structured-mode
// CloudEvent.
func readDeadLetterFile(t *testing.T, path string) []cloudevents.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []cloudevents.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e cloudevents.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q is not a CloudEvent: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// hasVersion says whether e's data carries the version its item was
// written with: the data is the change, whole.
func hasVersion(t *testing.T, e cloudevents.Event) bool {
	t.Helper()
	_, ok := decode(t, e).Version()
	return ok
}
