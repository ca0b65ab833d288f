package event

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
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
	// Errs, when not nil, says why a record has no data (Data[i] nil): an
	// attribute value of a type this source does not know. The rest of the
	// page is read; such a record is for the caller to skip and report, as
	// Convert's errors are, so that it does not hold the shard up.
	Errs []error
}

// DecodeGetRecords decodes the body of a successful GetRecords answer (the
// DynamoDB Streams JSON wire format) and renders each record's event data
// straight from it, the way TriggerMesh's SDK v1 did (see encode.go): one
// pass over the JSON (scan.go), instead of building the SDK's typed records
// with a map per image and an interface value per attribute, and then
// walking them again to write the data. Those two were a third of the
// source's CPU per event, and their maps most of a page's memory
// (docs/benchmarks.md).
//
// It follows SDK v1's decoder where the wire allows a choice: field names
// match exactly, a field given twice keeps its last value, unknown fields
// are ignored, JSON null is an absent value, timestamps are epoch seconds
// cut to the millisecond. Unlike SDK v1, which would write an attribute
// value of a type it does not know as all nulls, it leaves such a record's
// data out and says why in Errs, as Convert refuses one; the rest of the
// page is decoded. An answer that is not JSON, or not the shape of a
// GetRecords answer, is an error. decode_test.go holds the output byte for
// byte against SDK v1's.
func DecodeGetRecords(body []byte) (Page, error) {
	d := decoders.Get().(*decoder)
	d.s = scanner{data: body, keyBuf: d.s.keyBuf[:0], strBuf: d.s.strBuf[:0]}
	d.inRecord = false
	defer func() {
		d.s.data = nil // the body is the caller's
		// A page of outsized items (DynamoDB allows 400 KB each) does not
		// keep its scratch for good.
		if cap(d.out) <= 1<<20 {
			decoders.Put(d)
		}
	}()
	var (
		page Page
		a    arena
	)
	if d.s.next() == 0 || d.s.null() {
		return Page{}, nil // as the SDK takes an empty answer
	}
	d.s.object(func(key []byte) {
		switch string(key) {
		case "NextShardIterator":
			page.NextShardIterator = d.optString()
		case "Records":
			if d.s.null() {
				page.Records, page.Data = nil, nil
				return
			}
			page.Records, page.Data = page.Records[:0], page.Data[:0]
			d.s.array(func() {
				page.Records = append(page.Records, types.Record{})
				rec := &page.Records[len(page.Records)-1]
				d.inRecord, d.recErr = true, nil
				d.out = d.record(d.out[:0], rec)
				if d.s.err != nil {
					return
				}
				d.inRecord = false
				if d.recErr != nil && page.Errs == nil {
					page.Errs = make([]error, len(page.Records)-1, cap(page.Records))
				}
				if page.Errs != nil {
					page.Errs = append(page.Errs, d.recErr)
				}
				var data []byte
				if d.recErr == nil {
					data = a.copy(d.out)
				}
				page.Data = append(page.Data, data)
			})
		default:
			d.s.skip()
		}
	})
	d.s.end()
	if err := d.s.err; err != nil {
		if d.inRecord {
			n := len(page.Records) - 1
			id := "#" + strconv.Itoa(n)
			if eid := page.Records[n].EventID; eid != nil {
				id = *eid + " (" + id + ")"
			}
			return Page{}, fmt.Errorf("decoding GetRecords: record %s: %w", id, err)
		}
		return Page{}, fmt.Errorf("decoding GetRecords: %w", err)
	}
	return page, nil
}

// decoders keeps decoders and their scratch from page to page.
var decoders = sync.Pool{New: func() any { return new(decoder) }}

// decoder renders records from a scanner. Members that SDK v1 writes in
// another order than the wire's are rendered into scratch buffers first,
// one per level of nesting, reused from record to record.
type decoder struct {
	s   scanner
	out []byte
	// inRecord says that the scan is inside a record, for errors.
	inRecord bool
	// recErr is why the record being read can't have its data written.
	recErr error
	// levels[i] is the scratch of the maps and attribute values at
	// nesting level i; pointers, so that a level's address holds while
	// deeper ones are added.
	levels []*level
}

type level struct {
	buf     []byte
	entries []entry
}

// entry is a member rendered into a level's buf.
type entry struct {
	name       []byte
	start, end int
}

func (d *decoder) level(i int) *level {
	for len(d.levels) <= i {
		d.levels = append(d.levels, new(level))
	}
	return d.levels[i]
}

// optString reads a string that may be null, as a string of its own.
func (d *decoder) optString() *string {
	if d.s.null() {
		return nil
	}
	v := string(d.s.str())
	return &v
}

// jsonString reads a string that may be null and writes it as
// encoding/json writes the Go string SDK v1 decoded.
func (d *decoder) jsonString(b []byte) []byte {
	if d.s.null() {
		return append(b, "null"...)
	}
	v := d.s.str()
	if d.s.err != nil {
		return b
	}
	return appendString(b, transient(v))
}

// transient is b as a string without a copy, for a string that is used at
// once and not kept: b changes afterwards.
func transient(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// enum reads a string that may be null and returns it, as one of known
// when it is one of them, without allocating.
func (d *decoder) enum(known []string) *string {
	if d.s.null() {
		return nil
	}
	v := d.s.str()
	for i := range known {
		if known[i] == transient(v) {
			return &known[i]
		}
	}
	str := string(v)
	return &str
}

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

type span struct{ start, end int }

// render appends what fn writes to the level's scratch and notes where it
// went in *into.
func (lv *level) render(into *span, fn func([]byte) []byte) {
	start := len(lv.buf)
	lv.buf = fn(lv.buf)
	*into = span{start, len(lv.buf)}
}

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
			lv.render(&f[6], d.identity)
		default:
			d.s.skip()
		}
	})
	return writeStruct(b, recordNames[:], f[:], lv.buf)
}

// identity renders a userIdentity. Its members are read with the API's
// names, capitalised, as both SDKs read them (Lambda's event format spells
// them principalId and type).
func (d *decoder) identity(b []byte) []byte {
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

// wireMap reads an item, a key or an M value and writes it as SDK v1 writes
// its map[string]*AttributeValue: null when absent, entries sorted by name;
// of a name given twice the last is kept, as in the Go map SDK v1 decodes
// into. depth is the nesting level whose scratch holds the entries.
func (d *decoder) wireMap(b []byte, depth int) []byte {
	if d.s.null() {
		return append(b, "null"...)
	}
	lv := d.level(depth)
	bufStart, entStart := len(lv.buf), len(lv.entries)
	d.s.object(func(key []byte) {
		name := key
		if d.s.keyCopied {
			name = slices.Clone(key) // the scanner's buffer is reused
		}
		start := len(lv.buf)
		lv.buf = d.wireValue(lv.buf, depth+1)
		lv.entries = append(lv.entries, entry{name, start, len(lv.buf)})
	})
	ents := lv.entries[entStart:]
	slices.SortStableFunc(ents, func(x, y entry) int { return bytes.Compare(x.name, y.name) })
	b = append(b, '{')
	first := true
	for i, e := range ents {
		if i+1 < len(ents) && bytes.Equal(ents[i+1].name, e.name) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, transient(e.name))
		b = append(b, ':')
		b = append(b, lv.buf[e.start:e.end]...)
	}
	lv.buf, lv.entries = lv.buf[:bufStart], lv.entries[:entStart]
	return append(b, '}')
}

// wireValue reads one attribute value and writes it as SDK v1's
// dynamodb.AttributeValue: all ten fields, null but for those the wire set.
func (d *decoder) wireValue(b []byte, depth int) []byte {
	if d.s.null() {
		return append(b, "null"...)
	}
	lv := d.level(depth)
	bufStart := len(lv.buf)
	var m [len(avFields)]span
	d.s.object(func(key []byte) {
		i := avIndex(key)
		if i < 0 {
			// SDK v1 would drop it and deliver a value of all nulls, which
			// a consumer can't tell from corruption; Convert refuses it too.
			// The record is refused, not the page.
			if d.recErr == nil {
				d.recErr = fmt.Errorf("attribute value of unknown type %q; upgrade this source", key)
			}
			d.s.skip()
			return
		}
		m[i] = span{} // the last of a name given twice, as SDK v1 keeps it
		if d.s.null() {
			return
		}
		start := len(lv.buf)
		lv.buf = d.member(lv.buf, i, depth+1)
		m[i] = span{start, len(lv.buf)}
	})
	only, n := 0, 0
	for i := range m {
		if m[i].end != 0 {
			only, n = i, n+1
		}
	}
	if n == 1 {
		// The usual case: one member, between its precomputed neighbours.
		b = append(b, avPrefix[only]...)
		b = append(b, lv.buf[m[only].start:m[only].end]...)
		b = append(b, avSuffix[only]...)
	} else {
		b = writeStruct(b, avFields[:], m[:], lv.buf)
	}
	lv.buf = lv.buf[:bufStart]
	return b
}

// member reads the value of member i of an attribute value and writes it.
func (d *decoder) member(b []byte, i, depth int) []byte {
	switch i {
	case avS, avN:
		return d.jsonString(b)
	case avB:
		return d.base64(b)
	case avBOOL, avNULL:
		return strconv.AppendBool(b, d.s.boolean())
	case avM:
		return d.wireMap(b, depth)
	}
	// SS, NS, BS, L
	b = append(b, '[')
	first := true
	d.s.array(func() {
		if !first {
			b = append(b, ',')
		}
		first = false
		switch {
		case d.s.null():
			b = append(b, "null"...)
		case i == avL:
			b = d.wireValue(b, depth)
		case i == avBS:
			b = d.base64(b)
		default:
			b = d.jsonString(b)
		}
	})
	return append(b, ']')
}

// base64 reads a B value and writes it as SDK v1 does: decoded from the
// wire's base64, and encoded again, padded.
func (d *decoder) base64(b []byte) []byte {
	v := d.s.str()
	if d.s.err != nil {
		return b
	}
	raw, err := base64.StdEncoding.AppendDecode(nil, v)
	if err != nil {
		d.s.fail("B: %v", err)
		return b
	}
	return appendBase64(b, raw)
}

// keys decodes a record's Keys, already checked by wireMap, into the SDK's
// types for Subject. Key attributes are S, N or B; other members are left
// out.
func (d *decoder) keys(text []byte) map[string]types.AttributeValue {
	s := scanner{data: text}
	keys := make(map[string]types.AttributeValue, 2)
	s.object(func(key []byte) {
		name := string(key)
		s.object(func(member []byte) {
			if s.null() {
				return
			}
			switch string(member) {
			case "S":
				keys[name] = &types.AttributeValueMemberS{Value: string(s.str())}
			case "N":
				keys[name] = &types.AttributeValueMemberN{Value: string(s.str())}
			case "B":
				raw, err := base64.StdEncoding.AppendDecode(nil, s.str())
				if err == nil {
					keys[name] = &types.AttributeValueMemberB{Value: raw}
				}
			default:
				s.skip()
			}
		})
	})
	return keys
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

// epochMillis reads ApproximateCreationDateTime (epoch seconds, maybe with a
// fraction or an exponent) as SDK v1 does: the exact decimal value times
// 1,000, truncated to whole milliseconds, in UTC.
func epochMillis(raw string) (time.Time, error) {
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
		if ms > (1<<62)/10 {
			return 0, false
		}
		ms *= 10
	}
	return ms, len(raw) > 0
}

// avIndex maps an attribute value member name to its index in avFields,
// or -1.
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
