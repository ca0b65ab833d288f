package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/promtext"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat. It
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

// source is one running dynamodb-source process.
type source struct {
	*binproc.Proc
	tb      testing.TB
	metrics string // base URL of its metrics server
}

// benchAccessKey is the access key the source signs with; the scripted
// server accepts only it.
const benchAccessKey = "bench"

// sourceArgs is the command line of a source reading table from the
// endpoint into sinkURL with an in-memory checkpoint, so that every run
// starts afresh.
func sourceArgs(endpoint, tableARN, sinkURL string, metricsPort int, extra ...string) []string {
	args := []string{"create", "source", "awsdynamodb", "--arn", tableARN,
		"--auth.credentials.accessKeyID", benchAccessKey, "--auth.credentials.secretAccessKey", "bench",
		"--endpoint.url", endpoint, "--sink.uri", sinkURL,
		"--checkpoint.store", "memory", "--metrics-port", strconv.Itoa(metricsPort), "--log-level", "warn"}
	return append(args, extra...)
}

// startSource starts the binary. It is killed when the benchmark ends if
// it is still running.
func startSource(tb testing.TB, db *ddblocal.Server, tableARN, sinkURL string, extra ...string) *source {
	tb.Helper()
	return startSourceAt(tb, db.Endpoint, tableARN, sinkURL, extra...)
}

// startSourceAt starts the binary on any endpoint (the scripted server's).
func startSourceAt(tb testing.TB, endpoint, tableARN, sinkURL string, extra ...string) *source {
	tb.Helper()
	port := binproc.FreePort(tb)
	return &source{tb: tb, metrics: "http://127.0.0.1:" + strconv.Itoa(port),
		Proc: binproc.Start(tb, binproc.CleanEnv(), binary, sourceArgs(endpoint, tableARN, sinkURL, port, extra...)...)}
}

// cpu returns the CPU time the process has used so far.
func (s *source) cpu() time.Duration {
	s.tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.Pid()))
	if err != nil {
		s.tb.Fatalf("reading the source's CPU time: %v", err)
	}
	// The command name (field 2) may hold spaces; fields after its closing
	// parenthesis are fixed: utime and stime are the 12th and 13th of them.
	rest := string(b[bytes.LastIndexByte(b, ')')+2:])
	f := strings.Fields(rest)
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// stop sends SIGTERM, waits for the exit and returns the process's total
// CPU time. Its peak memory is the rssSampler's: the ru_maxrss of a child
// is not the child's alone (see rssSampler).
func (s *source) stop() (cpu time.Duration) {
	s.tb.Helper()
	if code := s.Stop(syscall.SIGTERM, 30*time.Second); code != 0 {
		s.tb.Fatalf("dynamodb-source exited with %d", code)
	}
	usage, ok := s.Cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		s.tb.Fatalf("no resource usage for dynamodb-source")
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

// waitReady waits until /readyz answers 200 (the source found its stream)
// and the first GetRecords call was made.
func (s *source) waitReady(timeout time.Duration) {
	s.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-s.Done():
			s.tb.Fatalf("dynamodb-source exited before it was ready")
		default:
		}
		if resp, err := http.Get(s.metrics + "/readyz"); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && s.scrape()[`dynamodb_source_aws_calls_total{operation="GetRecords"}`] > 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("dynamodb-source not reading within %s", timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// scrape reads /metrics into a map from series (name and labels, as
// printed) to value. Histograms and summaries appear as their _sum, _count
// and _bucket series.
func (s *source) scrape() promtext.Series {
	s.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := promtext.Scrape(ctx, http.DefaultClient, s.metrics+"/metrics")
	if err != nil {
		return nil
	}
	return m
}

// fetch GETs path from the metrics server and returns the body.
func (s *source) fetch(path string, timeout time.Duration) []byte {
	s.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.metrics+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.tb.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		s.tb.Fatalf("GET %s: %d %v %s", path, resp.StatusCode, err, body)
	}
	return body
}

// waitHealthy waits until the metrics server answers /healthz.
func (s *source) waitHealthy(timeout time.Duration) {
	s.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if resp, err := http.Get(s.metrics + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("dynamodb-source not serving /healthz within %s", timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rssSampler samples the process's memory every 20 ms until it exits, or
// stop: its peak resident set (VmHWM, the kernel's high-water mark of the
// process's own memory map, which exec started afresh) and the highest
// anonymous and file-backed resident memory (RssAnon: the heap and stacks;
// RssFile: the binary's own pages mapped from the page cache), the last two
// not necessarily at the same moment.
//
// Not ru_maxrss: on Linux a child's ru_maxrss also takes in its parent's
// resident set at the moment of exec, since Go starts a child sharing the
// parent's memory map until it execs (CLONE_VM). After loading 200,000
// items this benchmark's own process is larger than the source, and
// ru_maxrss reported ~58 MiB for a source whose high-water mark was 38.
type rssSampler struct {
	*sampler
	hwm        int64 // bytes, VmHWM at the last sample
	anon, file int64 // bytes, peak of each
}

func (s *source) sampleRSS() *rssSampler {
	r := &rssSampler{}
	// Once the process has exited (a zombie has no Vm* lines), the last
	// values read stand.
	r.sampler = s.sampleEvery(20*time.Millisecond, func() {
		if m, err := s.Memory(); err == nil {
			r.hwm = max(r.hwm, m.HWM)
			r.anon = max(r.anon, m.Anon)
			r.file = max(r.file, m.File)
		}
	})
	return r
}

// sampler calls a sample function on a ticker until stopped or the
// process exits; what the function keeps is safe to read after stop.
type sampler struct{ done, stopped chan struct{} }

// sampleEvery calls sample at once, then every d, on its own goroutine.
func (s *source) sampleEvery(d time.Duration, sample func()) *sampler {
	p := &sampler{done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(p.stopped)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			sample()
			select {
			case <-p.done:
				return
			case <-s.Done():
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *sampler) stop() {
	close(p.done)
	<-p.stopped
}

// waitReadyz polls /readyz every 2 ms and returns how long after the start
// it first answered 200 (the source found its stream), or 0 if the process
// exited first.
func (s *source) waitReadyz(timeout time.Duration) time.Duration {
	s.tb.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.Done():
			return 0
		default:
		}
		if resp, err := client.Get(s.metrics + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(s.Started)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	s.tb.Fatalf("dynamodb-source not ready within %s", timeout)
	return 0
}
