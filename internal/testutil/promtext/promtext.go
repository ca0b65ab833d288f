package promtext

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Series maps each series of a page (see the package doc for the key) to
// its value.
type Series map[string]float64

// Sum adds the values of every series whose key starts with prefix, for
// example `dynamodb_source_aws_errors_total{code="network"` for that code
// under any operation.
func (s Series) Sum(prefix string) float64 {
	var sum float64
	for k, v := range s {
		if strings.HasPrefix(k, prefix) {
			sum += v
		}
	}
	return sum
}

// Parse reads a page in the Prometheus text format.
func Parse(r io.Reader) (Series, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parsing the metrics page: %w", err)
	}
	out := Series{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			addMetric(out, name, m)
		}
	}
	return out, nil
}

// ParseText is Parse of a page held in a string.
func ParseText(page string) (Series, error) {
	return Parse(strings.NewReader(page))
}

// Fetch GETs url (a /metrics address) and returns the page. A status other
// than 200 is an error.
func Fetch(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("scraping %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("scraping %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("scraping %s: status %d: %s", url, resp.StatusCode, b)
	}
	return string(b), nil
}

// Scrape is Fetch then ParseText.
func Scrape(ctx context.Context, client *http.Client, url string) (Series, error) {
	page, err := Fetch(ctx, client, url)
	if err != nil {
		return nil, err
	}
	return ParseText(page)
}

func addMetric(out Series, name string, m *dto.Metric) {
	labels := m.GetLabel()
	switch {
	case m.Counter != nil:
		out[key(name, labels, "", 0)] = m.Counter.GetValue()
	case m.Gauge != nil:
		out[key(name, labels, "", 0)] = m.Gauge.GetValue()
	case m.Untyped != nil:
		out[key(name, labels, "", 0)] = m.Untyped.GetValue()
	case m.Histogram != nil:
		h := m.Histogram
		for _, b := range h.GetBucket() {
			out[key(name+"_bucket", labels, "le", b.GetUpperBound())] = float64(b.GetCumulativeCount())
		}
		out[key(name+"_sum", labels, "", 0)] = h.GetSampleSum()
		out[key(name+"_count", labels, "", 0)] = float64(h.GetSampleCount())
	case m.Summary != nil:
		s := m.Summary
		for _, q := range s.GetQuantile() {
			out[key(name, labels, "quantile", q.GetQuantile())] = q.GetValue()
		}
		out[key(name+"_sum", labels, "", 0)] = s.GetSampleSum()
		out[key(name+"_count", labels, "", 0)] = float64(s.GetSampleCount())
	}
}

// key writes a series as the Prometheus client prints it: labels sorted by
// name, then extra (le or quantile) if given.
func key(name string, labels []*dto.LabelPair, extra string, extraValue float64) string {
	sorted := slices.SortedFunc(slices.Values(labels), func(a, b *dto.LabelPair) int {
		return strings.Compare(a.GetName(), b.GetName())
	})
	pairs := make([]string, 0, len(labels)+1)
	for _, l := range sorted {
		pairs = append(pairs, l.GetName()+"="+quote(l.GetValue()))
	}
	if extra != "" {
		pairs = append(pairs, extra+"="+quote(formatFloat(extraValue)))
	}
	if len(pairs) == 0 {
		return name
	}
	return name + "{" + strings.Join(pairs, ",") + "}"
}

// quote escapes a label value as the text format does: backslash, double
// quote and newline.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v) + `"`
}

// formatFloat writes a bucket bound or quantile as the text format does.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
