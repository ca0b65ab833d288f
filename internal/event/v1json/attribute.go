package v1json

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Rendering items, keys and attribute values as SDK v1 writes its
// map[string]*AttributeValue and dynamodb.AttributeValue.

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
			// a consumer can't tell from corruption; the oracle refuses it too.
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
