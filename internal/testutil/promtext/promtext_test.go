package promtext

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// page serves a registry with one of each kind of metric, labels given out
// of order, as the binary's metrics server does.
func page(t *testing.T) *httptest.Server {
	t.Helper()
	reg := prometheus.NewRegistry()
	calls := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "calls_total", Help: "h"}, []string{"operation", "code"})
	calls.WithLabelValues("GetRecords", "network").Add(2)
	calls.WithLabelValues("DescribeStream", "network").Add(3)
	calls.WithLabelValues("GetRecords", `odd "quoted" \ value`).Inc()
	active := prometheus.NewGauge(prometheus.GaugeOpts{Name: "shards_active", Help: "h"})
	active.Set(1.5)
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "latency_seconds", Help: "h", Buckets: []float64{0.005, 1}}, []string{"shard"})
	latency.WithLabelValues("s1").Observe(0.5)
	age := prometheus.NewSummary(prometheus.SummaryOpts{Name: "age_seconds", Help: "h", Objectives: map[float64]float64{0.5: 0.05}})
	age.Observe(4)
	reg.MustRegister(calls, active, latency, age)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	return srv
}

// The rule: a test names a series as the page prints it. Every sample line
// of a real page must come back under its own text with its value.
func TestEverySeriesIsKeyedAsThePagePrintsIt(t *testing.T) {
	srv := page(t)
	text, err := Fetch(context.Background(), http.DefaultClient, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseText(text)
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		lines++
		i := strings.LastIndexByte(line, ' ')
		want, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if v, ok := got[line[:i]]; !ok || v != want {
			t.Errorf("series %s = %v (present %v), want %v", line[:i], v, ok, want)
		}
	}
	if lines == 0 || len(got) != lines {
		t.Errorf("parsed %d series from a page of %d sample lines:\n%s", len(got), lines, text)
	}
	for _, k := range []string{
		`calls_total{code="network",operation="GetRecords"}`,
		`latency_seconds_bucket{shard="s1",le="+Inf"}`,
		`latency_seconds_count{shard="s1"}`,
		`age_seconds{quantile="0.5"}`,
		"shards_active",
	} {
		if _, ok := got[k]; !ok {
			t.Errorf("%s missing", k)
		}
	}
}

func TestSumAddsEverySeriesUnderAPrefix(t *testing.T) {
	got, err := Scrape(context.Background(), http.DefaultClient, page(t).URL)
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Sum(`calls_total{code="network"`); s != 5 {
		t.Errorf("Sum = %v, want 5 (2 GetRecords + 3 DescribeStream)", s)
	}
	if s := got.Sum("no_such_metric"); s != 0 {
		t.Errorf("Sum of nothing = %v, want 0", s)
	}
}

func TestAPageThatIsNotTextFormatIsAnError(t *testing.T) {
	for name, text := range map[string]string{
		"value is not a number":  "calls_total abc\n",
		"label is not closed":    "calls_total{code=\"x\" 1\n",
		"type after its samples": "calls_total 1\n# TYPE calls_total counter\n",
	} {
		t.Run(name, func(t *testing.T) {
			if s, err := ParseText(text); err == nil {
				t.Errorf("ParseText(%q) = %v, nil; want an error", text, s)
			}
		})
	}
}

func TestFetchRefusesAStatusOtherThan200(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	if _, err := Fetch(context.Background(), http.DefaultClient, srv.URL); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("Fetch of a 404 = %v, want an error naming 404", err)
	}
}
