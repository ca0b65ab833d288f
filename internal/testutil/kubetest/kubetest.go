package kubetest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// SkipVar is the variable that, set to 1, skips the tests needing envtest.
const SkipVar = "DYNAMODB_SOURCE_SKIP_ENVTEST"

// Env is a running control plane.
type Env struct {
	// Config reaches the API server as an administrator.
	Config *rest.Config
	env    *envtest.Environment
}

var (
	mu       sync.Mutex
	shared   *Env
	startErr error
)

// Main is the TestMain of packages with envtest tests. The control plane is
// started by the first test that asks for it (Get), so the other tests of
// the package do not wait for it; Main stops it after the tests. It returns
// the exit code for os.Exit:
//
//	func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
func Main(m *testing.M) int {
	if os.Getenv(SkipVar) == "1" {
		fmt.Fprintf(os.Stderr, "\n!!! %s=1: SKIPPING every test that needs a kube-apiserver (envtest) !!!\n\n", SkipVar)
	}
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "kubetest: stopping the control plane: %v\n", err)
		}
		shared = nil
	}
	return code
}

// Get returns the package's control plane, starting it on first use. It
// fails t when the control plane cannot start, and skips t, loudly, only
// when DYNAMODB_SOURCE_SKIP_ENVTEST=1. The package's TestMain must call Main.
func Get(t testing.TB) *Env {
	t.Helper()
	if os.Getenv(SkipVar) == "1" {
		t.Skipf("!!! SKIPPED: needs a kube-apiserver, and %s=1 !!!", SkipVar)
	}
	if testing.Short() {
		t.Skip("!!! SKIPPED in -short mode: needs a kube-apiserver (envtest) !!!")
	}
	mu.Lock()
	defer mu.Unlock()
	if shared == nil && startErr == nil {
		shared, startErr = Start()
	}
	if startErr != nil {
		t.Fatalf("starting envtest: %v (set %s=1 to skip the tests that need it)", startErr, SkipVar)
	}
	return shared
}

// Start starts a control plane with this project's CRDs installed.
func Start() (*Env, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	assets, err := AssetsDir(root)
	if err != nil {
		return nil, err
	}
	e := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := e.Start()
	if err != nil {
		return nil, fmt.Errorf("starting envtest with binaries from %s: %w", assets, err)
	}
	return &Env{Config: cfg, env: e}, nil
}

// Kubeconfig returns a kubeconfig file's contents for an administrator of
// the control plane, for programs that take --kubeconfig.
func (e *Env) Kubeconfig() ([]byte, error) {
	u, err := e.env.ControlPlane.AddUser(envtest.User{Name: "kubetest-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, fmt.Errorf("adding a user to envtest: %w", err)
	}
	return u.KubeConfig()
}

// Stop stops the control plane.
func (e *Env) Stop() error { return e.env.Stop() }

// AssetsDir returns the folder of kube-apiserver and etcd: KUBEBUILDER_ASSETS
// if set, else what hack/envtest.sh prints (building them if needed).
func AssetsDir(root string) (string, error) {
	if d := os.Getenv("KUBEBUILDER_ASSETS"); d != "" {
		return d, nil
	}
	fmt.Fprintln(os.Stderr, "kubetest: KUBEBUILDER_ASSETS is unset; running hack/envtest.sh (the first build takes several minutes)")
	var out bytes.Buffer
	cmd := exec.Command("bash", filepath.Join(root, "hack", "envtest.sh"))
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("running hack/envtest.sh to build kube-apiserver and etcd: %w", err)
	}
	d := strings.TrimSpace(out.String())
	if d == "" {
		return "", errors.New("hack/envtest.sh printed no folder")
	}
	return d, nil
}

// RepoRoot is the folder holding this module's go.mod, found upwards from
// the working directory (go test runs in the package's folder).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/dynamodb-source/dynamodb-source\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the repository root (the go.mod of github.com/dynamodb-source/dynamodb-source) above the working directory")
		}
		dir = parent
	}
}
