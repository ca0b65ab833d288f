package delivery

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"
)

// BenchmarkHTTPSenderSend is one binary-mode event per request to a sink that
// acknowledges at once, from 16 goroutines as the dispatcher's lanes would.
// Its time, CPU (cpu-ns/op, the whole process's user+system time, which is
// steadier than wall time on a shared machine) and allocations per op
// include the in-process sink's.
func BenchmarkHTTPSenderSend(b *testing.B) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer ts.Close()
	s, err := NewHTTPSender(ts.URL, HTTPOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	e := testEvent(b, "e-1")
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(8)
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Send(ctx, e); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// reportCPU reports the process's CPU time per op, measured from its call
// to the call of the function it returns.
func reportCPU(b *testing.B) func() {
	before := processCPU()
	return func() { b.ReportMetric(float64(processCPU()-before)/float64(b.N), "cpu-ns/op") }
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
