package filter

import (
	"encoding/json"
	"testing"
)

// benchRecord is a typical MODIFY record in Lambda's shape, about 1 KB.
var benchRecord = []byte(`{"eventID":"c81e728d","eventName":"MODIFY","eventVersion":"1.1",` +
	`"eventSource":"aws:dynamodb","awsRegion":"eu-west-1","eventSourceARN":"arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-12-01T00:00:00.000",` +
	`"dynamodb":{"ApproximateCreationDateTime":1764547200,"Keys":{"pk":{"S":"CUSTOMER#4711"},"sk":{"S":"ORDER#2026-12-01#0042"}},` +
	`"NewImage":{"pk":{"S":"CUSTOMER#4711"},"sk":{"S":"ORDER#2026-12-01#0042"},"status":{"S":"SHIPPED"},"total":{"N":"149.90"},` +
	`"currency":{"S":"EUR"},"items":{"L":[{"M":{"sku":{"S":"BOOK-1"},"qty":{"N":"1"},"price":{"N":"49.90"}}}]},` +
	`"note":{"NULL":true}},` +
	`"OldImage":{"pk":{"S":"CUSTOMER#4711"},"sk":{"S":"ORDER#2026-12-01#0042"},"status":{"S":"PAID"},"total":{"N":"149.90"},` +
	`"currency":{"S":"EUR"},"items":{"L":[{"M":{"sku":{"S":"BOOK-1"},"qty":{"N":"1"},"price":{"N":"49.90"}}}]},` +
	`"note":{"NULL":true}},` +
	`"SequenceNumber":"4421584500000000017450439091","SizeBytes":812,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`)

var benchPatterns = []string{
	`{"eventName":["INSERT"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"CUSTOMER#"}]}}}}`,
	`{"dynamodb":{"NewImage":{"total":{"N":[{"numeric":[">",1000]}]},"currency":{"S":["USD"]}}}}`,
	`{"eventName":["MODIFY"],"dynamodb":{"NewImage":{"status":{"S":["SHIPPED"]}},"OldImage":{"status":{"S":[{"anything-but":"SHIPPED"}]}}}}`,
}

func TestBenchRecordMatchesTheThirdPattern(t *testing.T) {
	if n := len(benchRecord); n < 900 || n > 1200 {
		t.Fatalf("bench record is %d bytes, want about 1 KB", n)
	}
	for i, want := range []bool{false, false, true} {
		if got := mustCompile(t, benchPatterns[i]).Match(benchRecord); got != want {
			t.Errorf("pattern %d: Match = %v, want %v", i, got, want)
		}
	}
	if !mustCompile(t, benchPatterns...).Match(benchRecord) {
		t.Error("the three patterns together must match")
	}
}

// BenchmarkMatch is the cost per record of a typical filter: three patterns,
// a 1 KB record, the last pattern matching.
func BenchmarkMatch(b *testing.B) {
	f := mustCompile(b, benchPatterns...)
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	for b.Loop() {
		if !f.Match(benchRecord) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkMatchNone is a record no pattern matches, so every pattern is
// evaluated to its end.
func BenchmarkMatchNone(b *testing.B) {
	f := mustCompile(b, benchPatterns[:2]...)
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	for b.Loop() {
		if f.Match(benchRecord) {
			b.Fatal("match")
		}
	}
}

// BenchmarkDecodeTreeBaseline is what a matcher over a parsed tree would pay
// before matching anything: decoding the record into a map.
func BenchmarkDecodeTreeBaseline(b *testing.B) {
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(benchRecord, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(benchPatterns); err != nil {
			b.Fatal(err)
		}
	}
}
