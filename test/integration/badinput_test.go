package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

const secret = "s3cr3t-Value-That-Must-Not-Leak"

// TestBadInputIsRefusedClearly runs the binary with a user's mistakes. Each
// must exit non-zero with a message that says what is wrong and how to fix
// it, send nothing, and never echo the secret key.
func TestBadInputIsRefusedClearly(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := context.Background()
	tableARN, _ := db.CreateTable(ctx, t, "good", types.StreamViewTypeNewImage)
	region := strings.Split(tableARN, ":")[3]
	// A table without a stream.
	if _, err := db.DynamoDB().CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("nostream"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	noStreamARN := "arn:aws:dynamodb:" + region + ":000000000000:table/nostream"
	missingARN := "arn:aws:dynamodb:" + region + ":000000000000:table/missing"
	sink := cesink.Start(t)

	base := func(arn string, extra ...string) []string {
		args := []string{"create", "source", "awsdynamodb"}
		if arn != "" {
			args = append(args, "--arn", arn)
		}
		args = append(args, "--auth.credentials.accessKeyID", "AKIDLOCAL", "--auth.credentials.secretAccessKey", secret,
			"--endpoint.url", db.Endpoint, "--sink.uri", sink.URL)
		return append(args, extra...)
	}
	cases := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // each must appear in stderr
	}{
		{"a missing ARN is asked for", base(""), 2, []string{"missing table ARN", "arn:aws:dynamodb:<region>:<account-id>:table/<table-name>"}},
		{"a malformed ARN shows the expected form", base("orders"), 2, []string{`"orders" is not an ARN`, "table/<table-name>"}},
		{"an ARN of another service is named", base("arn:aws:s3:us-east-1:123456789012:bucket"), 2, []string{`of service "s3", not dynamodb`}},
		{"a stream ARN points to the table ARN", base("arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000"), 2,
			[]string{"is of a stream, not of a table", "arn:aws:dynamodb:us-east-1:123456789012:table/orders"}},
		{"an invalid table name is explained", base("arn:aws:dynamodb:us-east-1:123456789012:table/a"), 2, []string{"invalid table name", "3 to 255"}},
		{"a bad account ID is explained", base("arn:aws:dynamodb:us-east-1:1234:table/orders"), 2, []string{"12-digit account ID"}},
		{"a table without a stream says how to enable one", base(noStreamARN), 1, []string{`table "nostream"`, "has no DynamoDB stream", "--stream-specification StreamEnabled=true"}},
		{"a table that does not exist is named", base(missingARN), 1, []string{`"missing"`}},
		{"a sink that is not http(s) is refused", base(tableARN, "--sink.uri", "ftp://example.com/x"), 2, []string{"sink.uri", "not an http(s) URL"}},
		{"a sink without host is refused", base(tableARN, "--sink.uri", "http://"), 2, []string{"sink.uri", "has no host"}},
		{"an unknown starting position lists the valid ones", base(tableARN, "--startingPosition", "EARLIEST"), 2, []string{`unknown value "EARLIEST"`, "LATEST, TRIM_HORIZON or AT_TIMESTAMP"}},
		{"a bad timestamp shows the format", base(tableARN, "--startingPosition", "AT_TIMESTAMP", "--startingTimestamp", "yesterday"), 2, []string{"RFC 3339"}},
		{"AT_TIMESTAMP needs a timestamp", base(tableARN, "--startingPosition", "AT_TIMESTAMP"), 2, []string{"startingTimestamp", "required with startingPosition AT_TIMESTAMP"}},
		{"a timestamp without AT_TIMESTAMP conflicts", base(tableARN, "--startingTimestamp", "2024-01-01T00:00:00Z"), 2, []string{"only used with startingPosition AT_TIMESTAMP"}},
		{"a future timestamp is refused", base(tableARN, "--startingPosition", "AT_TIMESTAMP", "--startingTimestamp", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)), 2, []string{"is in the future"}},
		{"an unknown flag is named", base(tableARN, "--sinkuri", "http://x"), 2, []string{"unknown flag: --sinkuri", "--help"}},
		{"a key ID without secret is refused", []string{"create", "source", "awsdynamodb", "--arn", tableARN, "--auth.credentials.accessKeyID", "AKID", "--endpoint.url", db.Endpoint}, 2,
			[]string{"accessKeyID and secretAccessKey go together"}},
		{"a bad assume-role ARN is refused", base(tableARN, "--auth.credentials.assumeIamRole", "admin"), 2, []string{"not an IAM role ARN"}},
		{"parallelism out of range is refused", base(tableARN, "--delivery.parallelism", "0"), 2, []string{"delivery.parallelism", "1 to 1000"}},
		{"a bad duration shows examples", base(tableARN, "--polling.idleInterval", "fast"), 2, []string{"not a duration such as 250ms"}},
		{"an endpoint that is not a URL is refused", base(tableARN, "--endpoint.url", "localhost:8000"), 2, []string{"endpoint.url"}},
		{"an unknown checkpoint store is refused", base(tableARN, "--checkpoint.store", "redis"), 2, []string{"unknown store", "file, kubernetes or memory"}},
		{"a dead-letter sink that is not http(s) is refused", base(tableARN, "--delivery.deadLetterSink.uri", "ftp://example.com/x"), 2,
			[]string{"delivery.deadLetterSink.uri", "not an http(s) URL", "file:///abs/path or a path"}},
		{"a dead-letter file that cannot be created is refused at once", base(tableARN, "--delivery.deadLetterSink.uri", "/nonexistent-dir/dead.jsonl"), 2,
			[]string{"delivery.deadLetterSink.uri", "opening dead-letter file", "give a path in a folder that exists"}},
		{"a maxRecordAge that is not positive is refused", base(tableARN, "--delivery.maxRecordAge", "-1m"), 2,
			[]string{"delivery.maxRecordAge", "not a positive duration", "such as 1h"}},
		{"an unknown snapshot mode lists the valid ones", base(tableARN, "--snapshot.mode", "full"), 2, []string{"snapshot.mode", `unknown mode "full"`, "none or initial"}},
		{"no snapshot segments is refused", base(tableARN, "--snapshot.mode", "initial", "--snapshot.segments", "0"), 2, []string{"snapshot.segments", "use 1 to 256"}},
		{"too many snapshot segments is refused", base(tableARN, "--snapshot.mode", "initial", "--snapshot.segments", "257"), 2, []string{"snapshot.segments", "use 1 to 256"}},
		{"a snapshot with a second starting point is refused", base(tableARN, "--snapshot.mode", "initial", "--startingPosition", "TRIM_HORIZON"), 2,
			[]string{"startingPosition", "cannot go with snapshot.mode initial"}},
		{"a positional argument is refused", append(base(tableARN), "extra"), 2, []string{"unknown command", "extra"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := start(t, cleanEnv(t.TempDir()), tc.args...)
			code := p.Wait(60 * time.Second)
			stderr, stdout := p.Stderr.String(), p.Stdout.String()
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d", code, tc.wantCode)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr+stdout, secret) {
				t.Errorf("the secret key appears in the output:\n%s%s", stdout, stderr)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace in the output:\n%s", stderr)
			}
		})
	}
	if n := sink.Requests(); n != 0 {
		t.Fatalf("the sink got %d requests from refused runs, want 0", n)
	}
}
