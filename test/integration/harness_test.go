package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	cloudevents "github.com/cloudevents/sdk-go/v2"
)

var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("test/integration: skipped with -short (runs the binary against DynamoDB Local)")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "dynamodb-source-it")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "dynamodb-source")
	build := exec.Command("go", "build", "-o", binary, "github.com/dynamodb-source/dynamodb-source/cmd/dynamodb-source")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building dynamodb-source:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running dynamodb-source.
type proc struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
	err    error
}

// cleanEnv is the environment of the binary: the machine's, without any AWS
// settings (a test must not depend on AWS_CA_BUNDLE, a profile or real
// credentials), with the state folder in the test's own temp dir.
func cleanEnv(stateDir string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "XDG_STATE_HOME=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "XDG_STATE_HOME="+stateDir, "AWS_EC2_METADATA_DISABLED=true")
	return append(env, extra...)
}

func start(t testing.TB, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("dynamodb-source stderr:\n%s", tail(p.stderr.String(), 4000))
		}
	})
	return p
}

func (p *proc) kill() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// stop sends sig and returns the exit code.
func (p *proc) stop(sig syscall.Signal, timeout time.Duration) int {
	p.t.Helper()
	_ = p.cmd.Process.Signal(sig)
	return p.wait(timeout)
}

func (p *proc) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("dynamodb-source did not exit within %s", timeout)
	}
	return p.cmd.ProcessState.ExitCode()
}

// waitLog waits until stderr has n occurrences of s.
func (p *proc) waitLog(s string, n int, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for strings.Count(p.stderr.String(), s) < n {
		select {
		case <-p.done:
			p.t.Fatalf("dynamodb-source exited (%v) before logging %q", p.err, s)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("dynamodb-source did not log %q within %s", s, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// put writes item pk with version v.
func put(ctx context.Context, t testing.TB, c *dynamodb.Client, table, pk string, v int) {
	t.Helper()
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(table),
		Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk},
			"sk": &types.AttributeValueMemberS{Value: "0"},
			"v":  &types.AttributeValueMemberN{Value: strconv.Itoa(v)},
		},
	})
	if err != nil {
		t.Fatalf("putting %s v%d: %v", pk, v, err)
	}
}

// record is the part of an event's data the tests read.
type record struct {
	EventID   string
	EventName string
	Dynamodb  struct {
		Keys           map[string]map[string]any
		NewImage       map[string]map[string]any
		OldImage       map[string]map[string]any
		SequenceNumber string
		StreamViewType string
	}
}

func decode(t testing.TB, e cloudevents.Event) record {
	t.Helper()
	var r record
	if err := json.Unmarshal(e.Data(), &r); err != nil {
		t.Fatalf("event %s data: %v\n%s", e.ID(), err, e.Data())
	}
	return r
}

// version returns the v attribute of the record's new image, -1 if none.
func (r record) version() int {
	v, ok := r.Dynamodb.NewImage["v"]["N"].(string)
	if !ok {
		return -1
	}
	n, _ := strconv.Atoi(v)
	return n
}

// orderReport checks per-item order over first arrivals: every item's
// versions must increase. Redeliveries after a restart are duplicates, not
// order violations.
func orderReport(t testing.TB, events []cloudevents.Event) (duplicates, violations int) {
	t.Helper()
	seen := map[string]bool{}
	last := map[string]int{}
	for _, e := range events {
		if seen[e.ID()] {
			duplicates++
			continue
		}
		seen[e.ID()] = true
		r := decode(t, e)
		pk, _ := r.Dynamodb.Keys["pk"]["S"].(string)
		v := r.version()
		if prev, ok := last[pk]; ok && v <= prev {
			violations++
			if violations <= 5 {
				t.Errorf("item %s: version %d arrived after %d", pk, v, prev)
			}
		}
		last[pk] = v
	}
	return duplicates, violations
}
