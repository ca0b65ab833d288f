package awsconfig

import (
	"regexp"
	"strings"
	"testing"
)

var validSessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func TestSessionName(t *testing.T) {
	long := "dynamodb-source-" + strings.Repeat("team-payments-", 3) + "orders-table-source"
	tests := []struct {
		name, in, want string // want "" means: only check validity, prefix and hash
	}{
		{"a short valid name is kept as it is", "dynamodb-source-default-orders", "dynamodb-source-default-orders"},
		{"a name of exactly 64 characters is kept", strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"characters outside the allowed set become dashes", "dynamodb-source-my host:1", "dynamodb-source-my-host-1"},
		{"a name too short is lengthened", "a", "dynamodb-sourcea"},
		{"a name over 64 characters keeps its start and gains a hash", long, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SessionName(tt.in)
			if !validSessionName.MatchString(got) {
				t.Fatalf("SessionName(%q) = %q: not a valid RoleSessionName", tt.in, got)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("SessionName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if tt.want == "" && (len(got) != 64 || !strings.HasPrefix(got, tt.in[:40])) {
				t.Errorf("SessionName(%q) = %q, want 64 characters starting with the name", tt.in, got)
			}
		})
	}
	t.Run("long names with the same start stay apart, and each always gives the same", func(t *testing.T) {
		a, b := SessionName(long+"-a"), SessionName(long+"-b")
		if a == b {
			t.Errorf("two names differing after 64 characters gave the same session name %q", a)
		}
		if again := SessionName(long + "-a"); again != a {
			t.Errorf("SessionName is not deterministic: %q then %q", a, again)
		}
	})
}
