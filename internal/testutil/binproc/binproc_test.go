package binproc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// helperEnv selects what the test binary does when a test runs it as the
// child process (os.Args[0]) instead of running the tests.
const helperEnv = "BINPROC_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "serve": // log twice, then run until SIGTERM and exit 3
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		fmt.Println("out line")
		fmt.Fprintln(os.Stderr, "ready")
		fmt.Fprintln(os.Stderr, "ready")
		<-term
		fmt.Fprintln(os.Stderr, "stopping")
		os.Exit(3)
	case "exit": // log one line and exit at once
		fmt.Fprintln(os.Stderr, "bye")
		os.Exit(0)
	case "env": // print the environment
		for _, kv := range os.Environ() {
			fmt.Println(kv)
		}
		os.Exit(0)
	}
	os.Exit(2)
}

func helper(tb testing.TB, mode string) *Proc {
	tb.Helper()
	return Start(tb, CleanEnv(helperEnv+"="+mode), os.Args[0])
}

// fatalTB records the first Fatalf and ends the goroutine that called it,
// as testing.T does; everything else goes to the real test.
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

// fatal runs fn in its own goroutine, as Fatalf ends it, and returns the
// Fatalf message ("" if fn returned normally).
func (f *fatalTB) fatal(fn func()) string {
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msg
}

func TestSyncBufferConcurrentWrites(t *testing.T) {
	var b SyncBuffer
	const writers, lines = 8, 500
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(&b, "w%d-%d\n", w, i)
				if i%50 == 0 {
					_ = b.String() // reads race with writes
				}
			}
		})
	}
	wg.Wait()
	got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("%d lines, want %d", len(got), writers*lines)
	}
	for _, l := range got {
		if !strings.HasPrefix(l, "w") || !strings.Contains(l, "-") {
			t.Fatalf("torn line %q", l)
		}
	}
}

func TestCleanEnvStripsAWSAndStateKeepsTheRest(t *testing.T) {
	t.Setenv("AWS_PROFILE", "prod")
	t.Setenv("AWS_CA_BUNDLE", "/etc/corp-ca.pem")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "real")
	t.Setenv("XDG_STATE_HOME", "/home/someone/.local/state")
	t.Setenv("HOME", "/home/someone")
	t.Setenv("NOT_AWS_X", "kept")
	env := CleanEnv("AWS_REGION=eu-west-1", "XDG_STATE_HOME=/tmp/state")
	for _, kv := range env {
		for _, gone := range []string{"AWS_PROFILE=", "AWS_CA_BUNDLE=", "AWS_SECRET_ACCESS_KEY=", "XDG_STATE_HOME=/home"} {
			if strings.HasPrefix(kv, gone) {
				t.Errorf("CleanEnv kept %q", kv)
			}
		}
	}
	for _, want := range []string{"PATH=" + os.Getenv("PATH"), "HOME=/home/someone", "NOT_AWS_X=kept",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_REGION=eu-west-1", "XDG_STATE_HOME=/tmp/state"} {
		if !slices.Contains(env, want) {
			t.Errorf("CleanEnv lacks %q", want)
		}
	}
	if env[len(env)-1] != "XDG_STATE_HOME=/tmp/state" {
		t.Errorf("extra is not last: %q", env[len(env)-2:])
	}
}

func TestStartGivesTheChildExactlyEnv(t *testing.T) {
	t.Setenv("AWS_PROFILE", "prod")
	p := Start(t, CleanEnv(helperEnv+"=env", "EXTRA=1"), os.Args[0])
	if code := p.Wait(30 * time.Second); code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, p.Stderr.String())
	}
	out := p.Stdout.String()
	if strings.Contains(out, "AWS_PROFILE") {
		t.Errorf("the child saw AWS_PROFILE:\n%s", out)
	}
	if !strings.Contains(out, "\nEXTRA=1\n") || !strings.Contains(out, "PATH=") {
		t.Errorf("the child lacks EXTRA or PATH:\n%s", out)
	}
}

func TestWaitLogThenStopReturnsTheExitCode(t *testing.T) {
	p := helper(t, "serve")
	p.WaitLogN("ready", 2, 30*time.Second)
	if p.Exited() {
		t.Fatal("Exited before the signal")
	}
	if code := p.Stop(syscall.SIGTERM, 30*time.Second); code != 3 {
		t.Fatalf("Stop = %d, want 3", code)
	}
	if !p.Exited() {
		t.Fatal("not Exited after Stop")
	}
	select {
	case <-p.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	var exit *exec.ExitError
	if !errors.As(p.Err(), &exit) || exit.ExitCode() != 3 {
		t.Fatalf("Err = %v, want exit status 3", p.Err())
	}
	if got := p.Stdout.String(); got != "out line\n" {
		t.Errorf("Stdout = %q", got)
	}
	if got := p.Stderr.String(); got != "ready\nready\nstopping\n" {
		t.Errorf("Stderr = %q", got)
	}
	if got := p.Output(); got != "out line\nready\nready\nstopping\n" {
		t.Errorf("Output = %q", got)
	}
}

func TestWaitLogSeesALineWrittenJustBeforeTheExit(t *testing.T) {
	p := helper(t, "exit")
	<-p.Done()
	p.WaitLog("bye", time.Second)
}

func TestWaitLogFailsWhenTheProcessExitsFirst(t *testing.T) {
	f := &fatalTB{TB: t}
	p := helper(f, "exit")
	msg := f.fatal(func() { p.WaitLog("never printed", 30*time.Second) })
	if !strings.Contains(msg, "exited") || !strings.Contains(msg, `"never printed"`) {
		t.Fatalf("Fatalf(%q), want an exited-before-logging failure", msg)
	}
}

func TestWaitLogFailsAfterTheTimeout(t *testing.T) {
	f := &fatalTB{TB: t}
	p := helper(f, "serve")
	start := time.Now()
	msg := f.fatal(func() { p.WaitLog("never printed", 200*time.Millisecond) })
	if !strings.Contains(msg, "did not log") {
		t.Fatalf("Fatalf(%q), want a timeout failure", msg)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("gave up after %s, before the timeout", d)
	}
}

func TestWaitFailsWhenTheProcessOutlivesTheTimeout(t *testing.T) {
	f := &fatalTB{TB: t}
	p := helper(f, "serve")
	p.WaitLog("ready", 30*time.Second)
	msg := f.fatal(func() { p.Wait(100 * time.Millisecond) })
	if !strings.Contains(msg, "did not exit within 100ms") {
		t.Fatalf("Fatalf(%q), want a timeout failure", msg)
	}
	if p.Exited() {
		t.Fatal("Wait's timeout ended the process")
	}
}

func TestKillEndsTheProcess(t *testing.T) {
	p := helper(t, "serve")
	p.WaitLog("ready", 30*time.Second)
	p.Kill()
	if !p.Exited() {
		t.Fatal("not Exited after Kill")
	}
	if code := p.Cmd.ProcessState.ExitCode(); code != -1 {
		t.Fatalf("exit code %d after SIGKILL, want -1", code)
	}
	if err := syscall.Kill(p.Pid(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("pid %d still exists after Kill (%v)", p.Pid(), err)
	}
	p.Kill() // a second Kill is a no-op
}

func TestCleanupKillsAProcessStillRunning(t *testing.T) {
	var p *Proc
	t.Run("starts", func(t *testing.T) { p = helper(t, "serve"); p.WaitLog("ready", 30*time.Second) })
	if !p.Exited() {
		t.Fatal("the subtest's cleanup left the process running")
	}
}

func TestTail(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{{"abc", 5, "abc"}, {"abc", 3, "abc"}, {"abcdef", 2, "…ef"}, {"", 1, ""}} {
		if got := Tail(c.s, c.n); got != c.want {
			t.Errorf("Tail(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}

func TestFreePortCanBeListenedOn(t *testing.T) {
	port := FreePort(t)
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("port %d: %v", port, err)
	}
	l.Close()
}

func TestBuildTemp(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the binary")
	}
	bin, remove, err := BuildTemp("binproc-test")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(bin)
	if err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("no executable at %s (%v)", bin, err)
	}
	remove()
	if _, err := os.Stat(bin); !os.IsNotExist(err) {
		t.Fatalf("remove left %s (%v)", bin, err)
	}
}
