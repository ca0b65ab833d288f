package document

import (
	"encoding/base64"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynamodb-source/dynamodb-source/internal/event/v1json"
)

// Attribute values as plain JSON, written straight from the wire's.

// item reads an item, a key or an M value and writes it as an object of
// plain values, members in the wire's order. When keys is not nil, its S,
// N and B attributes go in it too, for the light record.
func (r *renderer) item(keys map[string]types.AttributeValue) {
	s := r.s
	r.buf = append(r.buf, '{')
	first := true
	s.Object(func(name []byte) {
		if !first {
			r.buf = append(r.buf, ',')
		}
		first = false
		r.buf = v1json.AppendStringBytes(r.buf, name)
		r.buf = append(r.buf, ':')
		if keys == nil {
			r.value(nil)
			return
		}
		var key types.AttributeValue
		n := string(name)
		r.value(&key)
		if key != nil {
			keys[n] = key
		}
	})
	r.buf = append(r.buf, '}')
}

// value reads one attribute value and writes it as plain JSON; key, when
// not nil, receives it as the SDK's type if it is S, N or B.
func (r *renderer) value(key *types.AttributeValue) {
	s := r.s
	if s.Null() {
		r.refuse(errNoType)
		r.buf = append(r.buf, "null"...)
		return
	}
	n := 0
	s.Object(func(typ []byte) {
		if n++; n > 1 {
			r.refuse(errTwoTypes)
			s.Skip()
			return
		}
		switch string(typ) {
		case "S":
			v := s.Str()
			if key != nil {
				*key = &types.AttributeValueMemberS{Value: string(v)}
			}
			r.buf = v1json.AppendStringBytes(r.buf, v)
		case "N":
			v := s.Str()
			if key != nil {
				*key = &types.AttributeValueMemberN{Value: string(v)}
			}
			r.number(v)
		case "B":
			raw := r.binary()
			if key != nil && raw != nil {
				*key = &types.AttributeValueMemberB{Value: append([]byte(nil), raw...)}
			}
		case "BOOL":
			if s.Boolean() {
				r.buf = append(r.buf, "true"...)
			} else {
				r.buf = append(r.buf, "false"...)
			}
		case "NULL":
			s.Boolean()
			r.buf = append(r.buf, "null"...)
		case "M":
			r.item(nil)
		case "L":
			r.list(func() { r.value(nil) })
		case "SS":
			r.list(func() { r.buf = v1json.AppendStringBytes(r.buf, s.Str()) })
		case "NS":
			r.list(func() { r.number(s.Str()) })
		case "BS":
			r.list(func() { r.binary() })
		default:
			r.refuse(fmt.Errorf("attribute value of unknown type %q; upgrade this source", typ))
			s.Skip()
			r.buf = append(r.buf, "null"...)
		}
	})
	if n == 0 {
		r.refuse(errNoType)
		r.buf = append(r.buf, "null"...)
	}
}

func (r *renderer) list(item func()) {
	r.buf = append(r.buf, '[')
	first := true
	r.s.Array(func() {
		if !first {
			r.buf = append(r.buf, ',')
		}
		first = false
		item()
	})
	r.buf = append(r.buf, ']')
}

// number writes an N literal as a JSON number, exactly as it is; one that
// is not a JSON number refuses the record.
func (r *renderer) number(v []byte) {
	if !v1json.IsJSONNumber(v) {
		r.refuse(errNotNumber)
		r.buf = append(r.buf, "null"...)
		return
	}
	r.buf = append(r.buf, v...)
}

// binary reads a B value, writes it as standard padded base64 and returns
// its bytes (scratch, valid until the next binary), nil if it is not
// base64.
func (r *renderer) binary() []byte {
	v := r.s.Str()
	var err error
	r.bin, err = base64.StdEncoding.AppendDecode(r.bin[:0], v)
	if err != nil {
		r.s.Fail("B: %v", err)
		return nil
	}
	r.buf = append(r.buf, '"')
	r.buf = base64.StdEncoding.AppendEncode(r.buf, r.bin)
	r.buf = append(r.buf, '"')
	return r.bin
}
