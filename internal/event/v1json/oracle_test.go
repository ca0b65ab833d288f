package v1json

// The oracle: SDK record -> TriggerMesh/SDK v1 JSON, the encoder that once
// rendered the data from the records the SDK decoded. The source no longer
// takes that path (DecodeGetRecords renders the data from the wire), so it
// lives here, beside the tests it serves: it renders the expected data of
// hand-built records (golden files, the converter's tests), and
// compat_test.go holds it to SDK v1's encoding/json byte for byte.

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// bufPool holds encoding buffers: a record is encoded per stream event and
// the buffer reaches several KiB for an item with both images.
var bufPool = sync.Pool{
	New: func() any {
		b := make([]byte, 0, 8<<10)
		return &b
	},
}

// maxPooledBuf bounds the buffers kept in the pool, so that one outsized
// item (DynamoDB allows 400 KB per image) does not pin its buffer forever.
const maxPooledBuf = 64 << 10

// marshalRecord returns the TriggerMesh/SDK v1 JSON encoding of r in a new
// slice that the caller owns.
func marshalRecord(r *types.Record) ([]byte, error) {
	bp := bufPool.Get().(*[]byte)
	b, err := appendRecord((*bp)[:0], r)
	var out []byte
	if err == nil {
		// The event keeps its data for as long as delivery takes, so it
		// gets its own exactly sized copy and the buffer goes back.
		out = bytes.Clone(b)
	}
	if cap(b) <= maxPooledBuf {
		*bp = b[:0]
		bufPool.Put(bp)
	}
	return out, err
}

func appendRecord(b []byte, r *types.Record) ([]byte, error) {
	b = append(b, `{"AwsRegion":`...)
	b = appendStringPtr(b, r.AwsRegion)
	b = append(b, `,"Dynamodb":`...)
	if r.Dynamodb == nil {
		b = append(b, "null"...)
	} else {
		var err error
		if b, err = appendStreamRecord(b, r.Dynamodb); err != nil {
			return b, err
		}
	}
	b = append(b, `,"EventID":`...)
	b = appendStringPtr(b, r.EventID)
	b = append(b, `,"EventName":`...)
	b = appendEnum(b, string(r.EventName))
	b = append(b, `,"EventSource":`...)
	b = appendStringPtr(b, r.EventSource)
	b = append(b, `,"EventVersion":`...)
	b = appendStringPtr(b, r.EventVersion)
	b = append(b, `,"UserIdentity":`...)
	if id := r.UserIdentity; id == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"PrincipalId":`...)
		b = appendStringPtr(b, id.PrincipalId)
		b = append(b, `,"Type":`...)
		b = appendStringPtr(b, id.Type)
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

func appendStreamRecord(b []byte, sr *types.StreamRecord) ([]byte, error) {
	b = append(b, `{"ApproximateCreationDateTime":`...)
	if t := sr.ApproximateCreationDateTime; t == nil {
		b = append(b, "null"...)
	} else {
		var err error
		if b, err = appendTime(b, *t); err != nil {
			return b, err
		}
	}
	var err error
	b = append(b, `,"Keys":`...)
	if b, err = appendAttributeMap(b, sr.Keys, true); err != nil {
		return b, fmt.Errorf("Keys: %w", err)
	}
	b = append(b, `,"NewImage":`...)
	if b, err = appendAttributeMap(b, sr.NewImage, true); err != nil {
		return b, fmt.Errorf("NewImage: %w", err)
	}
	b = append(b, `,"OldImage":`...)
	if b, err = appendAttributeMap(b, sr.OldImage, true); err != nil {
		return b, fmt.Errorf("OldImage: %w", err)
	}
	b = append(b, `,"SequenceNumber":`...)
	b = appendStringPtr(b, sr.SequenceNumber)
	b = append(b, `,"SizeBytes":`...)
	if sr.SizeBytes == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, *sr.SizeBytes, 10)
	}
	b = append(b, `,"StreamViewType":`...)
	b = appendEnum(b, string(sr.StreamViewType))
	return append(b, '}'), nil
}

// appendAttributeMap writes an item, a key or an M value. nilAsNull distinguishes
// a record field (Keys, NewImage, OldImage), where nil means the stream did
// not send it and SDK v1 leaves it nil, from the value of an M attribute,
// which the v1 SDK always decodes to a non-nil map and so writes as {}.
func appendAttributeMap(b []byte, m map[string]types.AttributeValue, nilAsNull bool) ([]byte, error) {
	if m == nil && nilAsNull {
		return append(b, "null"...), nil
	}
	if len(m) == 0 {
		return append(b, "{}"...), nil
	}
	// Most maps are small: their entries are sorted by name in stack
	// arrays by an inline insertion sort, which also saves looking each
	// value up again. Handing a slice to a sort routine instead would cost
	// a GC write barrier per string move, and GC runs often at the
	// allocation rate of a busy stream.
	var smallKeys [16]string
	var smallVals [16]types.AttributeValue
	b = append(b, '{')
	if len(m) > len(smallKeys) {
		return appendLargeAttributeMap(b, m)
	}
	n := 0
	for k, v := range m {
		j := n
		for ; j > 0 && smallKeys[j-1] > k; j-- {
			smallKeys[j], smallVals[j] = smallKeys[j-1], smallVals[j-1]
		}
		smallKeys[j], smallVals[j] = k, v
		n++
	}
	var err error
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, smallKeys[i])
		b = append(b, ':')
		if b, err = appendAttributeValue(b, smallVals[i]); err != nil {
			return b, fmt.Errorf("%q: %w", smallKeys[i], err)
		}
	}
	return append(b, '}'), nil
}

// appendLargeAttributeMap writes the entries of a map with many attributes,
// after the opening brace.
func appendLargeAttributeMap(b []byte, m map[string]types.AttributeValue) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		if b, err = appendAttributeValue(b, m[k]); err != nil {
			return b, fmt.Errorf("%q: %w", k, err)
		}
	}
	return append(b, '}'), nil
}

// appendAttributeValue writes one value as SDK v1's dynamodb.AttributeValue. The
// member's own field is never null, even if the v2 value is a nil slice or
// map: the member type says the attribute exists, and the v1 SDK decodes an
// empty B, set, list or map from the wire as a non-nil empty value, so this
// is what TriggerMesh emitted for the same stream record.
func appendAttributeValue(b []byte, av types.AttributeValue) ([]byte, error) {
	var err error
	switch v := av.(type) {
	case nil:
		// Only reachable for a hand-built record (nil element of L or M);
		// v1 writes a nil *AttributeValue as null.
		return append(b, "null"...), nil
	case *types.AttributeValueMemberS:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, avPrefix[avS]...)
		b = appendString(b, v.Value)
		return append(b, avSuffix[avS]...), nil
	case *types.AttributeValueMemberN:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, avPrefix[avN]...)
		b = appendString(b, v.Value)
		return append(b, avSuffix[avN]...), nil
	case *types.AttributeValueMemberB:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, avPrefix[avB]...)
		b = appendBase64(b, v.Value)
		return append(b, avSuffix[avB]...), nil
	case *types.AttributeValueMemberBOOL:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, avPrefix[avBOOL]...)
		b = strconv.AppendBool(b, v.Value)
		return append(b, avSuffix[avBOOL]...), nil
	case *types.AttributeValueMemberNULL:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, avPrefix[avNULL]...)
		b = strconv.AppendBool(b, v.Value)
		return append(b, avSuffix[avNULL]...), nil
	case *types.AttributeValueMemberSS:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, avPrefix[avSS]...)
		b = appendStrings(b, v.Value)
		return append(b, avSuffix[avSS]...), nil
	case *types.AttributeValueMemberNS:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, avPrefix[avNS]...)
		b = appendStrings(b, v.Value)
		return append(b, avSuffix[avNS]...), nil
	case *types.AttributeValueMemberBS:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, avPrefix[avBS]...)
		b = append(b, '[')
		for i, s := range v.Value {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendBase64(b, s)
		}
		b = append(b, ']')
		return append(b, avSuffix[avBS]...), nil
	case *types.AttributeValueMemberL:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, avPrefix[avL]...)
		b = append(b, '[')
		for i, el := range v.Value {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendAttributeValue(b, el); err != nil {
				return b, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		b = append(b, ']')
		return append(b, avSuffix[avL]...), nil
	case *types.AttributeValueMemberM:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, avPrefix[avM]...)
		if b, err = appendAttributeMap(b, v.Value, false); err != nil {
			return b, err
		}
		return append(b, avSuffix[avM]...), nil
	case *types.UnknownUnionMember:
		// A type DynamoDB added after this SDK version: SDK v1 would have
		// dropped it silently and delivered an all-null value, which a
		// consumer can't tell from corruption. Refuse instead.
		return b, fmt.Errorf("attribute value of unknown type %q; upgrade aws-sdk-go-v2/service/dynamodbstreams", v.Tag)
	default:
		return b, fmt.Errorf("unsupported attribute value type %T", av)
	}
}

// appendStrings writes an SS or NS value; see appendAttributeValue for why nil is [].
func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendEnum writes a v2 enum string, whose zero value "" stands for the
// absent field that SDK v1 holds as a nil *string.
func appendEnum(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}
