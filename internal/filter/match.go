package filter

// stackWords is how many 64-bit words of per-record state Match keeps on the
// stack; filters with more conditions than stackWords*32 allocate.
const stackWords = 8

// Match reports whether the record, a DynamoDB stream record as JSON in
// Lambda's shape, matches at least one pattern. Only the parts of the record
// that some pattern names are decoded; the rest is skipped. A record that is
// not a JSON object matches no pattern (Lambda drops such a record).
func (f *Filter) Match(record []byte) bool {
	if f == nil || len(f.patterns) == 0 {
		return true
	}
	words := (len(f.conds) + 63) / 64
	var buf [stackWords]uint64
	var st []uint64
	if 2*words <= len(buf) {
		st = buf[:2*words]
	} else {
		st = make([]uint64, 2*words)
	}
	s := scanner{data: record, f: f, seen: st[:words], hit: st[words:]}
	s.ws()
	if s.pos >= len(s.data) || s.data[s.pos] != '{' || !s.object(f.root) {
		return false
	}
	s.ws()
	if s.pos != len(s.data) {
		return false
	}
	for _, e := range f.patterns {
		if s.eval(e) {
			return true
		}
	}
	return false
}

// eval decides a pattern object once the record has been scanned.
func (s *scanner) eval(e *expr) bool {
	for _, id := range e.conds {
		if s.hit[id/64]&(1<<(id%64)) != 0 {
			continue
		}
		if s.f.conds[id].absent && s.seen[id/64]&(1<<(id%64)) == 0 {
			continue
		}
		return false
	}
	for _, group := range e.ors {
		ok := false
		for _, alt := range group {
			if s.eval(alt) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// visit records one leaf value found at a path that conditions name.
func (s *scanner) visit(n *node, v *leaf) {
	for _, id := range n.conds {
		w, bit := id/64, uint64(1)<<(id%64)
		s.seen[w] |= bit
		if s.hit[w]&bit != 0 {
			continue
		}
		for _, m := range s.f.conds[id].ms {
			if m.match(v) {
				s.hit[w] |= bit
				break
			}
		}
	}
}

// mark records an object found at a path that conditions name. An object is
// no leaf, so no value matches it and exists:true does not see it, but the
// field is there, so exists:false does not hold either (as Lambda behaves for
// {"NewImage": {"attr": [{"exists": false}]}} on an image that has attr).
func (s *scanner) mark(n *node) {
	for _, id := range n.conds {
		s.seen[id/64] |= 1 << (id % 64)
	}
}
