package v1json

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads JSON text in one pass, checking it as it goes, for
// DecodeGetRecords: the page is read once, not once per level of nesting as
// with a parse-then-walk library, and strings without escapes are not copied.
// Strings are decoded exactly as encoding/json decodes them (SDK v1's decoder
// is encoding/json): escapes, surrogate pairs, U+FFFD for a lone surrogate
// and for each byte that is not UTF-8.
//
// The first error stops the scan: every method does nothing once err is set,
// and callers check err when they are done.
type scanner struct {
	data []byte
	pos  int
	err  error
	// depth counts open objects and arrays; DynamoDB nests at most 32
	// levels, so a much deeper page is refused rather than recursed into.
	depth int
	// keyBuf and strBuf hold the last key and string value that had to be
	// unescaped; str and key return slices of them.
	keyBuf, strBuf []byte
	// keyCopied says whether the last key is in keyBuf rather than data.
	keyCopied bool
}

const maxDepth = 1000

func (s *scanner) fail(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf("at byte %d: %s", s.pos, fmt.Sprintf(format, args...))
	}
}

// next skips white space and returns the next byte without consuming it, or
// 0 at the end or after an error.
func (s *scanner) next() byte {
	for s.err == nil && s.pos < len(s.data) {
		switch c := s.data[s.pos]; c {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return c
		}
	}
	return 0
}

func (s *scanner) consume(c byte) bool {
	if s.next() != c {
		return false
	}
	s.pos++
	return true
}

func (s *scanner) literal(word string) {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		s.fail("invalid literal")
		return
	}
	s.pos += len(word)
}

// null consumes a null and reports whether there was one.
func (s *scanner) null() bool {
	if s.next() != 'n' {
		return false
	}
	s.literal("null")
	return true
}

// kind names the next value's JSON type, for errors.
func (s *scanner) kind() string {
	switch s.next() {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// object reads an object, calling member for each member with its key; the
// key is valid until the next call to key, and member must read the value.
func (s *scanner) object(member func(key []byte)) {
	if !s.consume('{') {
		s.fail("%s, not an object", s.kind())
		return
	}
	if s.depth++; s.depth > maxDepth {
		s.fail("nested deeper than %d levels", maxDepth)
		return
	}
	if !s.consume('}') {
		for s.err == nil {
			key := s.key()
			if !s.consume(':') {
				s.fail("no colon after an object key")
				return
			}
			member(key)
			if s.consume(',') {
				continue
			}
			if !s.consume('}') {
				s.fail("no comma or end after an object member")
			}
			break
		}
	}
	s.depth--
}

// array reads an array, calling item to read each element.
func (s *scanner) array(item func()) {
	if !s.consume('[') {
		s.fail("%s, not a list", s.kind())
		return
	}
	if s.depth++; s.depth > maxDepth {
		s.fail("nested deeper than %d levels", maxDepth)
		return
	}
	if !s.consume(']') {
		for s.err == nil {
			item()
			if s.consume(',') {
				continue
			}
			if !s.consume(']') {
				s.fail("no comma or end after a list element")
			}
			break
		}
	}
	s.depth--
}

// key reads an object key.
func (s *scanner) key() []byte {
	k, buf := s.string(s.keyBuf)
	s.keyBuf = buf
	s.keyCopied = len(k) > 0 && len(buf) > 0 && &k[0] == &buf[0]
	return k
}

// str reads a string value; see object for how long it is valid.
func (s *scanner) str() []byte {
	v, buf := s.string(s.strBuf)
	s.strBuf = buf
	return v
}

// string reads a string, returning it decoded: a slice of data when it has
// no escape and is valid UTF-8, otherwise decoded into buf.
func (s *scanner) string(buf []byte) ([]byte, []byte) {
	if !s.consume('"') {
		s.fail("%s, not a string", s.kind())
		return nil, buf
	}
	start := s.pos
	for i := start; i < len(s.data); i++ {
		switch c := s.data[i]; {
		case c == '"':
			s.pos = i + 1
			return s.data[start:i], buf
		case c == '\\' || c >= utf8.RuneSelf:
			return s.unquote(start, buf[:0])
		case c < ' ':
			s.fail("control character in a string")
			return nil, buf
		}
	}
	s.fail("unterminated string")
	return nil, buf
}

// unquote decodes the string starting at data[start] into buf, as
// encoding/json's unquote does.
func (s *scanner) unquote(start int, buf []byte) ([]byte, []byte) {
	d := s.data
	for i := start; i < len(d); {
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return buf, buf
		case c < ' ':
			s.fail("control character in a string")
			return nil, buf
		case c == '\\':
			if i+1 >= len(d) {
				s.fail("unterminated string")
				return nil, buf
			}
			switch e := d[i+1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
				i += 2
			case 'b':
				buf, i = append(buf, '\b'), i+2
			case 'f':
				buf, i = append(buf, '\f'), i+2
			case 'n':
				buf, i = append(buf, '\n'), i+2
			case 'r':
				buf, i = append(buf, '\r'), i+2
			case 't':
				buf, i = append(buf, '\t'), i+2
			case 'u':
				r := hex4(d[i+2:])
				if r < 0 {
					s.pos = i
					s.fail("invalid \\u escape")
					return nil, buf
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
						r2 = hex4(d[i+2:])
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r, i = dec, i+6
					} else {
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				s.pos = i
				s.fail("invalid escape")
				return nil, buf
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				buf = utf8.AppendRune(buf, utf8.RuneError)
			} else {
				buf = append(buf, d[i:i+size]...)
			}
			i += size
		}
	}
	s.fail("unterminated string")
	return nil, buf
}

// hex4 reads four hex digits as a rune, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// number reads a number and returns its text.
func (s *scanner) number() []byte {
	if c := s.next(); c != '-' && (c < '0' || c > '9') {
		s.fail("%s, not a number", s.kind())
		return nil
	}
	d, start, i := s.data, s.pos, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() bool {
		n := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		return i > n
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case !digits():
		s.fail("invalid number")
		return nil
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			s.fail("invalid number")
			return nil
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			s.fail("invalid number")
			return nil
		}
	}
	s.pos = i
	return d[start:i]
}

// boolean reads true or false.
func (s *scanner) boolean() bool {
	switch s.next() {
	case 't':
		s.literal("true")
		return true
	case 'f':
		s.literal("false")
		return false
	}
	s.fail("%s, not a boolean", s.kind())
	return false
}

// skip reads any value and throws it away.
func (s *scanner) skip() {
	switch s.next() {
	case '{':
		s.object(func([]byte) { s.skip() })
	case '[':
		s.array(s.skip)
	case '"':
		s.str()
	case 't', 'f':
		s.boolean()
	case 'n':
		s.null()
	case 0:
		s.fail("a value is missing")
	default:
		s.number()
	}
}

// end checks that nothing but white space is left.
func (s *scanner) end() {
	if s.next() != 0 {
		s.fail("text after the answer")
	}
}
