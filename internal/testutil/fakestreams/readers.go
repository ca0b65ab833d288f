package fakestreams

import (
	"slices"
	"time"
)

// Overlap is a time when two callers read one shard at once.
type Overlap struct {
	Shard    string
	Callers  [2]string // in the order they started reading
	From, To time.Time
}

// Duration is how long the two read the shard together.
func (o Overlap) Duration() time.Duration { return o.To.Sub(o.From) }

// Overlaps finds, in a log of calls, the times when more than one caller
// read the same shard: a caller reads a shard from its first GetRecords on
// it to its last, through gaps between calls of at most gap (a reader
// polling an idle shard calls it every idle interval; a longer silence
// means it let go). Each pair of callers of a shard whose reading spans
// intersect is an Overlap. A test proves one reader at a time by finding
// none, or bounds a handover by their Duration.
func Overlaps(calls []Call, gap time.Duration) []Overlap {
	type span struct {
		caller   string
		from, to time.Time
	}
	// spans[shard] are the reading spans of each caller, open ones last.
	spans := map[string][]span{}
	var order []string
	for _, c := range calls {
		if c.Op != OpGetRecords || c.Shard == "" {
			continue
		}
		ss, seen := spans[c.Shard]
		if !seen {
			order = append(order, c.Shard)
		}
		i := slices.IndexFunc(ss, func(s span) bool { return s.caller == c.Caller && !c.Time.After(s.to.Add(gap)) })
		if i >= 0 {
			ss[i].to = maxTime(ss[i].to, c.Time)
			continue
		}
		spans[c.Shard] = append(ss, span{caller: c.Caller, from: c.Time, to: c.Time})
	}
	var out []Overlap
	for _, shard := range order {
		ss := spans[shard]
		slices.SortStableFunc(ss, func(a, b span) int { return a.from.Compare(b.from) })
		for i, a := range ss {
			for _, b := range ss[i+1:] {
				if a.caller == b.caller || b.from.After(a.to) {
					continue
				}
				out = append(out, Overlap{Shard: shard, Callers: [2]string{a.caller, b.caller}, From: b.from, To: minTime(a.to, b.to)})
			}
		}
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
