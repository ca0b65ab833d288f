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

// op says which operator a matcher is.
type op uint8

const (
	opExact       op = iota + 1 // a literal value
	opPresent                   // exists:true
	opAffix                     // prefix or suffix
	opEqualsFold                // equals-ignore-case
	opWildcard                  // wildcard
	opAnythingBut               // anything-but
	opNumeric                   // numeric
)

// matcher is one value of a pattern's leaf array: a literal or an operator.
// It is one concrete type switched on op rather than an interface, so that
// the compiler can see a record's bytes never escape a match and Match
// allocates nothing.
type matcher struct {
	op op

	// opExact: a value of the same JSON type written the same way —
	// strings character by character, numbers by their literal text (300
	// is not 300.0), true, false and null by type. The values of
	// opAnythingBut.
	kind kind
	b    []byte // opExact, opAffix, opEqualsFold: the text to compare

	fold   bool // opAffix: ignore case
	suffix bool // opAffix: match the end, not the start

	parts [][]byte // opWildcard: the literal pieces between the stars

	values []matcher // opAnythingBut: none of these may match (opExact each)
	inner  *matcher  // opAnythingBut: or, on strings, this must not match

	lower, upper bound // opNumeric
	strings      bool  // opNumeric: strings are numbers (the path ends in N or NS)
}

// bound is one side of a numeric range.
type bound struct {
	set       bool
	inclusive bool
	d         decimal
}

// match reports whether one leaf value satisfies the matcher. exists:false
// has no matcher; it is decided after the scan from whether any leaf was
// seen.
func (m *matcher) match(v *leaf) bool {
	switch m.op {
	case opExact:
		return v.kind == m.kind && bytes.Equal(v.b, m.b)
	case opPresent:
		return true
	case opAffix:
		return v.kind == kindString && m.affix(v.b)
	case opEqualsFold:
		return v.kind == kindString && bytes.EqualFold(v.b, m.b)
	case opWildcard:
		return v.kind == kindString && m.glob(v.b)
	case opAnythingBut:
		return m.anythingBut(v)
	case opNumeric:
		return m.numeric(v)
	}
	return false
}

func (m *matcher) affix(s []byte) bool {
	switch {
	case m.fold:
		return hasAffixFold(s, m.b, m.suffix)
	case m.suffix:
		return bytes.HasSuffix(s, m.b)
	}
	return bytes.HasPrefix(s, m.b)
}

// glob matches "*"-separated parts: the first at the start, the last at the
// end, the middle ones in order, each as early as it occurs.
func (m *matcher) glob(s []byte) bool {
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
func (m *matcher) anythingBut(v *leaf) bool {
	if m.inner != nil {
		return v.kind == kindString && !m.inner.match(v)
	}
	for i := range m.values {
		if v.kind == m.values[i].kind && bytes.Equal(v.b, m.values[i].b) {
			return false
		}
	}
	return true
}

// numeric compares a JSON number, or a string holding a number when the
// pattern's path ends in a DynamoDB number type (N, NS), with a range.
func (m *matcher) numeric(v *leaf) bool {
	if v.kind != kindNumber && (v.kind != kindString || !m.strings) {
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
	for len(p) > 0 {
		if len(s) == 0 {
			return false
		}
		var pr, sr rune
		var pn, sn int
		if suffix {
			pr, pn = utf8.DecodeLastRune(p)
			sr, sn = utf8.DecodeLastRune(s)
		} else {
			pr, pn = utf8.DecodeRune(p)
			sr, sn = utf8.DecodeRune(s)
		}
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
