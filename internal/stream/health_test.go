package stream

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
)

func TestSaveHealth(t *testing.T) {
	fail := errors.New("disk full")
	conflict := fmt.Errorf("saving: %w", checkpoint.ErrConflict)
	cases := []struct {
		name     string
		limit    int
		outcomes []error
		want     []string // "ready", "not-ready", "stop", in order
	}{
		{"saves that work change nothing", 3, []error{nil, nil}, nil},
		{"fewer failures in a row than the limit change nothing", 3, []error{fail, fail, nil, fail, fail}, nil},
		{"the limit-th failure in a row makes the source not ready, once", 3, []error{fail, fail, fail, fail, fail}, []string{"not-ready"}},
		{"a save that works after not ready makes it ready again", 2, []error{fail, fail, nil, nil}, []string{"not-ready", "ready"}},
		{"the count starts over after ready again", 2, []error{fail, fail, nil, fail, nil}, []string{"not-ready", "ready"}},
		{"a conflict stops at once, without waiting for the limit", 30, []error{conflict}, []string{"not-ready", "stop"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			h := saveHealth{
				limit:    tc.limit,
				ready:    func() { got = append(got, "ready") },
				notReady: func(string) { got = append(got, "not-ready") },
				stop:     func(error) { got = append(got, "stop") },
			}
			for _, err := range tc.outcomes {
				h.saved(slog.New(slog.DiscardHandler), err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("calls %v, want %v", got, tc.want)
			}
		})
	}
}
