package ddblocal

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// startCmd starts cmd with a parent-death signal, so a test binary that dies
// without running Cleanup (go test's -timeout panics, a SIGKILL) takes its
// DynamoDB Local with it instead of leaking a JVM per test package.
//
// Linux delivers that signal when the *thread* that forked the child exits,
// not the process. Go may retire a thread whenever a goroutine that locked it
// ends, so the fork happens on a dedicated goroutine that locks its thread and
// never returns: that thread lives exactly as long as the test binary.
func startCmd(cmd *exec.Cmd) error {
	starterOnce.Do(func() {
		starter = make(chan func())
		go func() {
			runtime.LockOSThread()
			for f := range starter {
				f()
			}
		}()
	})
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	errc := make(chan error, 1)
	starter <- func() { errc <- cmd.Start() }
	return <-errc
}

var (
	starterOnce sync.Once
	starter     chan func()
)

// listensOn reports whether process pid has a listening TCP socket on port.
//
// DynamoDB Local does not exit when its port is taken: it logs a
// BindException and hangs. If another DynamoDB Local holds the port, that one
// answers ListTables, so a successful call alone could hand a test someone
// else's server. Matching the listening socket's inode against pid's open
// descriptors proves the answering server is ours.
func listensOn(pid, port int) (bool, error) {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return false, err
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err != nil {
			continue // closed since ReadDir
		}
		if inode, ok := strings.CutPrefix(target, "socket:["); ok {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	// The JVM listens on a dual-stack IPv6 socket, which shows in tcp6;
	// tcp is read too in case IPv6 is disabled.
	for _, table := range []string{"/proc/net/tcp6", "/proc/net/tcp"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A is TCP_LISTEN
				continue
			}
			_, hexPort, ok := strings.Cut(f[1], ":")
			if !ok {
				continue
			}
			p, err := strconv.ParseUint(hexPort, 16, 16)
			if err != nil || int(p) != port {
				continue
			}
			if inodes[f[9]] {
				return true, nil
			}
		}
	}
	return false, nil
}
