package ddblocal_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// TestStreamRoundTrip writes through the DynamoDB API and reads the change
// back through the real DynamoDB Streams API, the path the stream reader uses.
func TestStreamRoundTrip(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := ddblocal.Start(t)
	if !strings.HasPrefix(srv.Endpoint, "http://127.0.0.1:") {
		t.Fatalf("Endpoint = %q, want http://127.0.0.1:PORT", srv.Endpoint)
	}

	tableARN, streamARN := srv.CreateTable(ctx, t, "orders", types.StreamViewTypeNewAndOldImages)
	if !strings.HasSuffix(tableARN, ":table/orders") {
		t.Errorf("tableARN = %q, want it to end in :table/orders", tableARN)
	}
	if !strings.HasPrefix(streamARN, tableARN+"/stream/") {
		t.Errorf("streamARN = %q, want it to start with %q", streamARN, tableARN+"/stream/")
	}

	ddb := srv.DynamoDB()
	key := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "customer#1"},
		"sk": &types.AttributeValueMemberS{Value: "order#42"},
	}
	item := map[string]types.AttributeValue{
		"pk":     key["pk"],
		"sk":     key["sk"],
		"status": &types.AttributeValueMemberS{Value: "placed"},
	}
	if err := ddblocal.PutItem(ctx, ddb, "orders", item); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	if _, err := ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String("orders"),
		Key:                       key,
		UpdateExpression:          aws.String("SET #s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "shipped"}},
	}); err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	if _, err := ddb.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("orders"), Key: key}); err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}

	streams := srv.Streams()
	desc, err := streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(streamARN)})
	if err != nil {
		t.Fatalf("DescribeStream: %v", err)
	}
	sd := desc.StreamDescription
	if sd.StreamStatus != stypes.StreamStatusEnabled {
		t.Errorf("StreamStatus = %s, want ENABLED", sd.StreamStatus)
	}
	if sd.StreamViewType != stypes.StreamViewTypeNewAndOldImages {
		t.Errorf("StreamViewType = %s, want NEW_AND_OLD_IMAGES", sd.StreamViewType)
	}
	// DynamoDB Local keeps a single shard per stream.
	if len(sd.Shards) != 1 {
		t.Fatalf("got %d shards, want 1: %+v", len(sd.Shards), sd.Shards)
	}
	it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn:         aws.String(streamARN),
		ShardId:           sd.Shards[0].ShardId,
		ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		t.Fatalf("GetShardIterator: %v", err)
	}
	got, err := streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatalf("GetRecords: %v", err)
	}
	if got.NextShardIterator == nil {
		t.Error("NextShardIterator is nil on an open shard")
	}

	want := []struct {
		event            stypes.OperationType
		oldStatus, newSt string // "" means the image must be absent
	}{
		{stypes.OperationTypeInsert, "", "placed"},
		{stypes.OperationTypeModify, "placed", "shipped"},
		{stypes.OperationTypeRemove, "shipped", ""},
	}
	if len(got.Records) != len(want) {
		t.Fatalf("got %d records, want %d: %+v", len(got.Records), len(want), got.Records)
	}
	var prevSeq string
	for i, w := range want {
		r := got.Records[i]
		if r.EventName != w.event {
			t.Errorf("record %d: EventName = %s, want %s", i, r.EventName, w.event)
		}
		if r.EventSource == nil || *r.EventSource != "aws:dynamodb" {
			t.Errorf("record %d: EventSource = %v, want aws:dynamodb", i, aws.ToString(r.EventSource))
		}
		rec := r.Dynamodb
		if rec == nil {
			t.Fatalf("record %d has no dynamodb payload", i)
		}
		if pk, sk := stringAttr(rec.Keys, "pk"), stringAttr(rec.Keys, "sk"); pk != "customer#1" || sk != "order#42" {
			t.Errorf("record %d: Keys = (%q, %q), want (customer#1, order#42)", i, pk, sk)
		}
		if got := stringAttr(rec.OldImage, "status"); got != w.oldStatus {
			t.Errorf("record %d: OldImage.status = %q, want %q", i, got, w.oldStatus)
		}
		if got := stringAttr(rec.NewImage, "status"); got != w.newSt {
			t.Errorf("record %d: NewImage.status = %q, want %q", i, got, w.newSt)
		}
		seq := aws.ToString(rec.SequenceNumber)
		if seq == "" || (prevSeq != "" && !seqLess(prevSeq, seq)) {
			t.Errorf("record %d: SequenceNumber %q does not follow %q", i, seq, prevSeq)
		}
		prevSeq = seq
		if rec.ApproximateCreationDateTime == nil || time.Since(*rec.ApproximateCreationDateTime) > 5*time.Minute {
			t.Errorf("record %d: ApproximateCreationDateTime = %v, want a recent time", i, rec.ApproximateCreationDateTime)
		}
	}
}

// TestServersAreIsolated checks that each Start gets its own empty database,
// which is what lets test packages run in parallel without shared state.
func TestServersAreIsolated(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var (
		wg   sync.WaitGroup
		srvs [2]*ddblocal.Server
	)
	// Start both at once: also exercises concurrent start-up.
	for i := range srvs {
		wg.Go(func() { srvs[i] = ddblocal.Start(t) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if srvs[0].Endpoint == srvs[1].Endpoint {
		t.Fatalf("both servers listen on %s", srvs[0].Endpoint)
	}
	srvs[0].CreateTable(ctx, t, "only-on-first", types.StreamViewTypeKeysOnly)
	for i, want := range []int{1, 0} {
		out, err := srvs[i].DynamoDB().ListTables(ctx, &dynamodb.ListTablesInput{})
		if err != nil {
			t.Fatalf("server %d: ListTables: %v", i, err)
		}
		if len(out.TableNames) != want {
			t.Errorf("server %d: tables = %v, want %d", i, out.TableNames, want)
		}
	}
}

// TestAWSConfigIgnoresEnvironment guards the promise that the harness does not
// depend on the machine's AWS settings: a CA bundle that does not exist and a
// profile that is not configured would break config.LoadDefaultConfig.
func TestAWSConfigIgnoresEnvironment(t *testing.T) {
	t.Setenv("AWS_CA_BUNDLE", filepath.Join(t.TempDir(), "no-such-bundle.pem"))
	t.Setenv("AWS_PROFILE", "ddblocal-test-profile-that-does-not-exist")
	t.Setenv("AWS_REGION", "eu-west-3")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := ddblocal.Start(t)
	cfg := srv.AWSConfig()
	if cfg.Region != ddblocal.Region {
		t.Errorf("Region = %q, want %q", cfg.Region, ddblocal.Region)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatalf("Credentials.Retrieve: %v", err)
	}
	if creds.AccessKeyID != "fake" || creds.SecretAccessKey != "fake" {
		t.Errorf("credentials = %q/%q, want fake/fake", creds.AccessKeyID, creds.SecretAccessKey)
	}
	// A client built from AWSConfig by code under test reaches the server too.
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	if _, err := client.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("ListTables through AWSConfig: %v", err)
	}
	if _, err := srv.Streams().ListStreams(ctx, &dynamodbstreams.ListStreamsInput{}); err != nil {
		t.Fatalf("ListStreams: %v", err)
	}
}

// TestStartWithoutInstallFails checks the message a developer sees when the
// emulator is missing: it must say how to install it.
func TestStartWithoutInstallFails(t *testing.T) {
	t.Setenv("DYNAMODB_LOCAL_DIR", t.TempDir())
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		// Fatalf ends the goroutine via runtime.Goexit, as it would a test.
		defer close(done)
		ddblocal.Start(rec)
		rec.returned = true
	}()
	<-done
	if rec.returned {
		t.Fatal("Start returned a server although DynamoDB Local is not installed")
	}
	if !strings.Contains(rec.msg, "hack/dynamodb-local.sh install") {
		t.Errorf("Fatalf message = %q, want it to name hack/dynamodb-local.sh install", rec.msg)
	}
}

// TestDirDefault checks that the Go side resolves the same folder as the
// install script's default.
func TestDirDefault(t *testing.T) {
	t.Setenv("DYNAMODB_LOCAL_DIR", "")
	t.Setenv("XDG_CACHE_HOME", "/x/cache")
	if got, err := ddblocal.Dir(); err != nil || got != "/x/cache/dynamodb-source/dynamodb-local" {
		t.Errorf("Dir() = %q, %v; want /x/cache/dynamodb-source/dynamodb-local", got, err)
	}
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "/home/u")
	if got, err := ddblocal.Dir(); err != nil || got != "/home/u/.cache/dynamodb-source/dynamodb-local" {
		t.Errorf("Dir() = %q, %v; want /home/u/.cache/dynamodb-source/dynamodb-local", got, err)
	}
	t.Setenv("DYNAMODB_LOCAL_DIR", "/opt/ddb")
	if got, err := ddblocal.Dir(); err != nil || got != "/opt/ddb" {
		t.Errorf("Dir() = %q, %v; want /opt/ddb", got, err)
	}
}

// fatalRecorder is a testing.TB whose Fatalf records the message and stops
// the calling goroutine instead of failing the real test.
type fatalRecorder struct {
	testing.TB
	msg      string
	returned bool
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func stringAttr(m map[string]stypes.AttributeValue, name string) string {
	if s, ok := m[name].(*stypes.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// seqLess compares stream sequence numbers, which are decimal strings of
// varying length.
func seqLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
