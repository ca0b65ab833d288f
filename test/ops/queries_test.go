package ops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// query is one PromQL expression and where it comes from.
type query struct {
	where string // "alert X", "panel Y"
	expr  string
}

// alertQueries returns the expr of every rule of config/prometheus/rules.yaml.
func alertQueries(t *testing.T) []query {
	t.Helper()
	var file struct {
		Groups []struct {
			Rules []struct {
				Alert, Record, Expr string
			}
		}
	}
	if err := yaml.Unmarshal(readFile(t, "config/prometheus/rules.yaml"), &file); err != nil {
		t.Fatalf("reading rules.yaml: %v", err)
	}
	var qs []query
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			qs = append(qs, query{where: "alert " + r.Alert + r.Record, expr: r.Expr})
		}
	}
	if len(qs) == 0 {
		t.Fatal("rules.yaml has no rule")
	}
	return qs
}

// grafanaVars are the dashboard's own variables, replaced by what Grafana
// would put there before the query reaches Prometheus.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h")

// labelValues matches a label_values(selector, label) variable query.
var labelValues = regexp.MustCompile(`^label_values\((.+),\s*\w+\)$`)

// dashboardQueries returns every panel target's expr and every variable's
// label_values selector of config/grafana/dynamodb-source.json.
func dashboardQueries(t *testing.T) []query {
	t.Helper()
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
		Templating struct {
			List []struct {
				Name, Type string
				Query      json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(readFile(t, "config/grafana/dynamodb-source.json"), &dash); err != nil {
		t.Fatalf("reading the dashboard: %v", err)
	}
	var qs []query
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			qs = append(qs, query{where: "panel " + p.Title, expr: grafanaVars.Replace(tg.Expr)})
		}
	}
	for _, v := range dash.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct{ Query string }
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Fatalf("variable %s: %v", v.Name, err)
		}
		m := labelValues.FindStringSubmatch(q.Query)
		if m == nil {
			t.Fatalf("variable %s: %q is not label_values(selector, label)", v.Name, q.Query)
		}
		qs = append(qs, query{where: "variable " + v.Name, expr: m[1]})
	}
	return qs
}

// metricNames parses each query with Prometheus's parser (promql-names, see
// hack/tools/promtool/promql-names) and returns the metric names each one
// selects; a query that does not parse fails the test.
func metricNames(t *testing.T, qs []query) map[string][]string {
	t.Helper()
	exprs := make([]string, len(qs))
	for i, q := range qs {
		exprs[i] = q.expr
	}
	in, err := json.Marshal(exprs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tool(t, "promql-names"))
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("promql-names: %v", err)
	}
	var res []struct {
		Names []string
		Error string
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(qs) {
		t.Fatalf("promql-names answered %d results for %d queries (%v)", len(res), len(qs), err)
	}
	used := map[string][]string{} // name -> where
	for i, r := range res {
		if r.Error != "" {
			t.Errorf("%s: %q does not parse: %s", qs[i].where, qs[i].expr, r.Error)
		}
		if len(r.Names) == 0 && r.Error == "" {
			t.Errorf("%s: %q selects no metric", qs[i].where, qs[i].expr)
		}
		for _, n := range r.Names {
			if !slices.Contains(used[n], qs[i].where) {
				used[n] = append(used[n], qs[i].where)
			}
		}
	}
	return used
}

// familyNames returns the names a /metrics page exports: each "# TYPE"
// family, with the _bucket, _sum and _count series of histograms and
// summaries.
func familyNames(page string) map[string]bool {
	names := map[string]bool{}
	for line := range strings.Lines(page) {
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != "#" || f[1] != "TYPE" {
			continue
		}
		names[f[2]] = true
		switch f[3] {
		case "histogram":
			names[f[2]+"_bucket"] = true
			fallthrough
		case "summary":
			names[f[2]+"_sum"], names[f[2]+"_count"] = true, true
		}
	}
	return names
}

func describe(used map[string][]string, name string) string {
	return fmt.Sprintf("%s (used by %s)", name, strings.Join(used[name], ", "))
}
