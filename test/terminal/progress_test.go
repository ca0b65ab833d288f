package terminal

import (
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// The progress lines appear while a backlog is read when stderr is a
// terminal, end with one caught-up line, and stay away from pipes and from
// people who asked for warnings only.
func TestProgressLinesOnATerminalOnly(t *testing.T) {
	db := ddblocal.Start(t)
	const backlog = 100
	tests := []struct {
		name      string
		terminal  bool
		args      []string
		wantLines bool
	}{
		{"a terminal shows the progress", true, nil, true},
		{"a pipe shows none", false, nil, false},
		{"a terminal at --log-level warn shows none", true, []string{"--log-level", "warn"}, false},
		{"--progress always shows it on a pipe", false, []string{"--progress", "always"}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			table := fmt.Sprintf("backlog-%d", i)
			tableARN, _ := db.CreateTable(ctx, t, table, types.StreamViewTypeKeysOnly)
			putItems(ctx, t, db.DynamoDB(), table, backlog)
			sink := cesink.Start(t)
			args := sourceArgs(db, tableARN, sink.URL, append([]string{"--progress-interval", "300ms"}, tt.args...)...)
			env := binproc.CleanEnv("XDG_STATE_HOME=" + t.TempDir())

			var stderr interface{ String() string }
			if tt.terminal {
				term := openPTY(t)
				cmd := exec.Command(binary, args...)
				cmd.Env, cmd.Stdout, cmd.Stderr = env, io.Discard, term.Slave
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
				stderr = term
			} else {
				stderr = binproc.Start(t, env, binary, args...).Stderr
			}
			if !sink.WaitDistinct(backlog, time.Minute) {
				t.Fatalf("the sink got %d changes, want %d", sink.Distinct(), backlog)
			}
			if !tt.wantLines {
				time.Sleep(2 * time.Second) // several ticks of 300ms
				if out := stderr.String(); strings.Contains(out, "catching up:") || strings.Contains(out, "caught up:") {
					t.Fatalf("progress lines where none belong:\n%s", out)
				}
				return
			}
			caughtUp := fmt.Sprintf("caught up: %d changes delivered, 1 shard reading; waiting for new changes", backlog)
			deadline := time.Now().Add(30 * time.Second)
			for !strings.Contains(stderr.String(), caughtUp) {
				if time.Now().After(deadline) {
					t.Fatalf("no %q:\n%s", caughtUp, stderr.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			// Live changes after that are quiet.
			putItems(ctx, t, db.DynamoDB(), table, 5)
			time.Sleep(2 * time.Second)
			out := stderr.String()
			if !strings.Contains(out, "catching up: ") {
				t.Errorf("no catching-up line before the caught-up one:\n%s", out)
			}
			if n := strings.Count(out, "caught up:"); n != 1 {
				t.Errorf("%d caught-up lines, want 1:\n%s", n, out)
			}
			if last := out[strings.Index(out, caughtUp):]; strings.Contains(last, "catching up:") {
				t.Errorf("progress lines after catching up, for live changes:\n%s", out)
			}
		})
	}
}
