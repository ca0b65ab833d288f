package binproc

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Package is the import path of the binary Build compiles.
const Package = "github.com/dynamodb-source/dynamodb-source/cmd/dynamodb-source"

// Build compiles Package with a plain go build into dir and returns the
// binary's path. It needs no testing.TB, so TestMain can call it; the go
// tool's output is part of the error. The working directory must be inside
// this module, as it is for go test.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "dynamodb-source")
	cmd := exec.Command("go", "build", "-o", bin, Package)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building dynamodb-source: %w\n%s", err, out)
	}
	return bin, nil
}

// BuildTemp builds the binary into a new temp folder named after prefix and
// returns its path and a function that removes the folder (call it after
// m.Run). On error nothing is left behind.
func BuildTemp(prefix string) (bin string, remove func(), err error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, err
	}
	remove = func() { _ = os.RemoveAll(dir) }
	if bin, err = Build(dir); err != nil {
		remove()
		return "", nil, err
	}
	return bin, remove, nil
}

// CleanEnv returns the environment for the binary: the machine's, without
// any AWS_* variable (a test must not depend on AWS_CA_BUNDLE, AWS_PROFILE
// or real credentials) and without XDG_STATE_HOME (file checkpoints must not
// land in the machine's state folder), with AWS_EC2_METADATA_DISABLED=true
// (no instance-metadata lookups), then extra ("KEY=value" entries, which may
// set AWS_* or XDG_STATE_HOME again).
func CleanEnv(extra ...string) []string {
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

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Tail returns the last n bytes of s, marked with a leading "…" when it
// cut something.
func Tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// SyncBuffer is a bytes.Buffer safe for concurrent use: exec writes a
// child's output to it from its own goroutines while the test reads it. The
// zero value is ready to use.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
