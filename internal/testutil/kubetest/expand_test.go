package kubetest

import "testing"

func TestExpandAsTheKubelet(t *testing.T) {
	defined := map[string]string{"A": "alpha"}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"a value without dollar is unchanged", "plain", "plain"},
		{"double dollar is one dollar", "pa$$word", "pa$word"},
		{"escaped reference stays literal", "$$(A)", "$(A)"},
		{"reference to an earlier variable is replaced", "x-$(A)-y", "x-alpha-y"},
		{"reference to an unknown variable stays", "$(B)", "$(B)"},
		{"lone dollar stays", "a$b", "a$b"},
		{"trailing dollar stays", "end$", "end$"},
		{"unclosed reference stays", "$(A", "$(A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := expand(tc.in, defined); got != tc.want {
				t.Errorf("expand(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
