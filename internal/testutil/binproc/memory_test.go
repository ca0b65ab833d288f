package binproc

import (
	"os"
	"strings"
	"testing"
)

func TestMemoryReadsEachLineInBytes(t *testing.T) {
	status := "Name:\tdynamodb-source\nVmHWM:\t   38912 kB\nVmRSS:\t   30720 kB\nRssAnon:\t   20480 kB\nRssFile:\t   10240 kB\nThreads:\t7\n"
	m, err := parseStatus(status, "status")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Memory{RSS: 30720 << 10, HWM: 38912 << 10, Anon: 20480 << 10, File: 10240 << 10}); m != want {
		t.Errorf("parseStatus = %+v, want %+v", m, want)
	}
}

func TestMemoryOfAnExitedProcessIsAnError(t *testing.T) {
	// A zombie's status keeps its name and state but no Vm lines.
	if m, err := parseStatus("Name:\tdynamodb-source\nState:\tZ (zombie)\n", "status"); err == nil {
		t.Errorf("parseStatus of a zombie = %+v, nil; want an error", m)
	}
}

func TestMemoryOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	m, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.HWM < m.RSS || m.Anon <= 0 {
		t.Errorf("ReadMemory(self) = %+v, want RSS > 0, HWM >= RSS, Anon > 0", m)
	}
	if _, err := ReadMemory(-1); err == nil || !strings.Contains(err.Error(), "reading process memory") {
		t.Errorf("ReadMemory(-1) = %v, want a read error", err)
	}
}
