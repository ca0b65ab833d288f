package v1json

import (
	"encoding/base64"
	"unicode/utf8"
)

// The JSON writing shared by the renderers: the attribute value's ten
// fields, strings, binaries. See doc.go for the contract they keep.

// avFields are the fields of the SDK v1 dynamodb.AttributeValue struct in
// declaration order. encoding/json writes all ten for every attribute value,
// with null for all but the one that is set.
var avFields = [...]string{"B", "BOOL", "BS", "L", "M", "N", "NS", "NULL", "S", "SS"}

// Indexes into avFields, named so that the encoder reads like the union.
const (
	avB = iota
	avBOOL
	avBS
	avL
	avM
	avN
	avNS
	avNULL
	avS
	avSS
)

// avPrefix[i] is everything an SDK v1 attribute value writes before the value
// of field i, and avSuffix[i] everything after it; precomputing them turns
// the nine null fields into two copies.
var avPrefix, avSuffix [len(avFields)]string

func init() {
	for i, name := range avFields {
		var pre, suf []byte
		pre = append(pre, '{')
		for _, f := range avFields[:i] {
			pre = append(pre, `"`+f+`":null,`...)
		}
		pre = append(pre, `"`+name+`":`...)
		for _, f := range avFields[i+1:] {
			suf = append(suf, `,"`+f+`":null`...)
		}
		suf = append(suf, '}')
		avPrefix[i], avSuffix[i] = string(pre), string(suf)
	}
}

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendBase64 writes a []byte value the way encoding/json does. nil is
// written as "" (not null): a B or BS member on the wire is never null in
// what SDK v1 decodes.
func appendBase64(b []byte, p []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, p)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// htmlSafe[c] reports whether ASCII byte c is written as is inside a JSON
// string by json.Marshal (which escapes HTML's <, > and &).
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString writes s as a JSON string exactly as json.Marshal does:
// short escapes for \b \f \n \r \t, \u00XX for other control characters and
// for <, > and &, \ufffd for each invalid UTF-8 byte, and \u2028/\u2029
// escaped. Mirrors appendString in the standard library's encoding/json.
// It differs from internal/delivery's appendJSONString on purpose: this one
// must match json.Marshal (HTML-safe, as TriggerMesh's data was), that one
// the CloudEvents SDK's jsoniter writer (no HTML escaping) for the envelope.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
