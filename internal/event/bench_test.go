package event

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// BenchmarkConvertData builds the event of a record whose data is rendered
// already, as the source does for every record; rendering the data is
// internal/event/v1json's BenchmarkDecodeGetRecords.
func BenchmarkConvertData(b *testing.B) {
	r := testRecord(types.StreamViewTypeNewAndOldImages, types.OperationTypeModify)
	data := testData(r)
	c := newTestConverter(b, map[string]string{"team": "data"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ConvertData(r, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSubject(b *testing.B) {
	keys := testRecord(types.StreamViewTypeKeysOnly, types.OperationTypeInsert).Dynamodb.Keys
	b.ReportAllocs()
	for b.Loop() {
		_ = Subject(keys)
	}
}
