package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// operationExtension is the CloudEvents extension that carries the DynamoDB
// stream record's event name (INSERT, MODIFY, REMOVE).
const operationExtension = "dynamodboperation"

// TerminalSender is the sink of the command line when none is given: it
// prints each event for a person reading a terminal. It is safe for
// concurrent use.
type TerminalSender struct {
	mu sync.Mutex // one event's block is one Write, never interleaved
	w  io.Writer
}

var _ Sender = (*TerminalSender)(nil)

// NewTerminalSender returns a sender that prints to w (typically os.Stdout).
func NewTerminalSender(w io.Writer) *TerminalSender {
	return &TerminalSender{w: w}
}

// Send prints e as one block: its id, operation, subject, time, type,
// source, other extensions, and its data (JSON indented). A write error
// rejects the event: a closed terminal or pipe does not come back.
func (t *TerminalSender) Send(ctx context.Context, e cloudevents.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	block := formatEvent(&e)

	t.mu.Lock()
	_, err := t.w.Write(block)
	t.mu.Unlock()
	if err != nil {
		return &RejectedError{EventID: e.ID(), Attempts: 1, Err: fmt.Errorf("writing event to terminal: %w", err)}
	}
	return nil
}

// formatEvent renders the block, ending in a blank line that separates it
// from the next one.
func formatEvent(e *cloudevents.Event) []byte {
	var b bytes.Buffer
	field := func(name, value string) {
		if value == "" {
			value = "-"
		}
		fmt.Fprintf(&b, "%-10s %s\n", name, printable(value))
	}

	op, _ := e.Extensions()[operationExtension].(string)
	field("event", e.ID())
	field("operation", op)
	field("subject", e.Subject())
	field("time", formatTime(e.Time()))
	field("type", e.Type())
	field("source", e.Source())

	extensions := e.Extensions()
	names := make([]string, 0, len(extensions))
	for name := range extensions {
		if name != operationExtension {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		field(name, fmt.Sprint(extensions[name]))
	}

	b.WriteString("data\n")
	data := e.Data()
	switch {
	case len(data) == 0:
		b.WriteString("  (none)\n")
	case json.Valid(data):
		// Indent prefixes every line but the first, and cannot fail on
		// valid JSON. Nulls are left out on the terminal: the data keeps
		// TriggerMesh's layout, where every attribute value carries ten
		// fields of which nine are null, which no person wants to read.
		b.WriteString("  ")
		_ = json.Indent(&b, withoutNulls(data), "  ", "  ")
		b.WriteString("\n")
	default:
		for line := range strings.Lines(string(data)) {
			b.WriteString("  ")
			b.WriteString(printable(strings.TrimRight(line, "\r\n")))
			b.WriteString("\n")
		}
	}
	b.WriteString("\n")
	return b.Bytes()
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// printable quotes s if it holds characters a terminal would act on rather
// than show (escape sequences could rewrite the screen), since attribute
// values come from table items.
func printable(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return s
	}
	return strconv.Quote(s)
}

// withoutNulls returns data with every null object member removed, or data
// itself when it cannot be re-encoded.
func withoutNulls(data []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep numbers exactly as sent
	var v any
	if err := dec.Decode(&v); err != nil {
		return data
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false) // a terminal shows <, > and & as they are
	if err := enc.Encode(dropNulls(v)); err != nil {
		return data
	}
	return bytes.TrimRight(out.Bytes(), "\n")
}

func dropNulls(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if x == nil {
				delete(t, k)
				continue
			}
			t[k] = dropNulls(x)
		}
	case []any:
		for i, x := range t {
			t[i] = dropNulls(x)
		}
	}
	return v
}
