package v1json

import (
	"sync"
	"unsafe"
)

// The decoder and the scratch it keeps from record to record and page to
// page: the levels a record is rendered into, the strings read without a
// copy, and the arena the page's event data is handed out from.

// decoders keeps decoders and their scratch from page to page.
var decoders = sync.Pool{New: func() any { return new(decoder) }}

// decoder renders records from a scanner. Members that SDK v1 writes in
// another order than the wire's are rendered into scratch buffers first,
// one per level of nesting, reused from record to record.
type decoder struct {
	// s is the page's scanner, while a record is rendered.
	s *scanner
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

type span struct{ start, end int }

// render appends what fn writes to the level's scratch and notes where it
// went in *into.
func (lv *level) render(into *span, fn func([]byte) []byte) {
	start := len(lv.buf)
	lv.buf = fn(lv.buf)
	*into = span{start, len(lv.buf)}
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
