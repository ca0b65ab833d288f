package v1json

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// What the other data shapes (internal/event/lambda, internal/event/document)
// share with this one: the one-pass scanner, the page loop (DecodeWith), the
// light record's key, the wire's dates and json.Marshal's string escaping.

// Scanner reads the GetRecords answer for a RenderRecord, in one pass; the
// first error stops it (every method then does nothing) and fails the page.
// Strings and keys it returns are valid until the next call that reads one.
type Scanner struct{ s scanner }

// Next skips white space and returns the next byte without consuming it, or
// 0 at the end or after an error.
func (s *Scanner) Next() byte { return s.s.next() }

// Null consumes a null and reports whether there was one.
func (s *Scanner) Null() bool { return s.s.null() }

// Object reads an object, calling member with each key; member must read
// the value.
func (s *Scanner) Object(member func(key []byte)) { s.s.object(member) }

// Array reads an array, calling item to read each element.
func (s *Scanner) Array(item func()) { s.s.array(item) }

// Str reads a string value, decoded as encoding/json decodes it.
func (s *Scanner) Str() []byte { return s.s.str() }

// Number reads a number and returns its text.
func (s *Scanner) Number() []byte { return s.s.number() }

// Boolean reads true or false.
func (s *Scanner) Boolean() bool { return s.s.boolean() }

// Skip reads any value and throws it away.
func (s *Scanner) Skip() { s.s.skip() }

// Raw reads any value, checked, and returns its JSON text as it is in the
// answer (valid until the answer is reused: copy it before the page ends).
func (s *Scanner) Raw() []byte {
	s.s.next()
	start := s.s.pos
	s.s.skip()
	if s.s.err != nil {
		return nil
	}
	return s.s.data[start:s.s.pos]
}

// Fail stops the scan with an error at the current position.
func (s *Scanner) Fail(format string, args ...any) { s.s.fail(format, args...) }

// Err is the scan's first error.
func (s *Scanner) Err() error { return s.s.err }

// Keys decodes a record's Keys from their wire JSON (as Raw returns it) into
// the SDK's types, for the light record and the event's subject: S, N and B
// attributes; others are left out.
func Keys(text []byte) map[string]types.AttributeValue {
	return (*decoder).keys(nil, text)
}

// EpochTime reads ApproximateCreationDateTime's wire text (epoch seconds,
// maybe with a fraction or an exponent) as the light record holds it: UTC,
// truncated to the millisecond.
func EpochTime(raw []byte) (time.Time, error) { return epochMillis(string(raw)) }

// AppendString writes s as a JSON string exactly as json.Marshal does
// (HTML-safe, \u2028 and \u2029 escaped, U+FFFD for bytes not UTF-8).
func AppendString(b []byte, s string) []byte { return appendString(b, s) }

// AppendTime writes t as time.Time.MarshalJSON does, in UTC: an RFC 3339
// string; a year outside [0,9999] is an error.
func AppendTime(b []byte, t time.Time) ([]byte, error) { return appendTime(b, t) }

// Identity reads a userIdentity object of the wire (PrincipalId, Type) into
// the SDK's type; nil for null.
func (s *Scanner) Identity() *types.Identity {
	if s.s.null() {
		return nil
	}
	id := &types.Identity{}
	s.s.object(func(key []byte) {
		switch string(key) {
		case "PrincipalId":
			id.PrincipalId = s.optString()
		case "Type":
			id.Type = s.optString()
		default:
			s.s.skip()
		}
	})
	return id
}

func (s *Scanner) optString() *string {
	if s.s.null() {
		return nil
	}
	v := string(s.s.str())
	return &v
}

// IsTTLDelete reports whether a record's userIdentity says DynamoDB's TTL
// made the change: type Service, principal dynamodb.amazonaws.com.
func IsTTLDelete(id *types.Identity) bool {
	return id != nil && id.Type != nil && *id.Type == "Service" &&
		id.PrincipalId != nil && *id.PrincipalId == "dynamodb.amazonaws.com"
}

// AppendStringBytes is AppendString for a string held in bytes (such as
// Scanner.Str's), without copying it into a string first.
func AppendStringBytes(b []byte, s []byte) []byte { return appendString(b, transient(s)) }

// IsJSONNumber reports whether v is a number in JSON's grammar, as the
// scanner reads one.
func IsJSONNumber(v []byte) bool {
	s := scanner{data: v}
	s.number()
	return s.err == nil && s.pos == len(v)
}
