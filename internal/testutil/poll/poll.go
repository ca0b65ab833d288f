package poll

import (
	"testing"
	"time"
)

// Timeout is how long Until waits: long enough for a loaded machine, short
// enough that a condition that never comes true fails the test soon.
const Timeout = 10 * time.Second

// Until checks cond every 2 ms until it holds, or fails tb after Timeout,
// naming what it waited for.
func Until(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
