package binproc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FailureTail is how much of a Proc's stderr, from its end, is logged when
// the test that started it has failed.
const FailureTail = 6000

// Proc is a running child process started by Start.
type Proc struct {
	// Cmd is the started command. Cmd.ProcessState is set once Done is
	// closed (exit code, resource usage).
	Cmd *exec.Cmd
	// Stdout and Stderr hold what the process wrote so far.
	Stdout, Stderr *SyncBuffer
	// Started is the time just before the process was started.
	Started time.Time

	tb   testing.TB
	name string
	done chan struct{}
	err  error
}

// Start runs bin with args and env (nil env: the test's own, as in
// exec.Cmd; use CleanEnv). It fails tb if the process cannot be started.
// A cleanup kills the process if it still runs and, if the test failed,
// logs the last FailureTail bytes of its stderr.
func Start(tb testing.TB, env []string, bin string, args ...string) *Proc {
	tb.Helper()
	p := &Proc{tb: tb, name: filepath.Base(bin), Stdout: &SyncBuffer{}, Stderr: &SyncBuffer{}, done: make(chan struct{})}
	p.Cmd = exec.Command(bin, args...)
	p.Cmd.Env = env
	p.Cmd.Stdout, p.Cmd.Stderr = p.Stdout, p.Stderr
	p.Started = time.Now()
	if err := p.Cmd.Start(); err != nil {
		tb.Fatalf("starting %s: %v", p.name, err)
	}
	go func() { p.err = p.Cmd.Wait(); close(p.done) }()
	tb.Cleanup(func() {
		p.Kill()
		if tb.Failed() {
			tb.Logf("%s (pid %d) stderr, last part:\n%s", p.name, p.Pid(), Tail(p.Stderr.String(), FailureTail))
		}
	})
	return p
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// Done is closed once the process has exited and been waited for.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err is what exec.Cmd.Wait returned (nil for exit status 0); only
// meaningful once Exited.
func (p *Proc) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// Output is what the process wrote to stdout followed by what it wrote to
// stderr.
func (p *Proc) Output() string { return p.Stdout.String() + p.Stderr.String() }

// Kill sends SIGKILL, unless the process has exited, and waits for it to be
// gone.
func (p *Proc) Kill() {
	select {
	case <-p.done:
	default:
		_ = p.Cmd.Process.Kill()
		<-p.done
	}
}

// Stop sends sig and returns the exit code (-1 if a signal ended the
// process), failing the test if it has not exited within timeout.
func (p *Proc) Stop(sig os.Signal, timeout time.Duration) int {
	p.tb.Helper()
	_ = p.Cmd.Process.Signal(sig)
	return p.Wait(timeout)
}

// Wait waits for the process to exit and returns its exit code (-1 if a
// signal ended it), failing the test if it has not exited within timeout.
func (p *Proc) Wait(timeout time.Duration) int {
	p.tb.Helper()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.tb.Fatalf("%s did not exit within %s", p.name, timeout)
	}
	return p.Cmd.ProcessState.ExitCode()
}

// WaitLog waits until stderr holds s, failing the test if the process exits
// first or timeout passes.
func (p *Proc) WaitLog(s string, timeout time.Duration) {
	p.tb.Helper()
	p.WaitLogN(s, 1, timeout)
}

// WaitLogN waits until stderr holds n occurrences of s, failing the test if
// the process exits first or timeout passes.
func (p *Proc) WaitLogN(s string, n int, timeout time.Duration) {
	p.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		// Exited is read first: once it is true stderr is complete, so a
		// line written just before the exit is still seen.
		exited := p.Exited()
		if strings.Count(p.Stderr.String(), s) >= n {
			return
		}
		if exited {
			p.tb.Fatalf("%s exited (%v) before logging %q", p.name, p.err, s)
		}
		if time.Now().After(deadline) {
			p.tb.Fatalf("%s did not log %q within %s", p.name, s, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
