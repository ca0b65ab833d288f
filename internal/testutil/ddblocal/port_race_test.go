package ddblocal

import (
	"errors"
	"net/url"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// TestLaunchOnTakenPort covers the lost race for a free port: another
// DynamoDB Local already listens there and answers ListTables, while the new
// JVM cannot bind and lingers. launch must report a bindError (so Start
// retries on another port) rather than hand out the other server.
func TestLaunchOnTakenPort(t *testing.T) {
	t.Parallel()
	other := Start(t)
	u, err := url.Parse(other.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	srv, proc, err := launch(java, dir, t.TempDir(), port)
	if err == nil {
		proc.stop()
		t.Fatalf("launch on a taken port returned a server at %s", srv.Endpoint)
	}
	var bind *bindError
	if !errors.As(err, &bind) || bind.port != port {
		t.Fatalf("launch on a taken port: err = %v, want a bindError for port %d", err, port)
	}
	t.Logf("bind failure detected after %s", time.Since(start).Round(time.Millisecond))
}
