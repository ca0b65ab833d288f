package coordination

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"
)

// Assign maps every shard of shards (shard ID → open) to one of members,
// by capped rendezvous hashing: each shard goes to the member with the
// highest weight(member, shard) among those not yet at their cap. The cap
// is ceil(open shards / members) + 1 and counts open shards only; a closed
// shard (read to its end soon, then nothing) costs nothing and always goes
// to its highest-weighted member. Shards are placed in ID order, so the
// result depends only on the inputs: every replica computes the same one.
// When a member joins or leaves, a shard moves if its member left, or if
// the joiner outweighs its member (about 1/n of them), or (rarely: under 1%
// in the tests) because a cap filled at a different shard than before.
//
// It returns nil when there are no members. Duplicate members count once.
func Assign(shards map[string]bool, members []string) map[string]string {
	ms := unique(members)
	if len(ms) == 0 {
		return nil
	}
	ids := make([]string, 0, len(shards))
	open := 0
	for id, o := range shards {
		ids = append(ids, id)
		if o {
			open++
		}
	}
	sort.Strings(ids)
	limit := (open+len(ms)-1)/len(ms) + 1
	load := make(map[string]int, len(ms))
	out := make(map[string]string, len(ids))
	ranked := make([]string, len(ms))
	w := make(map[string]uint64, len(ms))
	for _, id := range ids {
		copy(ranked, ms)
		for _, m := range ms {
			w[m] = weight(m, id)
		}
		sort.Slice(ranked, func(i, j int) bool {
			if w[ranked[i]] != w[ranked[j]] {
				return w[ranked[i]] > w[ranked[j]]
			}
			return ranked[i] < ranked[j]
		})
		if !shards[id] {
			out[id] = ranked[0]
			continue
		}
		for _, m := range ranked {
			if load[m] < limit {
				out[id] = m
				load[m]++
				break
			}
		}
	}
	return out
}

// weight is the rendezvous weight of member for shard.
func weight(member, shard string) uint64 {
	h := sha256.New()
	h.Write([]byte(member))
	h.Write([]byte{0})
	h.Write([]byte(shard))
	return binary.BigEndian.Uint64(h.Sum(nil))
}

func unique(members []string) []string {
	seen := make(map[string]bool, len(members))
	out := make([]string, 0, len(members))
	for _, m := range members {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}
