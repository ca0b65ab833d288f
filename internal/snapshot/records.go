package snapshot

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamodb-source/dynamodb-source/internal/event/v1json"
)

// A scanned item becomes a stream record of its own kind, SNAPSHOT, written
// in the GetRecords answer's JSON so that the source's own decoder renders
// it: the data shapes, the filter and the converter apply to it exactly as
// to a change. The item is its NewImage; its key, Keys; the moment its page
// was read, ApproximateCreationDateTime.

// EventName is the eventName (and dynamodboperation) of a snapshot item.
const EventName = "SNAPSHOT"

// EventID is the event id of the item of key in snapshot snapshotID: the
// same whenever the item is sent again, unique across items and snapshots.
func EventID(snapshotID, key string) string {
	sum := sha256.Sum256([]byte(key))
	return "snapshot-" + snapshotID + "-" + hex.EncodeToString(sum[:12])
}

// appendRecord appends the JSON of the SNAPSHOT record of item, whose key
// attributes are names, with sequence number seq.
func appendRecord(b []byte, item map[string]ddb.AttributeValue, names []string, id, region, seq string, read time.Time) []byte {
	return appendRecordOf(b, appendItem(nil, item, names), approxSize(item), id, region, seq, read)
}

// appendItem appends the part of a SNAPSHOT record that is the item's own,
// its Keys and NewImage members: a scanned page holds its items so, rather
// than as the SDK's attribute values (several times larger), while it waits
// for the stream.
func appendItem(b []byte, item map[string]ddb.AttributeValue, names []string) []byte {
	b = append(b, `"Keys":{`...)
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, n)
		b = append(b, ':')
		b = appendValue(b, item[n])
	}
	b = append(b, `},"NewImage":`...)
	return appendMap(b, item)
}

// appendRecordOf appends the JSON of the SNAPSHOT record of an item written
// by appendItem, of size bytes (approxSize).
func appendRecordOf(b, item []byte, size int, id, region, seq string, read time.Time) []byte {
	b = append(b, `{"awsRegion":`...)
	b = strconv.AppendQuote(b, region)
	b = append(b, `,"dynamodb":{"ApproximateCreationDateTime":`...)
	b = strconv.AppendFloat(b, float64(read.UnixMilli())/1000, 'f', 3, 64)
	b = append(b, ',')
	b = append(b, item...)
	b = append(b, `,"SequenceNumber":`...)
	b = strconv.AppendQuote(b, seq)
	b = append(b, `,"SizeBytes":`...)
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, `,"StreamViewType":"NEW_IMAGE"},"eventID":`...)
	b = strconv.AppendQuote(b, id)
	b = append(b, `,"eventName":"`+EventName+`","eventSource":"aws:dynamodb","eventVersion":"1.1"}`...)
	return b
}

// appendString appends s as a JSON string, as json.Marshal writes it.
func appendString(b []byte, s string) []byte { return v1json.AppendString(b, s) }

func appendMap(b []byte, m map[string]ddb.AttributeValue) []byte {
	b = append(b, '{')
	first := true
	for n, v := range m {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, n)
		b = append(b, ':')
		b = appendValue(b, v)
	}
	return append(b, '}')
}

// appendValue appends an attribute value in DynamoDB's JSON ({"S":"a"}).
func appendValue(b []byte, av ddb.AttributeValue) []byte {
	switch v := av.(type) {
	case *ddb.AttributeValueMemberS:
		b = append(b, `{"S":`...)
		b = appendString(b, v.Value)
	case *ddb.AttributeValueMemberN:
		b = append(b, `{"N":`...)
		b = appendString(b, v.Value)
	case *ddb.AttributeValueMemberB:
		b = append(b, `{"B":"`...)
		b = base64.StdEncoding.AppendEncode(b, v.Value)
		b = append(b, '"')
	case *ddb.AttributeValueMemberBOOL:
		b = append(b, `{"BOOL":`...)
		b = strconv.AppendBool(b, v.Value)
	case *ddb.AttributeValueMemberNULL:
		b = append(b, `{"NULL":true`...)
	case *ddb.AttributeValueMemberM:
		b = append(b, `{"M":`...)
		b = appendMap(b, v.Value)
	case *ddb.AttributeValueMemberL:
		b = append(b, `{"L":[`...)
		for i, e := range v.Value {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		b = append(b, ']')
	case *ddb.AttributeValueMemberSS:
		b = appendSet(b, "SS", v.Value, appendString)
	case *ddb.AttributeValueMemberNS:
		b = appendSet(b, "NS", v.Value, appendString)
	case *ddb.AttributeValueMemberBS:
		b = appendSet(b, "BS", v.Value, func(b []byte, e []byte) []byte {
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, e)
			return append(b, '"')
		})
	default:
		// A type newer than this build: the decoder refuses the record,
		// which then goes to the dead-letter sink, never silently lost.
		b = append(b, `{"`...)
		b = append(b, fmt.Sprintf("%T", av)...)
		b = append(b, `":null`...)
	}
	return append(b, '}')
}

func appendSet[T any](b []byte, typ string, vs []T, elem func([]byte, T) []byte) []byte {
	b = append(b, `{"`+typ+`":[`...)
	for i, e := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, e)
	}
	return append(b, ']')
}

// approxSize is the item's size as DynamoDB counts it, roughly: names and
// values (SizeBytes of a stream record; informative only).
func approxSize(m map[string]ddb.AttributeValue) int {
	n := 0
	for k, v := range m {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(av ddb.AttributeValue) int {
	switch v := av.(type) {
	case *ddb.AttributeValueMemberS:
		return len(v.Value)
	case *ddb.AttributeValueMemberN:
		return len(v.Value)/2 + 1
	case *ddb.AttributeValueMemberB:
		return len(v.Value)
	case *ddb.AttributeValueMemberM:
		return 3 + approxSize(v.Value)
	case *ddb.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *ddb.AttributeValueMemberSS:
		n := 0
		for _, e := range v.Value {
			n += len(e)
		}
		return n
	case *ddb.AttributeValueMemberBS:
		n := 0
		for _, e := range v.Value {
			n += len(e)
		}
		return n
	case *ddb.AttributeValueMemberNS:
		n := 0
		for _, e := range v.Value {
			n += len(e)/2 + 1
		}
		return n
	}
	return 1
}

// A page of SNAPSHOT records is a GetRecords answer: pageHead, the records
// (each a JSON object) separated by commas, pageTail.
const (
	pageHead = `{"Records":[`
	pageTail = `],"NextShardIterator":null}`
)

// pageBody wraps records into a GetRecords answer.
func pageBody(records [][]byte) []byte {
	n := len(pageHead) + len(pageTail)
	for _, r := range records {
		n += len(r) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, pageHead...)
	for i, r := range records {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r...)
	}
	return append(b, pageTail...)
}

// appendSeq appends a record's sequence number: seq in 20 digits, so that
// the numbers of a segment sort as text too.
func appendSeq(b []byte, seq int) []byte {
	var d [20]byte
	for i := len(d) - 1; i >= 0; i-- {
		d[i] = byte('0' + seq%10)
		seq /= 10
	}
	return append(b, d[:]...)
}

// keyJSON renders a LastEvaluatedKey for the checkpoint, and keyFromJSON
// reads it back. Key attributes are S, N or B (base64).
func keyJSON(k map[string]ddb.AttributeValue) map[string]map[string]string {
	if len(k) == 0 {
		return nil
	}
	out := make(map[string]map[string]string, len(k))
	for n, av := range k {
		switch v := av.(type) {
		case *ddb.AttributeValueMemberS:
			out[n] = map[string]string{"S": v.Value}
		case *ddb.AttributeValueMemberN:
			out[n] = map[string]string{"N": v.Value}
		case *ddb.AttributeValueMemberB:
			out[n] = map[string]string{"B": base64.StdEncoding.EncodeToString(v.Value)}
		}
	}
	return out
}

func keyFromJSON(k map[string]map[string]string) (map[string]ddb.AttributeValue, error) {
	if len(k) == 0 {
		return nil, nil
	}
	out := make(map[string]ddb.AttributeValue, len(k))
	for n, tv := range k {
		switch {
		case hasKey(tv, "S"):
			out[n] = &ddb.AttributeValueMemberS{Value: tv["S"]}
		case hasKey(tv, "N"):
			out[n] = &ddb.AttributeValueMemberN{Value: tv["N"]}
		case hasKey(tv, "B"):
			b, err := base64.StdEncoding.DecodeString(tv["B"])
			if err != nil {
				return nil, fmt.Errorf("reading the snapshot's saved key %s: %w", n, err)
			}
			out[n] = &ddb.AttributeValueMemberB{Value: b}
		default:
			return nil, fmt.Errorf("reading the snapshot's saved key %s: no S, N or B value", n)
		}
	}
	return out, nil
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }
