package filter

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// kind is the JSON type of a leaf value in a record.
type kind uint8

const (
	kindString kind = iota + 1
	kindNumber
	kindTrue
	kindFalse
	kindNull
)

// leaf is one scalar value of a record at a pattern's path. For a string, b
// is its unescaped content; for a number, its literal text as written.
type leaf struct {
	kind kind
	b    []byte
}

// matcher is one value of a pattern's leaf array: a literal or an operator.
type matcher interface {
	match(v *leaf) bool
}

// exact matches a value of the same JSON type written the same way: strings
// character by character, numbers by their literal text (300 is not 300.0),
// true, false and null by type.
type exact struct {
	kind kind
	b    []byte
}

func (m *exact) match(v *leaf) bool {
	return v.kind == m.kind && bytes.Equal(v.b, m.b)
}

// present is exists:true: any leaf value is there. exists:false has no
// matcher; it is decided after the scan from whether any leaf was seen.
type present struct{}

func (present) match(*leaf) bool { return true }

// affix is prefix or suffix, optionally ignoring case.
type affix struct {
	b      []byte
	fold   bool
	suffix bool
}

func (m *affix) match(v *leaf) bool {
	switch {
	case v.kind != kindString:
		return false
	case m.fold:
		return hasAffixFold(v.b, m.b, m.suffix)
	case m.suffix:
		return bytes.HasSuffix(v.b, m.b)
	}
	return bytes.HasPrefix(v.b, m.b)
}

type equalsFold struct{ b []byte }

func (m *equalsFold) match(v *leaf) bool {
	return v.kind == kindString && bytes.EqualFold(v.b, m.b)
}

// wildcard is a glob over strings where "*" matches any run of characters
// (also none). parts are the literal pieces between the stars.
type wildcard struct {
	parts [][]byte
}

func (m *wildcard) match(v *leaf) bool {
	if v.kind != kindString {
		return false
	}
	s := v.b
	last := len(m.parts) - 1
	if last == 0 {
		return bytes.Equal(s, m.parts[0])
	}
	if !bytes.HasPrefix(s, m.parts[0]) {
		return false
	}
	s = s[len(m.parts[0]):]
	for _, p := range m.parts[1:last] {
		i := bytes.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return bytes.HasSuffix(s, m.parts[last])
}

// anythingBut matches a value none of its values equal (by the exact rule),
// or, with an inner string operator, a string that operator does not match.
type anythingBut struct {
	values []exact
	inner  matcher // prefix, suffix, equals-ignore-case or wildcard; strings only
}

func (m *anythingBut) match(v *leaf) bool {
	if m.inner != nil {
		return v.kind == kindString && !m.inner.match(v)
	}
	for i := range m.values {
		if m.values[i].match(v) {
			return false
		}
	}
	return true
}

// bound is one side of a numeric range.
type bound struct {
	set       bool
	inclusive bool
	d         decimal
}

// numeric compares a JSON number, or a string holding a number when the
// pattern's path ends in a DynamoDB number type (N, NS), with a range.
type numeric struct {
	lower, upper bound
	strings      bool
}

func (m *numeric) match(v *leaf) bool {
	switch {
	case v.kind == kindNumber:
	case v.kind == kindString && m.strings:
	default:
		return false
	}
	d, ok := parseDecimal(v.b)
	if !ok {
		return false
	}
	if m.lower.set {
		c := cmpDecimal(d, m.lower.d)
		if c < 0 || (c == 0 && !m.lower.inclusive) {
			return false
		}
	}
	if m.upper.set {
		c := cmpDecimal(d, m.upper.d)
		if c > 0 || (c == 0 && !m.upper.inclusive) {
			return false
		}
	}
	return true
}

// foldEq reports whether two runes are equal under Unicode simple case folding.
func foldEq(a, b rune) bool {
	if a == b {
		return true
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// hasAffixFold reports whether s starts (or, with suffix, ends) with p under
// simple case folding, rune by rune: folded runes may differ in byte length.
func hasAffixFold(s, p []byte, suffix bool) bool {
	decode := utf8.DecodeRune
	if suffix {
		decode = utf8.DecodeLastRune
	}
	for len(p) > 0 {
		if len(s) == 0 {
			return false
		}
		pr, pn := decode(p)
		sr, sn := decode(s)
		if !foldEq(pr, sr) {
			return false
		}
		if suffix {
			p, s = p[:len(p)-pn], s[:len(s)-sn]
		} else {
			p, s = p[pn:], s[sn:]
		}
	}
	return true
}
