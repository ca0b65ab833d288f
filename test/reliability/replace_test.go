package reliability

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// The table's stream is disabled and enabled again. DynamoDB Local, like
// AWS, then marks the old stream DISABLED with its shard closed (an ending
// sequence number), and creates a new stream with a new ARN and label;
// ListStreams lists both. Changes made while no stream is enabled are in no
// stream, so none are written then. The source must finish the old stream
// and follow the new one from its start.
func testStreamReplaced(t *testing.T, db *ddblocal.Server) {
	before, after, items := size(500, 5000), size(500, 5000), 100
	r := newRig(t, db, "replaced")
	ctx := context.Background()
	p := r.start("--polling.discoveryInterval", "2s")
	if err := r.write(ctx, 0, before, items, 0); err != nil {
		t.Fatal(err)
	}
	if !r.waitAll(2 * time.Minute) {
		t.Fatalf("before the replacement: %d of %d", r.sinks.exactDistinct(), before)
	}
	oldARN := r.latestStreamARN(ctx)
	r.setStream(ctx, false)
	r.setStream(ctx, true)
	newARN := r.latestStreamARN(ctx)
	if newARN == oldARN {
		t.Fatalf("re-enabling the stream kept its ARN %s", oldARN)
	}
	r.lifted()
	r.finish(p, r.writeAsync(ctx, before, after, items, 0), 3*time.Minute)
	stderr := p.Stderr.String()
	if !logLine(stderr, `msg="stream finished: it was disabled and every shard is read"`, "stream="+oldARN) {
		t.Errorf("the old stream %s was not finished", oldARN)
	}
	if !logLine(stderr, `msg="reading stream"`, "stream="+newARN+" replacement=true") {
		t.Errorf("the new stream %s was not followed as a replacement", newARN)
	}
	res := r.analyze("stream disabled + re-enabled (new ARN)")
	res.note = "old stream finished, new one read from its start; discoveryInterval 2s"
	r.check(res)
}

// logLine reports whether one line of logs holds every part.
func logLine(logs string, parts ...string) bool {
	for _, line := range strings.Split(logs, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

func (r *rig) setStream(ctx context.Context, on bool) {
	r.t.Helper()
	spec := &types.StreamSpecification{StreamEnabled: aws.Bool(on)}
	if on {
		spec.StreamViewType = types.StreamViewTypeNewImage
	}
	if _, err := r.ddb.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(r.table), StreamSpecification: spec}); err != nil {
		r.t.Fatalf("setting the stream enabled=%v: %v", on, err)
	}
}

func (r *rig) latestStreamARN(ctx context.Context) string {
	r.t.Helper()
	out, err := r.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(r.table)})
	if err != nil {
		r.t.Fatal(err)
	}
	return aws.ToString(out.Table.LatestStreamArn)
}
