package main

import (
	"errors"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// forbidden is client-go's typed clientset. Its kubernetes/scheme package
// registers every Kubernetes API group at init, which costs this binary ~9
// MiB of resident memory at start-up in every adapter pod (see
// docs/benchmarks.md). The adapter needs only ConfigMaps, which it reaches
// through checkpoint.NewConfigMaps, a plain rest client.
const forbidden = "k8s.io/client-go/kubernetes"

func isForbidden(pkg string) bool {
	return pkg == forbidden || strings.HasPrefix(pkg, forbidden+"/")
}

// TestNoTypedKubernetesClient keeps the binary off the typed clientset.
func TestNoTypedKubernetesClient(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is not available: %v", err)
	}
	// Each line: a dependency, then what it imports.
	cmd := exec.Command(gobin, "list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", ".")
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("go list -deps: %v\n%s", err, exit.Stderr)
		}
		t.Fatalf("go list -deps: %v", err)
	}
	var found, importers []string
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg := fields[0]
		if isForbidden(pkg) {
			found = append(found, pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if isForbidden(imp) {
				importers = append(importers, pkg+" imports "+imp)
			}
		}
	}
	if len(found) > 0 {
		sort.Strings(importers)
		t.Errorf("cmd/dynamodb-source depends on the typed clientset %s/... again:\n\t%s\nimported by:\n\t%s\n"+
			"Its kubernetes/scheme package registers every Kubernetes API group at start-up, "+
			"~9 MiB more resident memory in every adapter (see docs/benchmarks.md). "+
			"Reach the API server through k8s.io/client-go/rest as checkpoint.NewConfigMaps does.",
			forbidden, strings.Join(found, "\n\t"), strings.Join(importers, "\n\t"))
	}
}
