package reliability

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
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

// metricsText returns the /metrics page.
func (p *proc) metricsText() (string, error) {
	if p.metricsPort == 0 {
		return "", fmt.Errorf("no --metrics-port")
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://127.0.0.1:" + strconv.Itoa(p.metricsPort) + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
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

func metricValue(text, series string) float64 {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, _ := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v
		}
	}
	return 0
}

// rss returns the process's resident set size in bytes, from /proc.
func (p *proc) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", p.Pid())
}
