package event

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/valyala/fastjson"
)

// Page is one GetRecords answer decoded by DecodeGetRecords.
type Page struct {
	NextShardIterator *string
	// Records are light: each has its eventID, eventName and, in Dynamodb,
	// its Keys, SequenceNumber, ApproximateCreationDateTime, SizeBytes and
	// StreamViewType, which is what reading and Convert use; the images
	// and the other fields are only in Data.
	Records []types.Record
	// Data[i] is the event data of Records[i], as ConvertData takes it.
	Data [][]byte
}

// DecodeGetRecords decodes the body of a successful GetRecords answer (the
// DynamoDB Streams JSON wire format) and renders each record's event data
// straight from it, the way TriggerMesh's SDK v1 did (see encode.go): one
// pass over the JSON, instead of building the SDK's typed records with a map
// per image and an interface value per attribute, and then walking them
// again to write the data. Those two were a third of the source's CPU per
// event, and their maps most of a page's memory (docs/benchmarks.md).
//
// It follows SDK v1's decoder where the wire allows a choice: field names
// match exactly, a field given twice keeps its last value, unknown fields
// are ignored, JSON null is an absent value, timestamps are epoch seconds
// cut to the millisecond. Unlike SDK v1, an attribute value of a type it
// does not know is an error, as Convert's is. compat_test.go holds the
// output byte for byte against SDK v1's.
func DecodeGetRecords(body []byte) (Page, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Page{}, nil // as the SDK takes an empty answer
	}
	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return Page{}, fmt.Errorf("decoding GetRecords: %w", err)
	}
	if v.Type() == fastjson.TypeNull {
		return Page{}, nil
	}
	top, err := v.Object()
	if err != nil {
		return Page{}, fmt.Errorf("decoding GetRecords: %w", err)
	}
	var (
		page Page
		recs []*fastjson.Value
	)
	top.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		switch string(k) {
		case "NextShardIterator":
			page.NextShardIterator, err = optString(v)
		case "Records":
			if v.Type() != fastjson.TypeNull {
				recs, err = v.Array()
			}
		}
	})
	if err != nil {
		return Page{}, fmt.Errorf("decoding GetRecords: %w", err)
	}
	if len(recs) == 0 {
		return page, nil
	}

	page.Records = make([]types.Record, len(recs))
	page.Data = make([][]byte, len(recs))
	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledBuf {
			bufPool.Put(bp)
		}
	}()
	var a arena
	for i, rv := range recs {
		b, err := decodeRecord((*bp)[:0], rv, &page.Records[i])
		*bp = b
		if err != nil {
			id := "#" + strconv.Itoa(i)
			if page.Records[i].EventID != nil {
				id = *page.Records[i].EventID
			}
			return Page{}, fmt.Errorf("decoding GetRecords: record %s: %w", id, err)
		}
		page.Data[i] = a.copy(b)
	}
	return page, nil
}

var parsers fastjson.ParserPool

// arena hands out the data of a page's events from a few large blocks
// rather than one allocation per event. A block stays in memory until the
// last event using it is delivered, which the in-flight window bounds.
type arena struct{ block []byte }

const arenaBlock = 64 << 10

func (a *arena) copy(b []byte) []byte {
	if len(b) > cap(a.block)-len(a.block) {
		a.block = make([]byte, 0, max(arenaBlock, len(b)))
	}
	start := len(a.block)
	a.block = append(a.block, b...)
	// Capped so that nobody appending to one event's data writes into the
	// next one's.
	return a.block[start:len(a.block):len(a.block)]
}

// recordFields are a record's wire fields, in the order SDK v1 writes them.
type recordFields struct {
	awsRegion, dynamodb, eventID, eventName, eventSource, eventVersion, userIdentity *fastjson.Value
}

func decodeRecord(b []byte, v *fastjson.Value, rec *types.Record) ([]byte, error) {
	o, err := v.Object()
	if err != nil {
		return b, err
	}
	var f recordFields
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "awsRegion":
			f.awsRegion = v
		case "dynamodb":
			f.dynamodb = v
		case "eventID":
			f.eventID = v
		case "eventName":
			f.eventName = v
		case "eventSource":
			f.eventSource = v
		case "eventVersion":
			f.eventVersion = v
		case "userIdentity":
			f.userIdentity = v
		}
	})
	if rec.EventID, err = optString(f.eventID); err != nil {
		return b, fmt.Errorf("eventID: %w", err)
	}
	if name, err := optString(f.eventName); err != nil {
		return b, fmt.Errorf("eventName: %w", err)
	} else if name != nil {
		rec.EventName = types.OperationType(*name)
	}

	b = append(b, `{"AwsRegion":`...)
	if b, err = appendJSONString(b, f.awsRegion); err != nil {
		return b, fmt.Errorf("awsRegion: %w", err)
	}
	b = append(b, `,"Dynamodb":`...)
	if isNull(f.dynamodb) {
		b = append(b, "null"...)
	} else {
		rec.Dynamodb = &types.StreamRecord{}
		if b, err = decodeStreamRecord(b, f.dynamodb, rec.Dynamodb); err != nil {
			return b, fmt.Errorf("dynamodb: %w", err)
		}
	}
	b = append(b, `,"EventID":`...)
	b = appendStringPtr(b, rec.EventID)
	b = append(b, `,"EventName":`...)
	b, _ = appendJSONString(b, f.eventName) // a string: optString said so
	b = append(b, `,"EventSource":`...)
	if b, err = appendJSONString(b, f.eventSource); err != nil {
		return b, fmt.Errorf("eventSource: %w", err)
	}
	b = append(b, `,"EventVersion":`...)
	if b, err = appendJSONString(b, f.eventVersion); err != nil {
		return b, fmt.Errorf("eventVersion: %w", err)
	}
	b = append(b, `,"UserIdentity":`...)
	if isNull(f.userIdentity) {
		b = append(b, "null"...)
	} else {
		uo, err := f.userIdentity.Object()
		if err != nil {
			return b, fmt.Errorf("userIdentity: %w", err)
		}
		var principal, typ *fastjson.Value
		// The API's member names, capitalised, as both SDKs read them
		// (Lambda's event format spells them principalId and type).
		uo.Visit(func(k []byte, v *fastjson.Value) {
			switch string(k) {
			case "PrincipalId":
				principal = v
			case "Type":
				typ = v
			}
		})
		b = append(b, `{"PrincipalId":`...)
		if b, err = appendJSONString(b, principal); err != nil {
			return b, fmt.Errorf("userIdentity.PrincipalId: %w", err)
		}
		b = append(b, `,"Type":`...)
		if b, err = appendJSONString(b, typ); err != nil {
			return b, fmt.Errorf("userIdentity.Type: %w", err)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

func decodeStreamRecord(b []byte, v *fastjson.Value, sr *types.StreamRecord) ([]byte, error) {
	o, err := v.Object()
	if err != nil {
		return b, err
	}
	var created, keys, newImage, oldImage, seq, size, view *fastjson.Value
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "ApproximateCreationDateTime":
			created = v
		case "Keys":
			keys = v
		case "NewImage":
			newImage = v
		case "OldImage":
			oldImage = v
		case "SequenceNumber":
			seq = v
		case "SizeBytes":
			size = v
		case "StreamViewType":
			view = v
		}
	})

	b = append(b, `{"ApproximateCreationDateTime":`...)
	if isNull(created) {
		b = append(b, "null"...)
	} else {
		t, err := epochMillis(created)
		if err != nil {
			return b, fmt.Errorf("ApproximateCreationDateTime: %w", err)
		}
		sr.ApproximateCreationDateTime = &t
		if b, err = appendTime(b, t); err != nil {
			return b, err
		}
	}
	b = append(b, `,"Keys":`...)
	if b, err = appendWireMap(b, keys); err != nil {
		return b, fmt.Errorf("Keys: %w", err)
	}
	if !isNull(keys) {
		// The light record keeps the key for the event's subject.
		if sr.Keys, err = decodeKeys(keys); err != nil {
			return b, fmt.Errorf("Keys: %w", err)
		}
	}
	b = append(b, `,"NewImage":`...)
	if b, err = appendWireMap(b, newImage); err != nil {
		return b, fmt.Errorf("NewImage: %w", err)
	}
	b = append(b, `,"OldImage":`...)
	if b, err = appendWireMap(b, oldImage); err != nil {
		return b, fmt.Errorf("OldImage: %w", err)
	}
	if sr.SequenceNumber, err = optString(seq); err != nil {
		return b, fmt.Errorf("SequenceNumber: %w", err)
	}
	b = append(b, `,"SequenceNumber":`...)
	b = appendStringPtr(b, sr.SequenceNumber)
	b = append(b, `,"SizeBytes":`...)
	if isNull(size) {
		b = append(b, "null"...)
	} else {
		// SDK v1 reads an integer through float64 and truncates it.
		f, err := size.Float64()
		if err != nil {
			return b, fmt.Errorf("SizeBytes: %w", err)
		}
		n := int64(f)
		sr.SizeBytes = &n
		b = strconv.AppendInt(b, n, 10)
	}
	viewName, err := optString(view)
	if err != nil {
		return b, fmt.Errorf("StreamViewType: %w", err)
	}
	if viewName != nil {
		sr.StreamViewType = types.StreamViewType(*viewName)
	}
	b = append(b, `,"StreamViewType":`...)
	b, _ = appendJSONString(b, view) // a string: optString said so
	return append(b, '}'), nil
}

// epochMillis reads ApproximateCreationDateTime (epoch seconds, maybe with a
// fraction or an exponent) as SDK v1 does: the exact decimal value times
// 1,000, truncated to whole milliseconds, in UTC.
func epochMillis(v *fastjson.Value) (time.Time, error) {
	if v.Type() != fastjson.TypeNumber {
		return time.Time{}, fmt.Errorf("%s is not a number", v.Type())
	}
	raw := v.String() // a number's text as it is on the wire
	if ms, ok := plainMillis(raw); ok {
		return time.Unix(0, ms*1e6).UTC(), nil
	}
	f, ok := new(big.Float).SetString(raw)
	if !ok {
		return time.Time{}, fmt.Errorf("%q is not a time in epoch seconds", raw)
	}
	ms, _ := f.Mul(f, big.NewFloat(1000)).Int64()
	return time.Unix(0, ms*1e6).UTC(), nil
}

// plainMillis is epochMillis without big.Float for what the service sends:
// digits, and at most a dot and more digits.
func plainMillis(raw string) (int64, bool) {
	var ms int64
	frac := -1 // digits after the dot; -1 before it
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= '0' && c <= '9':
			if frac >= 3 {
				continue // beyond the millisecond: truncated
			}
			if ms > (1<<62)/10 {
				return 0, false
			}
			ms = ms*10 + int64(c-'0')
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0 && i > 0:
			frac = 0
		default:
			return 0, false
		}
	}
	if frac < 0 {
		frac = 0
	}
	for ; frac < 3; frac++ {
		ms *= 10
	}
	return ms, len(raw) > 0
}

// avMembers are the members of an attribute value on the wire, in SDK v1's
// field order (avFields).
type avMembers [len(avFields)]*fastjson.Value

// avIndex maps a member name to its index in avFields.
func avIndex(name []byte) int {
	switch string(name) {
	case "B":
		return avB
	case "BOOL":
		return avBOOL
	case "BS":
		return avBS
	case "L":
		return avL
	case "M":
		return avM
	case "N":
		return avN
	case "NS":
		return avNS
	case "NULL":
		return avNULL
	case "S":
		return avS
	case "SS":
		return avSS
	}
	return -1
}

// appendWireMap writes an item, a key or an M value from the wire as SDK v1
// writes its map[string]*AttributeValue: null when absent, entries sorted by
// name.
func appendWireMap(b []byte, v *fastjson.Value) ([]byte, error) {
	if isNull(v) {
		return append(b, "null"...), nil
	}
	o, err := v.Object()
	if err != nil {
		return b, err
	}
	type entry struct {
		name []byte
		v    *fastjson.Value
	}
	var small [16]entry
	entries := small[:0]
	o.Visit(func(k []byte, v *fastjson.Value) {
		entries = append(entries, entry{k, v})
	})
	// Stable, so that of a name given twice the last one is kept, as a Go
	// map decoded by SDK v1 would.
	slices.SortStableFunc(entries, func(x, y entry) int {
		switch {
		case string(x.name) < string(y.name):
			return -1
		case string(x.name) > string(y.name):
			return 1
		}
		return 0
	})
	b = append(b, '{')
	first := true
	for i, e := range entries {
		if i+1 < len(entries) && string(entries[i+1].name) == string(e.name) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendDecodedString(b, string(e.name))
		b = append(b, ':')
		if b, err = appendWireValue(b, e.v); err != nil {
			return b, fmt.Errorf("%q: %w", e.name, err)
		}
	}
	return append(b, '}'), nil
}

// appendWireValue writes one attribute value from the wire as SDK v1's
// dynamodb.AttributeValue: all ten fields, null but for those the wire set.
func appendWireValue(b []byte, v *fastjson.Value) ([]byte, error) {
	if isNull(v) {
		return append(b, "null"...), nil
	}
	o, err := v.Object()
	if err != nil {
		return b, err
	}
	var (
		m       avMembers
		unknown []byte
	)
	o.Visit(func(k []byte, v *fastjson.Value) {
		i := avIndex(k)
		if i < 0 {
			unknown = k
			return
		}
		m[i] = v // the last of a name given twice, as SDK v1 keeps it
		if isNull(v) {
			m[i] = nil
		}
	})
	set := 0
	for _, mv := range m {
		if mv != nil {
			set++
		}
	}
	if unknown != nil {
		// SDK v1 would drop it and deliver a value of all nulls, which a
		// consumer can't tell from corruption; Convert refuses it too.
		return b, fmt.Errorf("attribute value of unknown type %q; upgrade this source", unknown)
	}
	if set == 1 {
		// The usual case: one member, written between its precomputed
		// neighbours.
		for i, mv := range m {
			if mv != nil {
				b = append(b, avPrefix[i]...)
				if b, err = appendMember(b, i, mv); err != nil {
					return b, err
				}
				return append(b, avSuffix[i]...), nil
			}
		}
	}
	b = append(b, '{')
	for i, mv := range m {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, avFields[i]...)
		b = append(b, `":`...)
		if mv == nil {
			b = append(b, "null"...)
			continue
		}
		if b, err = appendMember(b, i, mv); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendMember writes the value of member i of an attribute value.
func appendMember(b []byte, i int, v *fastjson.Value) ([]byte, error) {
	var err error
	switch i {
	case avS, avN:
		return appendJSONString(b, v)
	case avB:
		return appendWireBase64(b, v)
	case avBOOL, avNULL:
		t, err := v.Bool()
		if err != nil {
			return b, fmt.Errorf("%s: %w", avFields[i], err)
		}
		return strconv.AppendBool(b, t), nil
	case avSS, avNS, avBS, avL:
		items, err := v.Array()
		if err != nil {
			return b, fmt.Errorf("%s: %w", avFields[i], err)
		}
		b = append(b, '[')
		for j, item := range items {
			if j > 0 {
				b = append(b, ',')
			}
			switch {
			case isNull(item):
				b = append(b, "null"...)
			case i == avL:
				b, err = appendWireValue(b, item)
			case i == avBS:
				b, err = appendWireBase64(b, item)
			default:
				b, err = appendJSONString(b, item)
			}
			if err != nil {
				return b, fmt.Errorf("%s[%d]: %w", avFields[i], j, err)
			}
		}
		return append(b, ']'), nil
	case avM:
		if b, err = appendWireMap(b, v); err != nil {
			return b, fmt.Errorf("M: %w", err)
		}
		return b, nil
	}
	return b, fmt.Errorf("attribute value member %d", i)
}

// appendWireBase64 writes a B value as SDK v1 does: decoded from the wire's
// base64, and encoded again, padded.
func appendWireBase64(b []byte, v *fastjson.Value) ([]byte, error) {
	s, err := v.StringBytes()
	if err != nil {
		return b, err
	}
	raw, err := base64.StdEncoding.AppendDecode(nil, s)
	if err != nil {
		return b, err
	}
	return appendBase64(b, raw), nil
}

// appendJSONString writes a string field: null when absent, otherwise the
// decoded string escaped as encoding/json does.
func appendJSONString(b []byte, v *fastjson.Value) ([]byte, error) {
	if isNull(v) {
		return append(b, "null"...), nil
	}
	s, err := v.StringBytes()
	if err != nil {
		return b, err
	}
	return appendDecodedString(b, string(s)), nil
}

func optString(v *fastjson.Value) (*string, error) {
	if isNull(v) {
		return nil, nil
	}
	s, err := v.StringBytes()
	if err != nil {
		return nil, err
	}
	str := decodedString(s)
	return &str, nil
}

// decodedString is s as json.Unmarshal makes it a Go string: each byte that
// is not UTF-8 becomes U+FFFD.
func decodedString(s []byte) string {
	if utf8.Valid(s) {
		return string(s)
	}
	b := make([]byte, 0, len(s)+8)
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[:size]...)
		}
		s = s[size:]
	}
	return string(b)
}

func isNull(v *fastjson.Value) bool { return v == nil || v.Type() == fastjson.TypeNull }

// decodeKeys decodes a record's Keys into the SDK's types for Subject. Key
// attributes are S, N or B; other types are decoded too, for completeness.
func decodeKeys(v *fastjson.Value) (map[string]types.AttributeValue, error) {
	o, err := v.Object()
	if err != nil {
		return nil, err
	}
	keys := make(map[string]types.AttributeValue, o.Len())
	o.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		var av types.AttributeValue
		if av, err = decodeAV(v); err == nil && av != nil {
			keys[string(k)] = av
		}
	})
	return keys, err
}

func decodeAV(v *fastjson.Value) (types.AttributeValue, error) {
	if isNull(v) {
		return nil, nil
	}
	o, err := v.Object()
	if err != nil {
		return nil, err
	}
	var av types.AttributeValue
	o.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil || isNull(v) {
			return
		}
		switch string(k) {
		case "S", "N":
			var s []byte
			if s, err = v.StringBytes(); err == nil {
				if string(k) == "S" {
					av = &types.AttributeValueMemberS{Value: string(s)}
				} else {
					av = &types.AttributeValueMemberN{Value: string(s)}
				}
			}
		case "B":
			var s []byte
			if s, err = v.StringBytes(); err == nil {
				var raw []byte
				if raw, err = base64.StdEncoding.AppendDecode(nil, s); err == nil {
					av = &types.AttributeValueMemberB{Value: raw}
				}
			}
		case "BOOL", "NULL", "SS", "NS", "BS", "L", "M":
			err = errors.New("a key attribute must be of type S, N or B, not " + string(k))
		default:
			err = fmt.Errorf("attribute value of unknown type %q; upgrade this source", k)
		}
	})
	return av, err
}
