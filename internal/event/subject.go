package event

import (
	"encoding/base64"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Subject renders the primary key of a stream record as the event subject:
// key attributes sorted by name, each written name=value, joined with ",",
// e.g. "pk=user#1,sk=2024". A value is the scalar's string form: S as is, N as
// DynamoDB's decimal string, B as standard padded base64. In names and values
// "\", "," and "=" are escaped as "\\", "\," and "\="; control characters
// (U+0000–U+001F, U+007F) are written \xHH; a whitespace character that
// would open or close the subject is written as \xHH escapes of its UTF-8
// bytes (a space becomes \x20). Reading rules back: split on unescaped ",",
// then on the first unescaped "=", then undo the escapes (\xHH is a byte,
// a backslash before any other character stands for that character).
//
// Sorting makes the subject stable across deliveries (TriggerMesh emitted the
// key names in random map order), escaping makes it unambiguous for any key
// content, and the control/space escapes keep it intact through the
// CloudEvents SDK (which trims the subject) and HTTP binary mode (which trims
// header values and can't carry control characters). A key attribute can only
// be S, N or B in DynamoDB; any other type, which no stream record carries,
// renders as an empty value rather than failing the event. Subject returns ""
// for a record without keys.
func Subject(keys map[string]types.AttributeValue) string {
	if len(keys) == 0 {
		return ""
	}
	// A table key has one or two attributes: keep the common case off the heap.
	var namesArr [2]string
	names := namesArr[:0]
	for k := range keys {
		names = append(names, k)
	}
	slices.Sort(names)

	var bufArr [128]byte
	b := bufArr[:0]
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendSubjectPart(b, name)
		b = append(b, '=')
		switch v := keys[name].(type) {
		case *types.AttributeValueMemberS:
			if v != nil {
				b = appendSubjectPart(b, v.Value)
			}
		case *types.AttributeValueMemberN:
			if v != nil {
				b = appendSubjectPart(b, v.Value)
			}
		case *types.AttributeValueMemberB:
			// Base64 never contains a character that needs escaping.
			if v != nil {
				b = base64.StdEncoding.AppendEncode(b, v.Value)
			}
		}
	}

	// Whitespace at either edge would be lost to strings.TrimSpace in the
	// CloudEvents SDK and to header trimming in HTTP. Inner escapes never
	// start or end with whitespace, so an edge whitespace rune is literal.
	if r, size := utf8.DecodeLastRune(b); unicode.IsSpace(r) {
		var tail [utf8.UTFMax]byte
		n := copy(tail[:], b[len(b)-size:])
		b = appendHexEscapes(b[:len(b)-size], tail[:n])
	}
	if r, size := utf8.DecodeRune(b); unicode.IsSpace(r) {
		var head [4 * utf8.UTFMax]byte
		return string(appendHexEscapes(head[:0], b[:size])) + string(b[size:])
	}
	return string(b)
}

// appendHexEscapes writes each byte of p as \xHH.
func appendHexEscapes(b, p []byte) []byte {
	for _, c := range p {
		b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xF])
	}
	return b
}

// appendSubjectPart writes one key name or value with the escapes described
// on Subject.
func appendSubjectPart(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == ',' || c == '=':
			b = append(b, s[start:i]...)
			b = append(b, '\\', c)
			start = i + 1
		case c < 0x20 || c == 0x7f:
			b = append(b, s[start:i]...)
			b = appendHexEscapes(b, []byte{c})
			start = i + 1
		}
	}
	return append(b, s[start:]...)
}

const hexDigits = "0123456789abcdef"
