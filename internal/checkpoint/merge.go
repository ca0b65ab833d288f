package checkpoint

import (
	"math/big"
)

// Merge returns latest, the stored progress, with the entries of mine that
// replica owner may write, for replicas of one source that share its shards
// and save into one document. An entry of mine is owner's to write when it
// carries Owner == owner, or when it carries no owner and latest's entry is
// owner's: a release, which keeps its final position with the owner cleared.
// Whatever else latest holds is kept as it is, above all the entries of
// another owner. Progress never goes back: the sequence kept is the greater
// of both (compared as integers), and a finished shard stays finished. A
// stream is marked finished only once every shard stored for it is.
// latest is not changed.
func Merge(latest, mine State, owner string) State {
	out := latest.Clone()
	out.ReadBefore = out.ReadBefore || mine.ReadBefore
	for arn, ms := range mine.Streams {
		st := out.Streams[arn]
		for id, m := range ms.Shards {
			var l Shard
			if st != nil {
				l = st.Shards[id]
			}
			if !writable(l, m, owner) {
				continue
			}
			if st == nil {
				st = &Stream{ReadFrom: ms.ReadFrom, Shards: map[string]Shard{}}
				out.Streams[arn] = st
			}
			st.Shards[id] = Shard{
				Sequence: laterSequence(l.Sequence, m.Sequence),
				Finished: l.Finished || m.Finished,
				Owner:    m.Owner,
			}
		}
		if st != nil && ms.Finished && allFinished(st) {
			// One replica's view of a finished stream holds only when no
			// other replica's shard of it is still being read.
			st.Finished = true
		}
	}
	return out
}

func allFinished(st *Stream) bool {
	for _, sh := range st.Shards {
		if !sh.Finished {
			return false
		}
	}
	return true
}

// writable says whether owner may write its entry m over the stored l.
func writable(l, m Shard, owner string) bool {
	if l.Owner != "" && l.Owner != owner {
		return false // another owner's
	}
	return m.Owner == owner || (m.Owner == "" && l.Owner == owner)
}

// laterSequence returns the greater of two sequence numbers, which are
// decimal integers of any length; an empty one is the lowest, and one that
// is no number loses to one that is.
func laterSequence(a, b string) string {
	x, okA := new(big.Int).SetString(a, 10)
	y, okB := new(big.Int).SetString(b, 10)
	switch {
	case !okB:
		if okA || b == "" {
			return a
		}
		return b
	case !okA:
		return b
	case y.Cmp(x) > 0:
		return b
	}
	return a
}
