package ops

import (
	"strings"
	"testing"
)

// TestAlertRulesPassTheirUnitTests runs promtool on config/prometheus: the
// rule file must be valid (check rules also lints: duplicate rules, bad
// templates) and every case of rules_test.yaml must hold.
func TestAlertRulesPassTheirUnitTests(t *testing.T) {
	promtool := tool(t, "promtool")
	run(t, promtool, "check", "rules", "config/prometheus/rules.yaml")
	out := run(t, promtool, "test", "rules", "config/prometheus/rules_test.yaml")
	if !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool test rules did not report SUCCESS:\n%s", out)
	}
}
