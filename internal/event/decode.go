package event

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/tidwall/gjson"
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
	if !gjson.ValidBytes(body) {
		return Page{}, errors.New("decoding GetRecords: the answer is not valid JSON")
	}
	// One copy of the page as a string: the values read from it are
	// substrings of it, and what outlives this call is cloned from them.
	root := gjson.Parse(string(body))
	if isNull(root) {
		return Page{}, nil
	}
	if !root.IsObject() {
		return Page{}, fmt.Errorf("decoding GetRecords: the answer is a %s, not an object", kind(root))
	}
	var (
		page Page
		recs []gjson.Result
		err  error
	)
	root.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "NextShardIterator":
			if page.NextShardIterator, err = optString(v); err != nil {
				err = fmt.Errorf("NextShardIterator: %w", err)
			}
		case "Records":
			switch {
			case isNull(v):
				recs = nil
			case v.IsArray():
				recs = v.Array()
			default:
				err = fmt.Errorf("Records: a %s, not a list", kind(v))
			}
		}
		return err == nil
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

// fields collects the members of a JSON object that are named in names,
// into the result at the same index; a name given twice keeps its last
// value, as SDK v1's decoder does. Other members are ignored.
func fields(v gjson.Result, names []string, into []gjson.Result) error {
	if !v.IsObject() {
		return fmt.Errorf("a %s, not an object", kind(v))
	}
	v.ForEach(func(k, v gjson.Result) bool {
		for i, name := range names {
			if k.Str == name {
				into[i] = v
				break
			}
		}
		return true
	})
	return nil
}

// A record's wire fields, in the order SDK v1 writes them.
var recordNames = [...]string{"awsRegion", "dynamodb", "eventID", "eventName", "eventSource", "eventVersion", "userIdentity"}

const (
	fAwsRegion = iota
	fDynamodb
	fEventID
	fEventName
	fEventSource
	fEventVersion
	fUserIdentity
)

func decodeRecord(b []byte, v gjson.Result, rec *types.Record) ([]byte, error) {
	var f [len(recordNames)]gjson.Result
	if err := fields(v, recordNames[:], f[:]); err != nil {
		return b, err
	}
	var err error
	if rec.EventID, err = optString(f[fEventID]); err != nil {
		return b, fmt.Errorf("eventID: %w", err)
	}
	if name, err := optString(f[fEventName]); err != nil {
		return b, fmt.Errorf("eventName: %w", err)
	} else if name != nil {
		rec.EventName = types.OperationType(*name)
	}

	b = append(b, `{"AwsRegion":`...)
	if b, err = appendJSONString(b, f[fAwsRegion]); err != nil {
		return b, fmt.Errorf("awsRegion: %w", err)
	}
	b = append(b, `,"Dynamodb":`...)
	if isNull(f[fDynamodb]) {
		b = append(b, "null"...)
	} else {
		rec.Dynamodb = &types.StreamRecord{}
		if b, err = decodeStreamRecord(b, f[fDynamodb], rec.Dynamodb); err != nil {
			return b, fmt.Errorf("dynamodb: %w", err)
		}
	}
	b = append(b, `,"EventID":`...)
	b = appendStringPtr(b, rec.EventID)
	b = append(b, `,"EventName":`...)
	b, _ = appendJSONString(b, f[fEventName]) // a string: optString said so
	b = append(b, `,"EventSource":`...)
	if b, err = appendJSONString(b, f[fEventSource]); err != nil {
		return b, fmt.Errorf("eventSource: %w", err)
	}
	b = append(b, `,"EventVersion":`...)
	if b, err = appendJSONString(b, f[fEventVersion]); err != nil {
		return b, fmt.Errorf("eventVersion: %w", err)
	}
	b = append(b, `,"UserIdentity":`...)
	if isNull(f[fUserIdentity]) {
		return append(b, "null}"...), nil
	}
	// The API's member names, capitalised, as both SDKs read them (Lambda's
	// event format spells them principalId and type).
	var id [2]gjson.Result
	if err := fields(f[fUserIdentity], []string{"PrincipalId", "Type"}, id[:]); err != nil {
		return b, fmt.Errorf("userIdentity: %w", err)
	}
	b = append(b, `{"PrincipalId":`...)
	if b, err = appendJSONString(b, id[0]); err != nil {
		return b, fmt.Errorf("userIdentity.PrincipalId: %w", err)
	}
	b = append(b, `,"Type":`...)
	if b, err = appendJSONString(b, id[1]); err != nil {
		return b, fmt.Errorf("userIdentity.Type: %w", err)
	}
	return append(b, "}}"...), nil
}

// A stream record's wire fields, in the order SDK v1 writes them.
var streamRecordNames = [...]string{"ApproximateCreationDateTime", "Keys", "NewImage", "OldImage", "SequenceNumber", "SizeBytes", "StreamViewType"}

const (
	fCreated = iota
	fKeys
	fNewImage
	fOldImage
	fSequenceNumber
	fSizeBytes
	fStreamViewType
)

func decodeStreamRecord(b []byte, v gjson.Result, sr *types.StreamRecord) ([]byte, error) {
	var f [len(streamRecordNames)]gjson.Result
	if err := fields(v, streamRecordNames[:], f[:]); err != nil {
		return b, err
	}
	var err error
	b = append(b, `{"ApproximateCreationDateTime":`...)
	if isNull(f[fCreated]) {
		b = append(b, "null"...)
	} else {
		t, err := epochMillis(f[fCreated])
		if err != nil {
			return b, fmt.Errorf("ApproximateCreationDateTime: %w", err)
		}
		sr.ApproximateCreationDateTime = &t
		if b, err = appendTime(b, t); err != nil {
			return b, err
		}
	}
	b = append(b, `,"Keys":`...)
	if b, err = appendWireMap(b, f[fKeys]); err != nil {
		return b, fmt.Errorf("Keys: %w", err)
	}
	if !isNull(f[fKeys]) {
		// The light record keeps the key, for the event's subject.
		if sr.Keys, err = decodeKeys(f[fKeys]); err != nil {
			return b, fmt.Errorf("Keys: %w", err)
		}
	}
	b = append(b, `,"NewImage":`...)
	if b, err = appendWireMap(b, f[fNewImage]); err != nil {
		return b, fmt.Errorf("NewImage: %w", err)
	}
	b = append(b, `,"OldImage":`...)
	if b, err = appendWireMap(b, f[fOldImage]); err != nil {
		return b, fmt.Errorf("OldImage: %w", err)
	}
	if sr.SequenceNumber, err = optString(f[fSequenceNumber]); err != nil {
		return b, fmt.Errorf("SequenceNumber: %w", err)
	}
	b = append(b, `,"SequenceNumber":`...)
	b = appendStringPtr(b, sr.SequenceNumber)
	b = append(b, `,"SizeBytes":`...)
	if size := f[fSizeBytes]; isNull(size) {
		b = append(b, "null"...)
	} else {
		// SDK v1 reads an integer through float64 and truncates it.
		if size.Type != gjson.Number {
			return b, fmt.Errorf("SizeBytes: a %s, not a number", kind(size))
		}
		f, err := strconv.ParseFloat(size.Raw, 64)
		if err != nil {
			return b, fmt.Errorf("SizeBytes: %w", err)
		}
		n := int64(f)
		sr.SizeBytes = &n
		b = strconv.AppendInt(b, n, 10)
	}
	view, err := optString(f[fStreamViewType])
	if err != nil {
		return b, fmt.Errorf("StreamViewType: %w", err)
	}
	if view != nil {
		sr.StreamViewType = types.StreamViewType(*view)
	}
	b = append(b, `,"StreamViewType":`...)
	b, _ = appendJSONString(b, f[fStreamViewType]) // a string: optString said so
	return append(b, '}'), nil
}

// epochMillis reads ApproximateCreationDateTime (epoch seconds, maybe with a
// fraction or an exponent) as SDK v1 does: the exact decimal value times
// 1,000, truncated to whole milliseconds, in UTC.
func epochMillis(v gjson.Result) (time.Time, error) {
	if v.Type != gjson.Number {
		return time.Time{}, fmt.Errorf("a %s, not a number", kind(v))
	}
	raw := v.Raw // the number's text as it is on the wire
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

// avIndex maps an attribute value member name to its index in avFields,
// or -1.
func avIndex(name string) int {
	switch name {
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
func appendWireMap(b []byte, v gjson.Result) ([]byte, error) {
	if isNull(v) {
		return append(b, "null"...), nil
	}
	if !v.IsObject() {
		return b, fmt.Errorf("a %s, not an object", kind(v))
	}
	type entry struct {
		name string
		v    gjson.Result
	}
	var small [16]entry
	entries := small[:0]
	v.ForEach(func(k, v gjson.Result) bool {
		entries = append(entries, entry{decodedString(k.Str), v})
		return true
	})
	// Stable, so that of a name given twice the last one is kept, as in the
	// Go map SDK v1 decodes into.
	slices.SortStableFunc(entries, func(x, y entry) int { return strings.Compare(x.name, y.name) })
	b = append(b, '{')
	first := true
	var err error
	for i, e := range entries {
		if i+1 < len(entries) && entries[i+1].name == e.name {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, e.name)
		b = append(b, ':')
		if b, err = appendWireValue(b, e.v); err != nil {
			return b, fmt.Errorf("%q: %w", e.name, err)
		}
	}
	return append(b, '}'), nil
}

// appendWireValue writes one attribute value from the wire as SDK v1's
// dynamodb.AttributeValue: all ten fields, null but for those the wire set.
func appendWireValue(b []byte, v gjson.Result) ([]byte, error) {
	if isNull(v) {
		return append(b, "null"...), nil
	}
	if !v.IsObject() {
		return b, fmt.Errorf("a %s, not an object", kind(v))
	}
	var (
		m       [len(avFields)]gjson.Result
		unknown string
	)
	v.ForEach(func(k, v gjson.Result) bool {
		if i := avIndex(k.Str); i >= 0 {
			m[i] = v // the last of a name given twice, as SDK v1 keeps it
		} else {
			unknown = k.Str
		}
		return true
	})
	if unknown != "" {
		// SDK v1 would drop it and deliver a value of all nulls, which a
		// consumer can't tell from corruption; Convert refuses it too.
		return b, fmt.Errorf("attribute value of unknown type %q; upgrade this source", unknown)
	}
	only, n := 0, 0
	for i := range m {
		if !isNull(m[i]) {
			only, n = i, n+1
		}
	}
	var err error
	if n == 1 {
		// The usual case: one member, between its precomputed neighbours.
		b = append(b, avPrefix[only]...)
		if b, err = appendMember(b, only, m[only]); err != nil {
			return b, err
		}
		return append(b, avSuffix[only]...), nil
	}
	b = append(b, '{')
	for i := range m {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, avFields[i]...)
		b = append(b, `":`...)
		if isNull(m[i]) {
			b = append(b, "null"...)
		} else if b, err = appendMember(b, i, m[i]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendMember writes the value of member i of an attribute value.
func appendMember(b []byte, i int, v gjson.Result) ([]byte, error) {
	var err error
	switch i {
	case avS, avN:
		b, err = appendJSONString(b, v)
	case avB:
		b, err = appendWireBase64(b, v)
	case avBOOL, avNULL:
		if v.Type != gjson.True && v.Type != gjson.False {
			err = fmt.Errorf("a %s, not a boolean", kind(v))
			break
		}
		b = strconv.AppendBool(b, v.Type == gjson.True)
	case avM:
		b, err = appendWireMap(b, v)
	default: // SS, NS, BS, L
		if !v.IsArray() {
			err = fmt.Errorf("a %s, not a list", kind(v))
			break
		}
		b = append(b, '[')
		j := 0
		v.ForEach(func(_, item gjson.Result) bool {
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
				err = fmt.Errorf("[%d]: %w", j, err)
				return false
			}
			j++
			return true
		})
		b = append(b, ']')
	}
	if err != nil {
		return b, fmt.Errorf("%s: %w", avFields[i], err)
	}
	return b, nil
}

// appendWireBase64 writes a B value as SDK v1 does: decoded from the wire's
// base64, and encoded again, padded.
func appendWireBase64(b []byte, v gjson.Result) ([]byte, error) {
	if v.Type != gjson.String {
		return b, fmt.Errorf("a %s, not a base64 string", kind(v))
	}
	raw, err := base64.StdEncoding.AppendDecode(nil, []byte(v.Str))
	if err != nil {
		return b, err
	}
	return appendBase64(b, raw), nil
}

// appendJSONString writes a string field: null when absent, otherwise the
// decoded string escaped as encoding/json does.
func appendJSONString(b []byte, v gjson.Result) ([]byte, error) {
	if isNull(v) {
		return append(b, "null"...), nil
	}
	if v.Type != gjson.String {
		return b, fmt.Errorf("a %s, not a string", kind(v))
	}
	return appendDecodedString(b, v.Str), nil
}

// optString reads a string field that may be absent.
func optString(v gjson.Result) (*string, error) {
	if isNull(v) {
		return nil, nil
	}
	if v.Type != gjson.String {
		return nil, fmt.Errorf("a %s, not a string", kind(v))
	}
	s := decodedString(v.Str)
	return &s, nil
}

// decodedString is s as json.Unmarshal makes it a Go string (each byte that
// is not UTF-8 becomes U+FFFD), in memory of its own: s is part of the
// whole page, which must not stay in memory for as long as one of its
// records does.
func decodedString(s string) string {
	if utf8.ValidString(s) {
		return strings.Clone(s)
	}
	b := make([]byte, 0, len(s)+8)
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[:size]...)
		}
		s = s[size:]
	}
	return string(b)
}

// isNull reports whether v is absent or JSON null.
func isNull(v gjson.Result) bool { return v.Type == gjson.Null }

// kind names the JSON type of v, for errors.
func kind(v gjson.Result) string {
	switch {
	case v.IsObject():
		return "object"
	case v.IsArray():
		return "list"
	case v.Type == gjson.True || v.Type == gjson.False:
		return "boolean"
	case v.Type == gjson.Number:
		return "number"
	case v.Type == gjson.String:
		return "string"
	}
	return "null"
}

// decodeKeys decodes a record's Keys into the SDK's types, for Subject. Key
// attributes are S, N or B.
func decodeKeys(v gjson.Result) (map[string]types.AttributeValue, error) {
	if !v.IsObject() {
		return nil, fmt.Errorf("a %s, not an object", kind(v))
	}
	keys := make(map[string]types.AttributeValue, 2)
	var err error
	v.ForEach(func(k, v gjson.Result) bool {
		var av types.AttributeValue
		if av, err = decodeKey(v); err == nil && av != nil {
			keys[decodedString(k.Str)] = av
		}
		return err == nil
	})
	return keys, err
}

func decodeKey(v gjson.Result) (types.AttributeValue, error) {
	if isNull(v) {
		return nil, nil
	}
	if !v.IsObject() {
		return nil, fmt.Errorf("a %s, not an object", kind(v))
	}
	var (
		av  types.AttributeValue
		err error
	)
	v.ForEach(func(k, v gjson.Result) bool {
		if isNull(v) {
			return true
		}
		switch k.Str {
		case "S", "N", "B":
			if v.Type != gjson.String {
				err = fmt.Errorf("%s: a %s, not a string", k.Str, kind(v))
				break
			}
			switch k.Str {
			case "S":
				av = &types.AttributeValueMemberS{Value: decodedString(v.Str)}
			case "N":
				av = &types.AttributeValueMemberN{Value: decodedString(v.Str)}
			default:
				var raw []byte
				if raw, err = base64.StdEncoding.AppendDecode(nil, []byte(v.Str)); err == nil {
					av = &types.AttributeValueMemberB{Value: raw}
				}
			}
		case "BOOL", "NULL", "SS", "NS", "BS", "L", "M":
			err = errors.New("a key attribute is of type S, N or B, not " + k.Str)
		default:
			err = fmt.Errorf("attribute value of unknown type %q; upgrade this source", k.Str)
		}
		return err == nil
	})
	return av, err
}
