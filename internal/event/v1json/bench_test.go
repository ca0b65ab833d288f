package v1json

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	awsv2 "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/event"
)

// BenchmarkToEvent converts a typical NEW_AND_OLD_IMAGES MODIFY record: a
// two-attribute key and two images of ten more attributes each, nested
// maps and lists included, its data rendered by the oracle (the SDK-record
// encoder the source used before BenchmarkDecodeGetRecords's path).
func BenchmarkToEvent(b *testing.B) {
	r := testRecord(types.StreamViewTypeNewAndOldImages, types.OperationTypeModify)
	c := testConverter(b, nil)
	e, err := convertRecord(c, r)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(e.DataEncoded)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := convertRecord(c, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkToEventTriggerMeshWay is the baseline being replaced: the same
// event built with the SDK's setters, SetData running reflection-based
// json.Marshal on the SDK v1 record, as TriggerMesh did (building the v1
// record is excluded).
func BenchmarkToEventTriggerMeshWay(b *testing.B) {
	r := toV1Record(testRecord(types.StreamViewTypeNewAndOldImages, types.OperationTypeModify))
	b.ReportAllocs()
	for b.Loop() {
		e := cloudevents.NewEvent(cloudevents.VersionV1)
		e.SetType(event.Type)
		e.SetSubject("pk,sk")
		e.SetSource(testARN)
		e.SetID(*r.EventID)
		e.SetExtension(event.ExtensionOperation, *r.EventName)
		if err := e.SetData(cloudevents.ApplicationJSON, r); err != nil {
			b.Fatal(err)
		}
	}
}

// benchPage is a GetRecords answer of 999 records: getRecordsResponse's
// three, again and again.
func benchPage() []byte {
	recs := getRecordsResponse[strings.Index(getRecordsResponse, "[")+1 : strings.LastIndex(getRecordsResponse, "]")]
	var b strings.Builder
	b.WriteString(`{"NextShardIterator":"next","Records":[`)
	for i := range 333 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(recs)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

// BenchmarkDecodeGetRecords is a page decoded and every record's data
// rendered by DecodeGetRecords; BenchmarkDecodeGetRecordsSDK the same with
// the SDK's decoder and the oracle's renderer, which it replaces.
func BenchmarkDecodeGetRecords(b *testing.B) {
	page := benchPage()
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeGetRecords(page); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeGetRecordsSDK(b *testing.B) {
	page := benchPage()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write(page)
	}))
	defer srv.Close()
	client := dynamodbstreams.New(dynamodbstreams.Options{
		Region: "eu-west-1", BaseEndpoint: awsv2.String(srv.URL), Credentials: awsv2.AnonymousCredentials{},
		HTTPClient: srv.Client(), RetryMaxAttempts: 1,
	})
	// The loopback HTTP exchange is in it too; it is small beside decoding.
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		out, err := client.GetRecords(context.Background(), &dynamodbstreams.GetRecordsInput{ShardIterator: awsv2.String("it")})
		if err != nil {
			b.Fatal(err)
		}
		for i := range out.Records {
			if _, err := marshalRecord(&out.Records[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
