package terminal

import (
	"io"
	"os"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
)

// pty is a pseudo-terminal: a process given Slave as its stderr sees a
// terminal, and what it writes there is collected from the master side.
type pty struct {
	Slave  *os.File
	master *os.File
	out    binproc.SyncBuffer
	wg     sync.WaitGroup
}

// openPTY opens a pseudo-terminal (Linux: /dev/ptmx and /dev/pts) and starts
// copying what is written to it; the test's cleanup closes it and waits for
// the copy.
func openPTY(t *testing.T) *pty {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		t.Fatalf("unlocking the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		t.Fatalf("naming the pseudo-terminal: %v", err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Fatalf("opening the pseudo-terminal's slave: %v", err)
	}
	p := &pty{Slave: slave, master: master}
	p.wg.Go(func() { _, _ = io.Copy(&p.out, master) }) // ends with EIO once every slave is closed, or on Close
	t.Cleanup(func() {
		p.Slave.Close()
		p.master.Close()
		p.wg.Wait()
	})
	return p
}

// String is everything written to the terminal so far.
func (p *pty) String() string { return p.out.String() }
