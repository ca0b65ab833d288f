package terminal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// status is the -o json document of `dynamodb-source status`.
type status struct {
	Where   string    `json:"where"`
	Saved   time.Time `json:"saved"`
	Streams []struct {
		ARN      string `json:"arn"`
		Finished bool   `json:"finished"`
		Shards   []struct {
			ID       string `json:"id"`
			Sequence string `json:"sequence"`
			Finished bool   `json:"finished"`
		} `json:"shards"`
	} `json:"streams"`
}

// run runs the binary to its end and returns its stdout, stderr and exit
// status.
func run(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func statusJSON(t *testing.T, env []string, args ...string) status {
	t.Helper()
	out, errOut, code := run(t, env, append([]string{"status", "-o", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("status %v: exit %d\n%s", args, code, errOut)
	}
	var s status
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("status -o json: %v\n%s", err, out)
	}
	return s
}

// lastSequence is the largest sequence number among the events the sink
// received (sequence numbers are decimal strings of varying length).
func lastSequence(t *testing.T, sink *cesink.Sink) string {
	t.Helper()
	last := ""
	for _, e := range sink.Events() {
		var data struct {
			Dynamodb struct{ SequenceNumber string }
		}
		if err := json.Unmarshal(e.Data(), &data); err != nil {
			t.Fatalf("event %s: %v", e.ID(), err)
		}
		s := data.Dynamodb.SequenceNumber
		if len(s) > len(last) || (len(s) == len(last) && s > last) {
			last = s
		}
	}
	return last
}

func TestStatusShowsTheCheckpointTheSourceSaved(t *testing.T) {
	db := ddblocal.Start(t)
	ctx := t.Context()
	tableARN, streamARN := db.CreateTable(ctx, t, "orders", types.StreamViewTypeKeysOnly)
	putItems(ctx, t, db.DynamoDB(), "orders", 20)
	sink := cesink.Start(t)
	stateHome := t.TempDir()
	env := binproc.CleanEnv("XDG_STATE_HOME=" + stateHome)
	p := binproc.Start(t, env, binary, sourceArgs(db, tableARN, sink.URL)...)
	if !sink.WaitDistinct(20, time.Minute) {
		t.Fatalf("the sink got %d changes, want 20", sink.Distinct())
	}
	want := lastSequence(t, sink)
	file := filepath.Join(stateHome, "dynamodb-source", checkpoint.FileName(tableARN))

	// While the source runs (and holds the file's lock), status reads it.
	var s status
	deadline := time.Now().Add(30 * time.Second)
	for {
		s = statusJSON(t, env, "--arn", tableARN)
		if len(s.Streams) == 1 && len(s.Streams[0].Shards) == 1 && s.Streams[0].Shards[0].Sequence == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never showed the last delivered change %s:\n%+v", want, s)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if s.Where != file || s.Streams[0].ARN != streamARN || s.Streams[0].Finished || s.Streams[0].Shards[0].Finished ||
		time.Since(s.Saved) > time.Minute || time.Since(s.Saved) < 0 {
		t.Errorf("status of the running source: %+v\nwant where %s, stream %s, open shard, saved just now", s, file, streamARN)
	}
	if code := p.Stop(syscall.SIGINT, 20*time.Second); code != 0 {
		t.Fatalf("source exit status %d after SIGINT", code)
	}

	// Stopped: the table for people, read without changing the file.
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(file)
	out, errOut, code := run(t, env, "status", "--arn", tableARN)
	if code != 0 {
		t.Fatalf("status: exit %d\n%s", code, errOut)
	}
	for _, w := range []string{"Checkpoints: " + file, "Last saved:", "Streams:     1, shards: 1 (0 finished, 1 open)",
		streamARN, s.Streams[0].Shards[0].ID, "reading", want} {
		if !strings.Contains(out, w) {
			t.Errorf("no %q in the status table:\n%s", w, out)
		}
	}
	after, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if info2, _ := os.Stat(file); !bytes.Equal(before, after) || !info2.ModTime().Equal(info.ModTime()) {
		t.Error("status changed the checkpoint file")
	}

	// The same file by its path.
	if byPath := statusJSON(t, binproc.CleanEnv(), "--checkpoint.file", file); byPath.Streams[0].Shards[0].Sequence != want {
		t.Errorf("status --checkpoint.file: %+v, want sequence %s", byPath, want)
	}

	// Another table has no checkpoint: exit 1, saying where it looked and
	// what is there.
	other := strings.Replace(tableARN, "table/orders", "table/invoices", 1)
	_, errOut, code = run(t, env, "status", "--arn", other)
	if code != 1 || !strings.Contains(errOut, "no checkpoint at "+filepath.Join(stateHome, "dynamodb-source", checkpoint.FileName(other))) ||
		!strings.Contains(errOut, checkpoint.FileName(tableARN)) {
		t.Errorf("status of a table without checkpoint: exit %d, want 1 naming the file and listing %s:\n%s",
			code, checkpoint.FileName(tableARN), errOut)
	}
}

func TestStatusRefusesBadFlagsWithExit2(t *testing.T) {
	env := binproc.CleanEnv("XDG_STATE_HOME=" + t.TempDir())
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no source named", nil, "which source?"},
		{"a file and a Kubernetes source", []string{"--arn", "arn:aws:dynamodb:us-east-1:1:table/t", "--source", "ns/s"}, "not both"},
		{"an unknown output", []string{"--arn", "arn:aws:dynamodb:us-east-1:1:table/t", "-o", "yaml"}, "use table or json"},
		{"an unknown flag", []string{"--table", "t"}, "unknown flag"},
		{"a positional argument", []string{"orders"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, env, append([]string{"status"}, tt.args...)...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, want 2 with %q:\n%s", code, tt.want, errOut)
			}
		})
	}
}
