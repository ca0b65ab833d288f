package v1json

import (
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Rendering a record and its stream record: their fields in SDK v1's order,
// the light record filled in as they are read.

// The values of eventName and StreamViewType.
var (
	operationNames = []string{"INSERT", "MODIFY", "REMOVE"}
	viewTypeNames  = []string{"NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY"}
)

// A record's fields, in the order SDK v1 writes them, and the stream
// record's.
var (
	recordNames       = [...]string{"AwsRegion", "Dynamodb", "EventID", "EventName", "EventSource", "EventVersion", "UserIdentity"}
	streamRecordNames = [...]string{"ApproximateCreationDateTime", "Keys", "NewImage", "OldImage", "SequenceNumber", "SizeBytes", "StreamViewType"}
)

func (d *decoder) record(b []byte, rec *types.Record) []byte {
	lv := d.level(0)
	lv.buf = lv.buf[:0]
	var f [7]span
	d.s.object(func(key []byte) {
		switch string(key) {
		case "awsRegion":
			lv.render(&f[0], d.jsonString)
		case "dynamodb":
			lv.render(&f[1], func(b []byte) []byte {
				if d.s.null() {
					rec.Dynamodb = nil
					return append(b, "null"...)
				}
				rec.Dynamodb = &types.StreamRecord{}
				return d.streamRecord(b, rec.Dynamodb)
			})
		case "eventID":
			lv.render(&f[2], func(b []byte) []byte {
				rec.EventID = d.optString()
				return appendStringPtr(b, rec.EventID)
			})
		case "eventName":
			lv.render(&f[3], func(b []byte) []byte {
				name := d.enum(operationNames)
				rec.EventName = ""
				if name != nil {
					rec.EventName = types.OperationType(*name)
				}
				return appendStringPtr(b, name)
			})
		case "eventSource":
			lv.render(&f[4], d.jsonString)
		case "eventVersion":
			lv.render(&f[5], d.jsonString)
		case "userIdentity":
			lv.render(&f[6], func(b []byte) []byte { return d.identity(b, rec) })
		default:
			d.s.skip()
		}
	})
	return writeStruct(b, recordNames[:], f[:], lv.buf)
}

// identity renders a userIdentity. Its members are read with the API's
// names, capitalised, as both SDKs read them (Lambda's event format spells
// them principalId and type). The light record keeps it, for the
// dynamodbttl extension.
func (d *decoder) identity(b []byte, rec *types.Record) []byte {
	rec.UserIdentity = nil
	if d.s.null() {
		return append(b, "null"...)
	}
	var principal, typ *string
	d.s.object(func(key []byte) {
		switch string(key) {
		case "PrincipalId":
			principal = d.optString()
		case "Type":
			typ = d.optString()
		default:
			d.s.skip()
		}
	})
	rec.UserIdentity = &types.Identity{PrincipalId: principal, Type: typ}
	b = append(b, `{"PrincipalId":`...)
	b = appendStringPtr(b, principal)
	b = append(b, `,"Type":`...)
	b = appendStringPtr(b, typ)
	return append(b, '}')
}

func (d *decoder) streamRecord(b []byte, sr *types.StreamRecord) []byte {
	lv := d.level(1)
	lv.buf = lv.buf[:0]
	var f [7]span
	d.s.object(func(key []byte) {
		switch string(key) {
		case "ApproximateCreationDateTime":
			lv.render(&f[0], func(b []byte) []byte {
				sr.ApproximateCreationDateTime = nil
				if d.s.null() {
					return append(b, "null"...)
				}
				raw := d.s.number()
				if d.s.err != nil {
					return b
				}
				t, err := epochMillis(string(raw))
				if err == nil {
					b, err = appendTime(b, t)
				}
				if err != nil {
					d.s.fail("ApproximateCreationDateTime: %v", err)
					return b
				}
				sr.ApproximateCreationDateTime = &t
				return b
			})
		case "Keys":
			lv.render(&f[1], func(b []byte) []byte {
				sr.Keys = nil
				start := d.s.pos
				b = d.wireMap(b, 2)
				if d.s.err == nil && len(b) > 0 && b[len(b)-1] == '}' {
					// The light record keeps the key, for the event's
					// subject: read again from the text, it is small.
					sr.Keys = d.keys(d.s.data[start:d.s.pos])
				}
				return b
			})
		case "NewImage":
			lv.render(&f[2], func(b []byte) []byte { return d.wireMap(b, 2) })
		case "OldImage":
			lv.render(&f[3], func(b []byte) []byte { return d.wireMap(b, 2) })
		case "SequenceNumber":
			lv.render(&f[4], func(b []byte) []byte {
				sr.SequenceNumber = d.optString()
				return appendStringPtr(b, sr.SequenceNumber)
			})
		case "SizeBytes":
			lv.render(&f[5], func(b []byte) []byte {
				sr.SizeBytes = nil
				if d.s.null() {
					return append(b, "null"...)
				}
				raw := d.s.number()
				if d.s.err != nil {
					return b
				}
				// SDK v1 reads an integer through float64 and truncates it.
				f, err := strconv.ParseFloat(string(raw), 64)
				if err != nil {
					d.s.fail("SizeBytes: %v", err)
					return b
				}
				n := int64(f)
				sr.SizeBytes = &n
				return strconv.AppendInt(b, n, 10)
			})
		case "StreamViewType":
			lv.render(&f[6], func(b []byte) []byte {
				view := d.enum(viewTypeNames)
				sr.StreamViewType = ""
				if view != nil {
					sr.StreamViewType = types.StreamViewType(*view)
				}
				return appendStringPtr(b, view)
			})
		default:
			d.s.skip()
		}
	})
	return writeStruct(b, streamRecordNames[:], f[:], lv.buf)
}

// writeStruct writes a struct as encoding/json does, each field from its
// span of scratch, null for a field the wire did not have.
func writeStruct(b []byte, names []string, f []span, scratch []byte) []byte {
	for i, name := range names {
		if i == 0 {
			b = append(b, `{"`...)
		} else {
			b = append(b, `,"`...)
		}
		b = append(b, name...)
		b = append(b, `":`...)
		if f[i].end == 0 {
			b = append(b, "null"...)
		} else {
			b = append(b, scratch[f[i].start:f[i].end]...)
		}
	}
	return append(b, '}')
}
