package event_test

import (
	"bytes"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/dynamodb-source/dynamodb-source/internal/event/document"
	"github.com/dynamodb-source/dynamodb-source/internal/event/lambda"
	"github.com/dynamodb-source/dynamodb-source/internal/event/v1json"
)

// The three data shapes on the same GetRecords page of 1,000 records (the
// four of lambda/testdata/page.json again and again: every attribute type,
// every operation, a TTL delete), so that ns/op is the CPU per 1,000
// events of each. lambda includes adding eventSourceARN, as the processor
// does.
func shapesPage(b testing.TB) []byte {
	text, err := os.ReadFile("lambda/testdata/page.json")
	if err != nil {
		b.Fatal(err)
	}
	recs := bytes.TrimSpace(text[bytes.IndexByte(text, '[')+1 : bytes.LastIndexByte(text, ']')])
	all := bytes.Repeat(append(recs, ','), 250)
	return slices.Concat([]byte(`{"NextShardIterator":"next","Records":[`), all[:len(all)-1], []byte("]}"))
}

// The light records (what reading, ordering and the event's attributes
// use) are the TriggerMesh shape's whatever the data shape.
func TestShapesShareTheLightRecords(t *testing.T) {
	body, err := os.ReadFile("lambda/testdata/page.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := v1json.DecodeGetRecords(body)
	if err != nil {
		t.Fatal(err)
	}
	for name, decode := range map[string]func([]byte) (v1json.Page, error){
		"lambda": lambda.DecodeGetRecords, "document": document.DecodeGetRecords,
	} {
		got, err := decode(body)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Records, want.Records) || *got.NextShardIterator != *want.NextShardIterator {
			t.Errorf("%s: light records differ from v1json's:\n got %+v\nwant %+v", name, got.Records, want.Records)
		}
	}
}

func benchShape(b *testing.B, decode func([]byte) (v1json.Page, error), finish func([]byte) []byte) {
	body := shapesPage(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		page, err := decode(body)
		if err != nil || len(page.Data) != 1000 || page.Errs != nil {
			b.Fatalf("%d records, %v, %v", len(page.Data), page.Errs, err)
		}
		if finish != nil {
			for _, d := range page.Data {
				finish(d)
			}
		}
	}
}

func BenchmarkShapeTriggerMesh(b *testing.B) { benchShape(b, v1json.DecodeGetRecords, nil) }

func BenchmarkShapeLambda(b *testing.B) {
	benchShape(b, lambda.DecodeGetRecords, func(d []byte) []byte {
		return lambda.WithSourceARN(d, "arn:aws:dynamodb:eu-west-1:123456789012:table/Users/stream/2024-01-01T00:00:00.000")
	})
}

func BenchmarkShapeDocument(b *testing.B) { benchShape(b, document.DecodeGetRecords, nil) }
