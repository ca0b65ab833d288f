package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// /readyz says why the source is not ready, and follows Ready and NotReady.
func TestReadyzFollowsReadinessAndSaysWhy(t *testing.T) {
	r := NewReadiness("the source has not found its stream yet")
	srv := httptest.NewServer((&Server{Gatherer: prometheus.NewRegistry(), Readiness: r}).Handler())
	defer srv.Close()
	get := func() (int, string) {
		t.Helper()
		res, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	steps := []struct {
		name   string
		do     func()
		status int
		body   string
	}{
		{"not ready before the stream is found", func() {}, http.StatusServiceUnavailable, "has not found its stream"},
		{"ready once found", r.Ready, http.StatusOK, "ok"},
		{"not ready with the reason while saves fail", func() { r.NotReady("saving checkpoints failed 5 times in a row: disk full") }, http.StatusServiceUnavailable, "disk full"},
		{"ready again after a good save", r.Ready, http.StatusOK, "ok"},
	}
	for _, st := range steps {
		st.do()
		if code, body := get(); code != st.status || !strings.Contains(body, st.body) {
			t.Errorf("%s: /readyz = %d %q, want %d with %q", st.name, code, body, st.status, st.body)
		}
	}
}
