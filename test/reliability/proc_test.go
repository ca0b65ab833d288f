package reliability

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/promtext"
)

// proc is one run of the dynamodb-source binary, with its metrics port.
type proc struct {
	*binproc.Proc
	t           testing.TB
	metricsPort int
}

// startProc runs the binary with args; metricsPort is the --metrics-port
// given in args (0 if none), for scraping.
func startProc(t testing.TB, env []string, metricsPort int, args ...string) *proc {
	t.Helper()
	return &proc{Proc: binproc.Start(t, env, binary, args...), t: t, metricsPort: metricsPort}
}

// metricsText returns the /metrics page, checked to be valid text format.
func (p *proc) metricsText() (string, error) {
	if p.metricsPort == 0 {
		return "", fmt.Errorf("no --metrics-port")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	page, err := promtext.Fetch(ctx, http.DefaultClient, "http://127.0.0.1:"+strconv.Itoa(p.metricsPort)+"/metrics")
	if err != nil {
		return "", err
	}
	if _, err := promtext.ParseText(page); err != nil {
		return "", err
	}
	return page, nil
}

// metric returns the value of one series, written as on the page
// (`name{label="v"}`), or 0 when the page does not show it.
func (p *proc) metric(series string) float64 {
	p.t.Helper()
	text, err := p.metricsText()
	if err != nil {
		p.t.Fatalf("scraping metrics: %v", err)
	}
	return metricValue(text, series)
}

// metricValue is one series of a page from metricsText (which checked that
// it parses; a page that does not, such as "" after a failed scrape, shows
// no series), or 0 when the page does not show it.
func metricValue(page, series string) float64 {
	m, _ := promtext.ParseText(page)
	return m[series]
}

// sumMetric adds every series of a page whose text starts with prefix.
func sumMetric(page, prefix string) float64 {
	m, _ := promtext.ParseText(page)
	return m.Sum(prefix)
}

// rss returns the process's resident set size in bytes, from /proc.
func (p *proc) rss() (int64, error) {
	m, err := p.Memory()
	return m.RSS, err
}
