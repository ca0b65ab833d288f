package filter

import "bytes"

// maxDepth bounds how deeply nested a record may be; deeper records are
// treated as malformed rather than recursed into.
const maxDepth = 256

// scanner walks one record's JSON once, descending only into the fields the
// pattern trie names and skipping the rest without decoding it.
type scanner struct {
	data  []byte
	pos   int
	depth int
	f     *Filter
	seen  []uint64 // per condition: a leaf value was found at its path
	hit   []uint64 // per condition: a leaf value matched one of its values
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) expect(c byte) bool {
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// object scans the object at s.pos, whose fields are the children of n.
func (s *scanner) object(n *node) bool {
	if empty, ok := s.open('}'); empty || !ok {
		return ok
	}
	for {
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return false
		}
		key, escaped, ok := s.str()
		if !ok || !s.expect(':') {
			return false
		}
		s.ws()
		var child *node
		if escaped {
			k, ok := unescape(key)
			if !ok {
				return false
			}
			child = n.children[string(k)]
		} else {
			child = n.children[string(key)]
		}
		if child == nil {
			ok = s.skip()
		} else {
			ok = s.value(child)
		}
		if !ok {
			return false
		}
		if more, ok := s.after('}'); !more {
			return ok
		}
	}
}

// value scans the value at s.pos, found at the path of n.
func (s *scanner) value(n *node) bool {
	s.ws()
	if s.pos >= len(s.data) {
		return false
	}
	switch s.data[s.pos] {
	case '{':
		s.mark(n)
		if n.children == nil {
			return s.skip()
		}
		return s.object(n)
	case '[':
		return s.array(n)
	}
	v, ok := s.scalar()
	if !ok {
		return false
	}
	if len(n.conds) > 0 {
		s.visit(n, &v)
	}
	return true
}

// array scans an array whose elements are all values at the path of n.
func (s *scanner) array(n *node) bool {
	if empty, ok := s.open(']'); empty || !ok {
		return ok
	}
	for {
		if !s.value(n) {
			return false
		}
		if more, ok := s.after(']'); !more {
			return ok
		}
	}
}

// open enters the object or array at s.pos; empty is true when it closes
// at once.
func (s *scanner) open(closing byte) (empty, ok bool) {
	if s.depth++; s.depth > maxDepth {
		return false, false
	}
	s.pos++
	if s.expect(closing) {
		s.depth--
		return true, true
	}
	return false, true
}

// after reads what follows an element of an object or array: a comma (more
// is true) or the closing bracket (ok is true, the container is done).
func (s *scanner) after(closing byte) (more, ok bool) {
	s.ws()
	if s.pos >= len(s.data) {
		return false, false
	}
	switch s.data[s.pos] {
	case ',':
		s.pos++
		return true, true
	case closing:
		s.pos++
		s.depth--
		return false, true
	}
	return false, false
}

// scalar reads a string, number, true, false or null at s.pos.
func (s *scanner) scalar() (leaf, bool) {
	switch c := s.data[s.pos]; {
	case c == '"':
		b, escaped, ok := s.str()
		if !ok {
			return leaf{}, false
		}
		if escaped {
			if b, ok = unescape(b); !ok {
				return leaf{}, false
			}
		}
		return leaf{kind: kindString, b: b}, true
	case c == '-' || isDigit(c):
		start := s.pos
		if !s.number() {
			return leaf{}, false
		}
		return leaf{kind: kindNumber, b: s.data[start:s.pos]}, true
	case s.word("true"):
		return leaf{kind: kindTrue}, true
	case s.word("false"):
		return leaf{kind: kindFalse}, true
	case s.word("null"):
		return leaf{kind: kindNull}, true
	}
	return leaf{}, false
}

func (s *scanner) word(w string) bool {
	if bytes.HasPrefix(s.data[s.pos:], []byte(w)) {
		s.pos += len(w)
		return true
	}
	return false
}

// str reads the string at s.pos (an opening quote) and returns its raw
// content and whether it holds escapes.
func (s *scanner) str() (content []byte, escaped bool, ok bool) {
	s.pos++
	start := s.pos
	rest := s.data[start:]
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		return nil, false, false
	}
	if bytes.IndexByte(rest[:q], '\\') < 0 {
		s.pos += q + 1
		return rest[:q], false, true
	}
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '\\':
			i++
		case '"':
			s.pos += i + 1
			return rest[:i], true, true
		}
	}
	return nil, false, false
}

// number reads a JSON number at s.pos, strictly: its text is what exact
// matching compares.
func (s *scanner) number() bool {
	d, i := s.data, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = skipDigits(d, i)
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		if j := skipDigits(d, i+1); j > i+1 {
			i = j
		} else {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if j := skipDigits(d, i); j > i {
			i = j
		} else {
			return false
		}
	}
	s.pos = i
	return true
}

// skipDigits returns the index of the first non-digit at or after i.
func skipDigits(d []byte, i int) int {
	for i < len(d) && isDigit(d[i]) {
		i++
	}
	return i
}

// skip passes over the value at s.pos without decoding it. It checks
// brackets balance and strings close, not the full JSON grammar.
func (s *scanner) skip() bool {
	depth := 0
	for {
		s.ws()
		if s.pos >= len(s.data) {
			return false
		}
		switch c := s.data[s.pos]; c {
		case '"':
			if _, _, ok := s.str(); !ok {
				return false
			}
		case '{', '[':
			depth++
			s.pos++
			continue
		case '}', ']':
			if depth == 0 {
				return false
			}
			depth--
			s.pos++
		case ',', ':':
			if depth == 0 {
				return false
			}
			s.pos++
			continue
		default:
			start := s.pos
			for s.pos < len(s.data) && isLiteralByte(s.data[s.pos]) {
				s.pos++
			}
			if s.pos == start {
				return false
			}
		}
		if depth == 0 {
			return true
		}
	}
}

func isLiteralByte(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '+' || c == '.'
}
