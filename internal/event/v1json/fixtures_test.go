package v1json

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go/aws"
	v1ddb "github.com/aws/aws-sdk-go/service/dynamodb"
	v1streams "github.com/aws/aws-sdk-go/service/dynamodbstreams"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/event"
)

const testARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/Users"

// testTime has milliseconds, as ApproximateCreationDateTime may have.
var testTime = time.Date(2024, 3, 1, 12, 30, 45, 123e6, time.UTC)

func ptr[T any](v T) *T { return &v }

// testConverter is the converter of the test table.
func testConverter(t testing.TB, overrides map[string]string) *event.Converter {
	t.Helper()
	c, err := event.NewConverter(testARN, overrides)
	if err != nil {
		t.Fatalf("NewConverter: %v", err)
	}
	return c
}

// convertRecord makes the event of a hand-built SDK record: its data
// rendered by the oracle, the event built around it by the converter, as
// the source did before it rendered the data from the wire.
func convertRecord(c *event.Converter, r types.Record) (cloudevents.Event, error) {
	if r.EventID == nil || *r.EventID == "" {
		return c.ConvertData(r, nil) // refused for that first
	}
	data, err := marshalRecord(&r)
	if err != nil {
		return cloudevents.Event{}, fmt.Errorf("encoding data of stream record %s: %w", *r.EventID, err)
	}
	return c.ConvertData(r, data)
}

func testKeys() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"sk": &types.AttributeValueMemberN{Value: "2024"},
		"pk": &types.AttributeValueMemberS{Value: "user#1"},
	}
}

// testImage is a typical item: ten attributes besides the key, covering
// every attribute type, nesting, and strings that JSON must escape.
func testImage(age string) map[string]types.AttributeValue {
	img := testKeys()
	for k, v := range map[string]types.AttributeValue{
		"name":   &types.AttributeValueMemberS{Value: `Zoë "Z" <zoe@example.com> & co`},
		"age":    &types.AttributeValueMemberN{Value: age},
		"avatar": &types.AttributeValueMemberB{Value: []byte{0x89, 'P', 'N', 'G', 0xfb, 0xff}},
		"tags":   &types.AttributeValueMemberSS{Value: []string{"admin", "beta"}},
		"scores": &types.AttributeValueMemberNS{Value: []string{"1.5", "-2", "1E+100"}},
		"keys":   &types.AttributeValueMemberBS{Value: [][]byte{{1, 2, 3}, {0xff}}},
		"address": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"street": &types.AttributeValueMemberS{Value: "1 Main St\nFlat 2"},
			"zip":    &types.AttributeValueMemberN{Value: "10115"},
			"geo": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"lat": &types.AttributeValueMemberN{Value: "52.52"},
				"lon": &types.AttributeValueMemberN{Value: "13.405"},
			}},
		}},
		"history": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberS{Value: "signup"},
			&types.AttributeValueMemberN{Value: "3"},
			&types.AttributeValueMemberBOOL{Value: false},
			&types.AttributeValueMemberNULL{Value: true},
			&types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "nested"}}},
			&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"at": &types.AttributeValueMemberN{Value: "1709296245"}}},
		}},
		"deletedAt": &types.AttributeValueMemberNULL{Value: true},
		"active":    &types.AttributeValueMemberBOOL{Value: true},
	} {
		img[k] = v
	}
	return img
}

var streamViewTypes = []types.StreamViewType{
	types.StreamViewTypeKeysOnly,
	types.StreamViewTypeNewImage,
	types.StreamViewTypeOldImage,
	types.StreamViewTypeNewAndOldImages,
}

var operations = []types.OperationType{
	types.OperationTypeInsert,
	types.OperationTypeModify,
	types.OperationTypeRemove,
}

// testRecord builds the record DynamoDB Streams delivers for op on a table
// whose stream has the given view type: a new image exists unless the item
// was removed, an old image unless it was inserted, and each is included
// only if the view type asks for it.
func testRecord(view types.StreamViewType, op types.OperationType) types.Record {
	sr := &types.StreamRecord{
		ApproximateCreationDateTime: ptr(testTime),
		Keys:                        testKeys(),
		SequenceNumber:              ptr("111100000000012345678901"),
		SizeBytes:                   ptr(int64(42)),
		StreamViewType:              view,
	}
	withNew := view == types.StreamViewTypeNewImage || view == types.StreamViewTypeNewAndOldImages
	withOld := view == types.StreamViewTypeOldImage || view == types.StreamViewTypeNewAndOldImages
	if withNew && op != types.OperationTypeRemove {
		sr.NewImage = testImage("42")
	}
	if withOld && op != types.OperationTypeInsert {
		sr.OldImage = testImage("41")
	}
	return types.Record{
		AwsRegion:    ptr("eu-west-1"),
		Dynamodb:     sr,
		EventID:      ptr(fmt.Sprintf("%s-%s-c0ffee", op, view)),
		EventName:    op,
		EventSource:  ptr("aws:dynamodb"),
		EventVersion: ptr("1.1"),
	}
}

// ttlRecord is a removal by Time to Live, the one kind of record that
// carries a UserIdentity.
func ttlRecord() types.Record {
	r := testRecord(types.StreamViewTypeNewAndOldImages, types.OperationTypeRemove)
	r.EventID = ptr("ttl-remove-c0ffee")
	r.UserIdentity = &types.Identity{PrincipalId: ptr("dynamodb.amazonaws.com"), Type: ptr("Service")}
	return r
}

// toV1Record builds the SDK v1 record that the v1 SDK would have decoded
// from the same GetRecords response as r: absent fields nil, and the value of
// a typed attribute never nil (the v1 decoder makes empty slices and maps
// for empty JSON arrays, objects and base64 strings).
func toV1Record(r types.Record) *v1streams.Record {
	out := &v1streams.Record{
		AwsRegion:    r.AwsRegion,
		EventID:      r.EventID,
		EventName:    enumPtr(string(r.EventName)),
		EventSource:  r.EventSource,
		EventVersion: r.EventVersion,
	}
	if id := r.UserIdentity; id != nil {
		out.UserIdentity = &v1streams.Identity{PrincipalId: id.PrincipalId, Type: id.Type}
	}
	if d := r.Dynamodb; d != nil {
		out.Dynamodb = &v1streams.StreamRecord{
			ApproximateCreationDateTime: d.ApproximateCreationDateTime,
			Keys:                        toV1Map(d.Keys),
			NewImage:                    toV1Map(d.NewImage),
			OldImage:                    toV1Map(d.OldImage),
			SequenceNumber:              d.SequenceNumber,
			SizeBytes:                   d.SizeBytes,
			StreamViewType:              enumPtr(string(d.StreamViewType)),
		}
	}
	return out
}

func enumPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toV1Map(m map[string]types.AttributeValue) map[string]*v1ddb.AttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]*v1ddb.AttributeValue, len(m))
	for k, v := range m {
		out[k] = toV1AV(v)
	}
	return out
}

func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func toV1AV(av types.AttributeValue) *v1ddb.AttributeValue {
	if av == nil || reflect.ValueOf(av).IsNil() {
		return nil
	}
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return &v1ddb.AttributeValue{S: aws.String(v.Value)}
	case *types.AttributeValueMemberN:
		return &v1ddb.AttributeValue{N: aws.String(v.Value)}
	case *types.AttributeValueMemberB:
		return &v1ddb.AttributeValue{B: nonNilBytes(v.Value)}
	case *types.AttributeValueMemberBOOL:
		return &v1ddb.AttributeValue{BOOL: aws.Bool(v.Value)}
	case *types.AttributeValueMemberNULL:
		return &v1ddb.AttributeValue{NULL: aws.Bool(v.Value)}
	case *types.AttributeValueMemberSS:
		return &v1ddb.AttributeValue{SS: aws.StringSlice(v.Value)}
	case *types.AttributeValueMemberNS:
		return &v1ddb.AttributeValue{NS: aws.StringSlice(v.Value)}
	case *types.AttributeValueMemberBS:
		bs := make([][]byte, len(v.Value))
		for i, b := range v.Value {
			bs[i] = nonNilBytes(b)
		}
		return &v1ddb.AttributeValue{BS: bs}
	case *types.AttributeValueMemberL:
		l := make([]*v1ddb.AttributeValue, len(v.Value))
		for i, el := range v.Value {
			l[i] = toV1AV(el)
		}
		return &v1ddb.AttributeValue{L: l}
	case *types.AttributeValueMemberM:
		m := toV1Map(v.Value)
		if m == nil {
			m = map[string]*v1ddb.AttributeValue{}
		}
		return &v1ddb.AttributeValue{M: m}
	default:
		panic(fmt.Sprintf("toV1AV: unhandled %T", av))
	}
}

// fromV1Map converts an item written with the v1 SDK (e.g. by
// dynamodbattribute.MarshalMap) into the v2 types a stream record holds.
func fromV1Map(m map[string]*v1ddb.AttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		out[k] = fromV1AV(v)
	}
	return out
}

func fromV1AV(av *v1ddb.AttributeValue) types.AttributeValue {
	switch {
	case av.S != nil:
		return &types.AttributeValueMemberS{Value: *av.S}
	case av.N != nil:
		return &types.AttributeValueMemberN{Value: *av.N}
	case av.B != nil:
		return &types.AttributeValueMemberB{Value: av.B}
	case av.BOOL != nil:
		return &types.AttributeValueMemberBOOL{Value: *av.BOOL}
	case av.NULL != nil:
		return &types.AttributeValueMemberNULL{Value: *av.NULL}
	case av.SS != nil:
		return &types.AttributeValueMemberSS{Value: aws.StringValueSlice(av.SS)}
	case av.NS != nil:
		return &types.AttributeValueMemberNS{Value: aws.StringValueSlice(av.NS)}
	case av.BS != nil:
		return &types.AttributeValueMemberBS{Value: av.BS}
	case av.L != nil:
		l := make([]types.AttributeValue, len(av.L))
		for i, el := range av.L {
			l[i] = fromV1AV(el)
		}
		return &types.AttributeValueMemberL{Value: l}
	case av.M != nil:
		return &types.AttributeValueMemberM{Value: fromV1Map(av.M)}
	default:
		panic(fmt.Sprintf("fromV1AV: empty attribute value %v", av))
	}
}
