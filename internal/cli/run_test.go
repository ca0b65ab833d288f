package cli

import (
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
)

// The command line's metrics server (with --pprof, its profiles) is kept to
// this machine unless --metrics-address says otherwise.
func TestCreateServesMetricsOnLoopbackByDefault(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // the host the server listens on
	}{
		{"by default on 127.0.0.1", nil, "127.0.0.1"},
		{"on the address given", []string{"--metrics-address", "::1"}, "::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == "::1" {
				if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
					t.Skip("no IPv6 loopback here")
				} else {
					ln.Close()
				}
			}
			port := binproc.FreePort(t)
			var stderr binproc.SyncBuffer
			args := append([]string{"create", "source", "awsdynamodb",
				"--arn", "arn:aws:dynamodb:us-east-1:000000000000:table/none",
				"--auth.credentials.accessKeyID", "AKIDLOCAL", "--auth.credentials.secretAccessKey", "local",
				"--endpoint.url", "http://127.0.0.1:1", "--checkpoint.store", "memory",
				"--metrics-port", strconv.Itoa(port)}, tt.args...)
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan int, 1)
			go func() { done <- Execute(ctx, args, Streams{Out: io.Discard, Err: &stderr}) }()
			defer func() { cancel(); <-done }()

			want := "address=" + net.JoinHostPort(tt.want, strconv.Itoa(port))
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(stderr.String(), want) {
				if time.Now().After(deadline) {
					t.Fatalf("no %q in the log:\n%s", want, stderr.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}
