package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

func TestTerminalSenderPrintsOneReadableBlock(t *testing.T) {
	var out bytes.Buffer
	s := NewTerminalSender(&out)

	if err := s.Send(t.Context(), testEvent(t, "e-42")); err != nil {
		t.Fatalf("Send() = %v", err)
	}

	want := `event      e-42
operation  INSERT
subject    pk=user#1
time       2024-05-01T12:30:45.123Z
type       com.amazon.dynamodb.stream_record
source     arn:aws:dynamodb:eu-west-1:123456789012:table/users/stream/2024-05-01T00:00:00.000
data
  {
    "Keys": {
      "pk": {
        "S": "user#1"
      }
    },
    "NewImage": {
      "n": {
        "N": "7"
      },
      "pk": {
        "S": "user#1"
      }
    }
  }

`
	if got := out.String(); got != want {
		t.Errorf("printed:\n%s\nwant:\n%s", got, want)
	}
}

func TestTerminalSenderShowsEveryFieldEvenWhenMissing(t *testing.T) {
	tests := []struct {
		name  string
		event func(*cloudevents.Event)
		want  []string
	}{
		{"missing operation, subject and time show a dash", func(e *cloudevents.Event) {
			e.SetSubject("")
			e.SetTime(time.Time{})
			e.SetExtension(operationExtension, nil)
		}, []string{"operation  -\n", "subject    -\n", "time       -\n"}},
		{"no data says so", func(e *cloudevents.Event) {
			e.DataEncoded = nil
		}, []string{"data\n  (none)\n"}},
		{"data that is not JSON is printed as text", func(e *cloudevents.Event) {
			_ = e.SetData("text/plain", []byte("line one\nline two"))
		}, []string{"data\n  line one\n  line two\n"}},
		{"other extensions are listed, sorted", func(e *cloudevents.Event) {
			e.SetExtension("zeta", "z")
			e.SetExtension("alpha", "a")
		}, []string{"alpha      a\nzeta       z\ndata\n"}},
		{"control characters in attributes are quoted, not sent to the terminal", func(e *cloudevents.Event) {
			e.SetSubject("pk=\x1b[2Jboom")
		}, []string{`subject    "pk=\x1b[2Jboom"` + "\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEvent(t, "e-1")
			tt.event(&e)
			var out bytes.Buffer
			if err := NewTerminalSender(&out).Send(t.Context(), e); err != nil {
				t.Fatalf("Send() = %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("printed:\n%s\nwant it to contain %q", out.String(), w)
				}
			}
			if !strings.HasPrefix(out.String(), "event      e-1\n") {
				t.Errorf("printed:\n%s\nwant it to start with the event id", out.String())
			}
		})
	}
}

func TestTerminalSenderBlocksDoNotInterleave(t *testing.T) {
	// A bytes.Buffer is not safe for concurrent use: without the sender's own
	// locking, -race reports this test, and blocks written piecemeal would
	// mix their lines.
	var out bytes.Buffer
	s := NewTerminalSender(&out)
	const n = 64

	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			e := testEvent(t, fmt.Sprintf("e-%d", i))
			_ = e.SetData(cloudevents.ApplicationJSON, []byte(fmt.Sprintf(`{"n":%d}`, i)))
			if err := s.Send(t.Context(), e); err != nil {
				t.Errorf("Send(e-%d) = %v", i, err)
			}
		})
	}
	wg.Wait()

	blocks := strings.SplitAfter(out.String(), "\n\n")
	if last := blocks[len(blocks)-1]; last != "" {
		t.Fatalf("output does not end with a complete block: %q", last)
	}
	blocks = blocks[:len(blocks)-1]
	if len(blocks) != n {
		t.Fatalf("%d events printed %d blocks, want one each", n, len(blocks))
	}
	for _, block := range blocks {
		var i int
		if _, err := fmt.Sscanf(block, "event      e-%d\n", &i); err != nil {
			t.Fatalf("block does not start with its event id: %q", block)
		}
		if !strings.Contains(block, fmt.Sprintf(`"n": %d`, i)) || strings.Count(block, "operation  ") != 1 {
			t.Errorf("block of e-%d holds another event's lines: %q", i, block)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestTerminalSenderRejectsWhenTheTerminalIsGone(t *testing.T) {
	err := NewTerminalSender(failingWriter{}).Send(t.Context(), testEvent(t, "e-1"))
	var rejected *RejectedError
	if !errors.As(err, &rejected) || rejected.EventID != "e-1" || !strings.Contains(err.Error(), "broken pipe") {
		t.Fatalf("Send() = %v, want a *RejectedError wrapping the write error", err)
	}
}

func TestTerminalSenderHonoursEndedContext(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := NewTerminalSender(&out).Send(ctx, testEvent(t, "e-1")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send() = %v, want context.Canceled", err)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q after the context ended", out.String())
	}
}

func TestTerminalSenderLeavesNullsOut(t *testing.T) {
	var out bytes.Buffer
	e := cloudevents.NewEvent()
	e.SetID("id-1")
	e.SetType("t")
	e.SetSource("s")
	if err := e.SetData("application/json", json.RawMessage(`{"Keys":{"pk":{"B":null,"N":null,"S":"a<b"}},"OldImage":null,"Size":12.50}`)); err != nil {
		t.Fatal(err)
	}
	if err := NewTerminalSender(&out).Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.Contains(got, "null") || strings.Contains(got, "OldImage") {
		t.Fatalf("nulls printed:\n%s", got)
	}
	if !strings.Contains(got, `"S": "a<b"`) || !strings.Contains(got, `"Size": 12.50`) {
		t.Fatalf("values changed on the way to the terminal:\n%s", got)
	}
}
