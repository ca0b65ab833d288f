package progress

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// BehindAge is the iterator age past which a source that was caught up
// counts as catching up again, and the progress lines resume. Live changes
// are acknowledged within a second or two of being written; half a minute
// behind means a backlog has built up (a slow sink, a burst of writes).
const BehindAge = 30 * time.Second

// Next decides what to write after the tick that took cur (prev is the
// tick before) and whether the source is now caught up; caughtUp is what
// the previous call said. An empty line means: write nothing.
//
// Once caught up, the lines resume only when changes were delivered over the
// tick and some shard's iterator age, set by those deliveries, is past
// BehindAge.
//
// Caught up is CaughtUp over the tick.
func Next(prev, cur Snapshot, caughtUp bool) (line string, nowCaughtUp bool) {
	if caughtUp {
		if cur.Delivered > prev.Delivered && FreshAge(prev, cur) >= BehindAge.Seconds() {
			return catchingUp(prev, cur), false
		}
		return "", true
	}
	if CaughtUp(prev, cur) {
		return "caught up: " + delivered(cur) + ", " + shards(cur) + "; waiting for new changes", true
	}
	if cur.Read == 0 && cur.Delivered == 0 {
		// Still looking for the stream or holding the first iterator: a
		// line of zeros would only say "catching up" to a source with
		// nothing to catch up (a LATEST start).
		return "", false
	}
	return catchingUp(prev, cur), false
}

// CaughtUp reports whether, between prev and cur, the source asked for
// records (GetRecords calls grew), got none (records read did not grow),
// and has nothing in flight (no checkpoint lag), with at least one shard
// open: every shard is at its end. The iterator age alone cannot say so,
// since it is only set when a record is acknowledged and stays where the
// last one left it when no more come.
func CaughtUp(prev, cur Snapshot) bool {
	return cur.Polls > prev.Polls && cur.Read == prev.Read && cur.Lag == 0 && cur.Active > 0
}

// FreshAge is the largest iterator age that an acknowledgement set between
// prev and cur: a shard at its end keeps the age of its last record forever,
// which says nothing about the shards still receiving changes.
func FreshAge(prev, cur Snapshot) float64 {
	fresh := 0.0
	for shard, age := range cur.Ages {
		if was, ok := prev.Ages[shard]; (!ok || was != age) && age > fresh {
			fresh = age
		}
	}
	return fresh
}

// catchingUp is the line written every tick while a backlog is read.
func catchingUp(prev, cur Snapshot) string {
	parts := []string{delivered(cur)}
	if secs := cur.At.Sub(prev.At).Seconds(); secs > 0 {
		rate := math.Max(0, cur.Delivered-prev.Delivered) / secs
		parts = append(parts, count(rate)+"/s")
	}
	if cur.AgeKnown {
		parts = append(parts, "iterator age "+age(cur.Age))
	}
	parts = append(parts, shards(cur))
	return "catching up: " + strings.Join(parts, ", ")
}

func delivered(s Snapshot) string {
	if s.Delivered == 1 {
		return "1 change delivered"
	}
	return count(s.Delivered) + " changes delivered"
}

func shards(s Snapshot) string {
	out := count(s.Active) + " shards reading"
	if s.Active == 1 {
		out = "1 shard reading"
	}
	if s.Finished > 0 {
		out += ", " + count(s.Finished) + " finished"
	}
	return out
}

// age renders an iterator age to the second (to the minute past an hour).
func age(secs float64) string {
	d := time.Duration(math.Max(0, secs) * float64(time.Second))
	if d >= time.Hour {
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	}
	return d.Round(time.Second).String()
}

// count renders a non-negative number rounded to a whole one, with commas
// between thousands: 1234567 is "1,234,567".
func count(v float64) string {
	s := strconv.FormatInt(int64(math.Round(math.Max(0, v))), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// SnapshotLine is the line about the initial snapshot after the tick that
// took cur (prev is the tick before): while it runs, its items, their rate
// and the segments done; once, when it finishes; else "".
func SnapshotLine(prev, cur Snapshot) string {
	if cur.SnapSegments == 0 || (cur.SnapSegmentsDone >= cur.SnapSegments && prev.SnapSegmentsDone >= cur.SnapSegments) {
		return ""
	}
	items := count(cur.SnapItems) + " items"
	if cur.SnapItems == 1 {
		items = "1 item"
	}
	segments := count(cur.SnapSegmentsDone) + "/" + count(cur.SnapSegments) + " segments done"
	if cur.SnapSegmentsDone >= cur.SnapSegments {
		return "snapshot finished: " + items + ", " + segments
	}
	parts := []string{items}
	if secs := cur.At.Sub(prev.At).Seconds(); secs > 0 {
		parts = append(parts, count(math.Max(0, cur.SnapItems-prev.SnapItems)/secs)+" items/s")
	}
	return "snapshot: " + strings.Join(append(parts, segments), ", ")
}
