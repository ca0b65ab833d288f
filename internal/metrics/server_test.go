package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// /debug/pprof/cmdline would show the command line, secrets given as flags
// included: it is not served even with Pprof on; the profiles are.
func TestServerDoesNotServeTheCommandLine(t *testing.T) {
	s := &Server{Gatherer: prometheus.NewRegistry(), Pprof: true}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for path, want := range map[string]int{
		"/debug/pprof/cmdline": http.StatusNotFound,
		"/debug/pprof/heap":    http.StatusOK,
		"/metrics":             http.StatusOK,
	} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
}
