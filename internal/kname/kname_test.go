package kname

import (
	"strings"
	"testing"
)

func TestChild(t *testing.T) {
	long := strings.Repeat("a", 60)
	tests := []struct {
		name           string
		parent, suffix string
		want           string
	}{
		{name: "short names are parent and suffix", parent: "sample", suffix: "-dynamodb-checkpoints", want: "sample-dynamodb-checkpoints"},
		{name: "exactly 63 characters are kept", parent: strings.Repeat("b", 63), want: strings.Repeat("b", 63)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Child(tt.parent, tt.suffix); got != tt.want {
				t.Errorf("Child() = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("long names are cut to 63 with a hash that tells parents apart", func(t *testing.T) {
		a, b := Child(long+"x", "-dynamodb-checkpoints"), Child(long+"y", "-dynamodb-checkpoints")
		if len(a) != MaxLen || len(b) != MaxLen {
			t.Errorf("lengths %d, %d; want %d", len(a), len(b), MaxLen)
		}
		if a == b {
			t.Errorf("distinct parents share the name %q", a)
		}
		if !strings.HasPrefix(a, long[:40]) {
			t.Errorf("%q does not start with its parent", a)
		}
	})
	t.Run("a cut never ends the head in a dash", func(t *testing.T) {
		got := Child(strings.Repeat("a", 51)+"-"+strings.Repeat("c", 20), "")
		if strings.Contains(got, "--") {
			t.Errorf("Child() = %q has a double dash", got)
		}
	})
}
