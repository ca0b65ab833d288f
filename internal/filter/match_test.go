package filter

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestMatchIsSafeForConcurrentUse runs one Filter from several goroutines;
// under -race it fails if Match shares per-record state.
func TestMatchIsSafeForConcurrentUse(t *testing.T) {
	f := mustCompile(t, benchPatterns...)
	miss := []byte(newImage(`"status":{"S":"PAID"}`))
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := range 8 {
		wg.Go(func() {
			for range 200 {
				if i%2 == 0 && !f.Match(benchRecord) {
					errs <- "the bench record stopped matching"
					return
				}
				if i%2 == 1 && f.Match(miss) {
					errs <- "a record no pattern names started matching"
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestMatchWithManyConditionsUsesHeapState covers filters whose per-record
// state does not fit on the stack: 301 fields over two patterns.
func TestMatchWithManyConditionsUsesHeapState(t *testing.T) {
	fields := func(prefix, rule string) string {
		var b strings.Builder
		for i := range 150 {
			fmt.Fprintf(&b, `"%s%03d":%s,`, prefix, i, rule)
		}
		return b.String()
	}
	never := `{` + strings.TrimSuffix(fields("a", `[null]`), ",") + `}`
	shipped := `{"dynamodb":{"NewImage":{"status":{"S":["SHIPPED"]}}},` + fields("b", `[{"exists":false}]`) + `"eventName":["MODIFY"]}`
	f := mustCompile(t, never, shipped)
	if len(f.conds) <= stackWords*32 {
		t.Fatalf("patterns have %d conditions, want more than %d", len(f.conds), stackWords*32)
	}
	if !f.Match(benchRecord) {
		t.Error("Match = false, want true")
	}
	if f.Match([]byte(`{"b149":"x",` + string(benchRecord[1:]))) {
		t.Error("Match = true with b149 present, want false")
	}
}
