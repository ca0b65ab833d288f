package reliability

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// proc is one run of the dynamodb-source binary.
type proc struct {
	t           testing.TB
	cmd         *exec.Cmd
	stdout      *syncBuffer
	stderr      *syncBuffer
	done        chan struct{}
	err         error
	metricsPort int
}

// cleanEnv is the binary's environment: the machine's without AWS settings,
// so a profile or AWS_CA_BUNDLE on the machine cannot change a run.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "XDG_STATE_HOME=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "AWS_EC2_METADATA_DISABLED=true")
	return append(env, extra...)
}

// startProc runs the binary with args; metricsPort is the --metrics-port
// given in args (0 if none), for scraping.
func startProc(t testing.TB, env []string, metricsPort int, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{}), metricsPort: metricsPort}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("dynamodb-source (pid %d) stderr, last part:\n%s", p.cmd.Process.Pid, tail(p.stderr.String(), 6000))
		}
	})
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// stop sends sig and returns the exit code.
func (p *proc) stop(sig syscall.Signal, timeout time.Duration) int {
	p.t.Helper()
	_ = p.cmd.Process.Signal(sig)
	return p.wait(timeout)
}

func (p *proc) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("dynamodb-source did not exit within %s", timeout)
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitLog waits until stderr holds s.
func (p *proc) waitLog(s string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.stderr.String(), s) {
		if p.exited() {
			p.t.Fatalf("dynamodb-source exited (%v) before logging %q", p.err, s)
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("dynamodb-source did not log %q within %s", s, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
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
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
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
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", p.cmd.Process.Pid)
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
