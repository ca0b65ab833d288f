package stream

import (
	"testing"
	"time"
)

func TestIdlePause(t *testing.T) {
	const base = 250 * time.Millisecond
	cases := []struct {
		name   string
		base   time.Duration
		empty  int
		active int64
		want   time.Duration
	}{
		{"one shard is polled at the idle interval, however long idle", base, 1000, 1, base},
		{"a hundred shards are too", base, 1000, manyShards, base},
		{"among many shards, a newly idle shard is polled at the idle interval", base, idleStreak - 1, 1000, base},
		{"among many shards, a long-idle shard waits longer", base, idleStreak, 1000, 375 * time.Millisecond},
		{"among many shards, the pause grows with each empty read", base, idleStreak + 2, 1000, 843750 * time.Microsecond},
		{"among many shards, the pause grows to its bound and no further", base, idleStreak + 3, 1000, maxIdlePause},
		{"among many shards, a shard idle for hours waits no longer", base, 1 << 20, 1000, maxIdlePause},
		{"an idle interval longer than the grown pause is kept", 2 * time.Second, 1000, 1000, 2 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := idlePause(tc.base, tc.empty, tc.active); got != tc.want {
				t.Fatalf("idlePause(%v, %d, %d) = %v, want %v", tc.base, tc.empty, tc.active, got, tc.want)
			}
		})
	}
}
