package binproc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Memory is a process's memory as /proc/<pid>/status shows it, in bytes.
type Memory struct {
	RSS  int64 // VmRSS: resident set now
	HWM  int64 // VmHWM: the kernel's high-water mark of the resident set
	Anon int64 // RssAnon: anonymous resident memory (heap, stacks)
	File int64 // RssFile: file-backed resident memory (the binary's pages)
}

// Memory reads the process's memory from /proc (Linux). Once it has exited
// (a zombie's status has no Vm lines) it is an error.
func (p *Proc) Memory() (Memory, error) { return ReadMemory(p.Pid()) }

// ReadMemory reads the memory of process pid from /proc/<pid>/status.
func ReadMemory(pid int) (Memory, error) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	b, err := os.ReadFile(path)
	if err != nil {
		return Memory{}, fmt.Errorf("reading process memory: %w", err)
	}
	return parseStatus(string(b), path)
}

func parseStatus(status, path string) (Memory, error) {
	var m Memory
	fields := map[string]*int64{"VmRSS": &m.RSS, "VmHWM": &m.HWM, "RssAnon": &m.Anon, "RssFile": &m.File}
	found := false
	for line := range strings.Lines(status) {
		k, v, _ := strings.Cut(line, ":")
		dst, ok := fields[k]
		if !ok {
			continue
		}
		kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("reading %s of %s: %w", k, path, err)
		}
		*dst = kib << 10
		found = found || k == "VmRSS"
	}
	if !found {
		return Memory{}, fmt.Errorf("no VmRSS in %s: the process has exited", path)
	}
	return m, nil
}
