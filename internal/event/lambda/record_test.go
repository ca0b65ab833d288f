package lambda

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

const streamARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/Users/stream/2024-01-01T00:00:00.000"

func readPage(t testing.TB) []byte {
	t.Helper()
	body, err := os.ReadFile("testdata/page.json")
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// wireRecord is a GetRecords record as the wire spells it, decoded with
// encoding/json into aws-lambda-go's own attribute values: the oracle.
type wireRecord struct {
	AwsRegion string `json:"awsRegion"`
	Dynamodb  struct {
		ApproximateCreationDateTime float64
		Keys, NewImage, OldImage    map[string]events.DynamoDBAttributeValue
		SequenceNumber              string
		SizeBytes                   int64
		StreamViewType              string
	} `json:"dynamodb"`
	EventID      string `json:"eventID"`
	EventName    string `json:"eventName"`
	EventSource  string `json:"eventSource"`
	EventVersion string `json:"eventVersion"`
	UserIdentity *struct{ PrincipalId, Type string }
}

// The contract: each record decodes into aws-lambda-go's
// events.DynamoDBEventRecord, nothing unknown to it, with every field the
// wire record has set to the wire's value and eventSourceARN the stream's.
func TestDataDecodesIntoLambdasRecord(t *testing.T) {
	body := readPage(t)
	page, err := DecodeGetRecords(body)
	if err != nil {
		t.Fatal(err)
	}
	var wire struct{ Records []wireRecord }
	if err := json.Unmarshal(body, &wire); err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != len(wire.Records) || page.Errs != nil {
		t.Fatalf("%d records, errs %v; want %d", len(page.Data), page.Errs, len(wire.Records))
	}
	for i, w := range wire.Records {
		data := WithSourceARN(page.Data[i], streamARN)
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var got events.DynamoDBEventRecord
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("record %d: %v\n%s", i, err, data)
		}
		want := events.DynamoDBEventRecord{
			AWSRegion: w.AwsRegion, EventID: w.EventID, EventName: w.EventName, EventSource: "aws:dynamodb",
			EventVersion: w.EventVersion, EventSourceArn: streamARN,
			Change: events.DynamoDBStreamRecord{
				ApproximateCreationDateTime: events.SecondsEpochTime{Time: time.Unix(int64(w.Dynamodb.ApproximateCreationDateTime), 0)},
				Keys:                        w.Dynamodb.Keys, NewImage: w.Dynamodb.NewImage, OldImage: w.Dynamodb.OldImage,
				SequenceNumber: w.Dynamodb.SequenceNumber, SizeBytes: w.Dynamodb.SizeBytes, StreamViewType: w.Dynamodb.StreamViewType,
			},
		}
		if id := w.UserIdentity; id != nil {
			want.UserIdentity = &events.DynamoDBUserIdentity{PrincipalID: id.PrincipalId, Type: id.Type}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got, want)
		}
		if got.EventID == "" || got.EventName == "" || got.EventVersion == "" || got.AWSRegion == "" ||
			got.Change.SequenceNumber == "" || got.Change.SizeBytes == 0 || got.Change.StreamViewType == "" ||
			len(got.Change.Keys) == 0 || got.Change.ApproximateCreationDateTime.IsZero() {
			t.Errorf("record %d: a field is not set: %+v", i, got)
		}
	}
}

// Lambda leaves out what a record lacks: no OldImage on an INSERT, no
// images for KEYS_ONLY, no userIdentity but on a TTL delete.
func TestAbsentFieldsAreLeftOut(t *testing.T) {
	page, err := DecodeGetRecords(readPage(t))
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		rule   string
		absent []string
	}{
		{"an INSERT has no OldImage", []string{`"OldImage"`, `"userIdentity"`}},
		{"a MODIFY has both images", []string{`"userIdentity"`}},
		{"a REMOVE has no NewImage", []string{`"NewImage"`}},
		{"KEYS_ONLY carries no image", []string{`"NewImage"`, `"OldImage"`, `"userIdentity"`}},
	} {
		for _, name := range tc.absent {
			if bytes.Contains(page.Data[i], []byte(name)) {
				t.Errorf("%s: %s present in %s", tc.rule, name, page.Data[i])
			}
		}
	}
	if !bytes.Contains(page.Data[2], []byte(`"userIdentity":{"principalId":"dynamodb.amazonaws.com","type":"Service"}`)) {
		t.Errorf("TTL delete's userIdentity not in Lambda's spelling: %s", page.Data[2])
	}
}
