package event

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

const testARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/Users"

// testTime has milliseconds, as ApproximateCreationDateTime may have.
var testTime = time.Date(2024, 3, 1, 12, 30, 45, 123e6, time.UTC)

func ptr[T any](v T) *T { return &v }

// views are the stream view types, and ops the operations, records come in.
var (
	views = []types.StreamViewType{types.StreamViewTypeKeysOnly, types.StreamViewTypeNewImage,
		types.StreamViewTypeOldImage, types.StreamViewTypeNewAndOldImages}
	ops = []types.OperationType{types.OperationTypeInsert, types.OperationTypeModify, types.OperationTypeRemove}
)

// testRecord is a light record as a data shape hands it over for op on a
// table whose stream has the given view type: what the converter reads.
// The images are only in the data (testData); internal/event/v1json tests
// the data of every view type and operation.
func testRecord(view types.StreamViewType, op types.OperationType) types.Record {
	return types.Record{
		Dynamodb: &types.StreamRecord{
			ApproximateCreationDateTime: ptr(testTime),
			Keys: map[string]types.AttributeValue{
				"sk": &types.AttributeValueMemberN{Value: "2024"},
				"pk": &types.AttributeValueMemberS{Value: "user#1"},
			},
			SequenceNumber: ptr("111100000000012345678901"),
			SizeBytes:      ptr(int64(42)),
			StreamViewType: view,
		},
		EventID:   ptr(fmt.Sprintf("%s-%s-c0ffee", op, view)),
		EventName: op,
	}
}

// testData stands for the event data a data shape rendered for r: the
// converter passes it through untouched.
func testData(r types.Record) []byte {
	return []byte(`{"AwsRegion":"eu-west-1","EventID":` + strconv.Quote(*r.EventID) + `}`)
}

func newTestConverter(t testing.TB, overrides map[string]string) *Converter {
	t.Helper()
	c, err := NewConverter(testARN, overrides)
	if err != nil {
		t.Fatalf("NewConverter: %v", err)
	}
	return c
}
