// Command promql-names parses PromQL expressions with Prometheus's own parser
// and prints the metric names each one selects, for test/ops: the test checks
// that every name an alert or a dashboard panel uses is one the binaries
// export.
//
// It lives in this tools module, beside promtool, because the parser
// (github.com/prometheus/prometheus/promql/parser) cannot be added to the
// root module without moving its dependencies: the prometheus module
// requires newer k8s.io/*, gRPC and OpenTelemetry releases than the ones the
// controller is built and tested with, and minimal version selection would
// upgrade them all.
//
// Input (stdin): a JSON array of expressions. Output (stdout): a JSON array,
// one object per expression, in order: {"expr", "names", "error"}. It exits
// 0 even when an expression does not parse: the error is in its object.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

type result struct {
	Expr  string   `json:"expr"`
	Names []string `json:"names"`
	Error string   `json:"error,omitempty"`
}

func main() {
	var exprs []string
	if err := json.NewDecoder(os.Stdin).Decode(&exprs); err != nil {
		fmt.Fprintln(os.Stderr, "promql-names: reading a JSON array of expressions on stdin:", err)
		os.Exit(2)
	}
	p := parser.NewParser(parser.Options{})
	out := make([]result, 0, len(exprs))
	for _, e := range exprs {
		out = append(out, names(p, e))
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "promql-names: writing:", err)
		os.Exit(1)
	}
}

// names returns the metric names selected by expr: each vector selector's
// name, or its __name__ equality matcher.
func names(p parser.Parser, expr string) result {
	r := result{Expr: expr, Names: []string{}}
	ast, err := p.ParseExpr(expr)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	parser.Inspect(ast, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
				name = m.Value
			}
		}
		if name == "" {
			r.Error = "a selector without a metric name: " + vs.String()
		} else if !slices.Contains(r.Names, name) {
			r.Names = append(r.Names, name)
		}
		return nil
	})
	slices.Sort(r.Names)
	return r
}
