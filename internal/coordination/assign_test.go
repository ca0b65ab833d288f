package coordination

import (
	"fmt"
	"testing"
)

func shardSet(n int, closedEvery int) map[string]bool {
	s := make(map[string]bool, n)
	for i := 0; i < n; i++ {
		s[fmt.Sprintf("shardId-%020d-%08x", 1700000000000+i, i*2654435761)] = closedEvery == 0 || i%closedEvery != 0
	}
	return s
}

func memberList(n int) []string {
	m := make([]string, n)
	for i := range m {
		m[i] = fmt.Sprintf("sample-adapter-7d9f8c6b5-%05d", i)
	}
	return m
}

func TestAssignCapRespected(t *testing.T) {
	for _, members := range []int{3, 4, 64} {
		for _, shards := range []int{10, 64, 1000} {
			t.Run(fmt.Sprintf("%d members %d shards", members, shards), func(t *testing.T) {
				s := shardSet(shards, 5) // every fifth shard closed
				ms := memberList(members)
				got := Assign(s, ms)
				if len(got) != len(s) {
					t.Fatalf("assigned %d shards, want %d", len(got), len(s))
				}
				open := 0
				for _, o := range s {
					if o {
						open++
					}
				}
				limit := (open+members-1)/members + 1
				load := map[string]int{}
				valid := map[string]bool{}
				for _, m := range ms {
					valid[m] = true
				}
				for id, m := range got {
					if !valid[m] {
						t.Fatalf("shard %s went to %q, not a member", id, m)
					}
					if s[id] {
						load[m]++
					}
				}
				for m, n := range load {
					if n > limit {
						t.Errorf("member %s holds %d open shards, over the cap %d", m, n, limit)
					}
				}
			})
		}
	}
}

func TestAssignClosedShardsCostNothing(t *testing.T) {
	// 2 open shards and 100 closed ones over 2 members: the cap is 2, yet
	// every closed shard is placed, and no member holds more than 2 open.
	s := shardSet(100, 0)
	for id := range s {
		s[id] = false
	}
	s["open-a"], s["open-b"] = true, true
	got := Assign(s, memberList(2))
	if len(got) != len(s) {
		t.Fatalf("assigned %d shards, want %d", len(got), len(s))
	}
}

func TestAssignDeterministic(t *testing.T) {
	s := shardSet(1000, 7)
	ms := memberList(5)
	want := Assign(s, ms)
	reversed := make([]string, len(ms))
	for i, m := range ms {
		reversed[len(ms)-1-i] = m
	}
	for i := 0; i < 3; i++ {
		got := Assign(s, reversed)
		for id, m := range want {
			if got[id] != m {
				t.Fatalf("run %d: shard %s went to %s, before to %s", i, id, got[id], m)
			}
		}
	}
}

// A stateless capped assignment cannot promise that no other shard moves:
// the leaver's shards fill some caps earlier, and a shard placed later
// spills to its next member. The rule kept is that the leaver's shards all
// move and spills stay under 1% of the shards (plus one).
func TestAssignLeavingMemberShardsMoveOthersBarely(t *testing.T) {
	for _, members := range []int{3, 4, 64} {
		for _, shards := range []int{10, 64, 1000} {
			t.Run(fmt.Sprintf("%d members %d shards", members, shards), func(t *testing.T) {
				s := shardSet(shards, 5)
				ms := memberList(members)
				before := Assign(s, ms)
				gone := ms[1]
				after := Assign(s, append(append([]string{}, ms[:1]...), ms[2:]...))
				moved := 0
				for id, m := range before {
					if m != gone && after[id] != m {
						moved++
					}
					if after[id] == gone {
						t.Fatalf("shard %s still on the member that left", id)
					}
				}
				t.Logf("%d of %d shards of members that stayed moved", moved, len(s))
				if moved > len(s)/100+1 {
					t.Errorf("%d shards of members that stayed moved, want at most %d", moved, len(s)/100+1)
				}
			})
		}
	}
}

func TestAssignJoiningMemberTakesAboutOneNth(t *testing.T) {
	for _, members := range []int{3, 4, 64} {
		t.Run(fmt.Sprintf("%d members join one", members), func(t *testing.T) {
			s := shardSet(1000, 0)
			ms := memberList(members + 1)
			before := Assign(s, ms[:members])
			after := Assign(s, ms)
			joiner := ms[members]
			moved, toJoiner := 0, 0
			for id, m := range before {
				if after[id] != m {
					moved++
				}
				if after[id] == joiner {
					toJoiner++
				}
			}
			fair := len(s) / (members + 1)
			t.Logf("%d -> %d members: %d of %d shards moved, %d to the joiner (1/n = %d)", members, members+1, moved, len(s), toJoiner, fair)
			if toJoiner < fair/2 || toJoiner > (len(s)+members)/(members+1)+1 {
				t.Errorf("the joiner took %d shards, want about %d", toJoiner, fair)
			}
			if moved > 2*fair+2 {
				t.Errorf("%d shards moved, want about the %d the joiner takes", moved, fair)
			}
		})
	}
}

func TestAssignNoMembers(t *testing.T) {
	if got := Assign(shardSet(3, 0), nil); got != nil {
		t.Fatalf("Assign with no members = %v, want nil", got)
	}
}
