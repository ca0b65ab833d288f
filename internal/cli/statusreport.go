package cli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
)

// statusReport is what `dynamodb-source status` prints: a source's saved
// checkpoints, as a table or, with -o json, as this document.
type statusReport struct {
	// Where the checkpoints are: a file path, or configmap/<ns>/<name>.
	Where string `json:"where"`
	// Saved is when they were last written (the file's modification time,
	// the ConfigMap's last write); zero when unknown.
	Saved   time.Time      `json:"saved,omitzero"`
	Streams []streamStatus `json:"streams"`
}

type streamStatus struct {
	ARN      string        `json:"arn"`
	ReadFrom time.Time     `json:"readFrom,omitzero"`
	Finished bool          `json:"finished"`
	Shards   []shardStatus `json:"shards"`
}

type shardStatus struct {
	ID string `json:"id"`
	// Sequence is the last acknowledged record's sequence number.
	Sequence string `json:"sequence,omitempty"`
	Finished bool   `json:"finished"`
}

// newStatusReport orders a State for reading: streams by ARN (whose label is
// the stream's creation time, so oldest first) and shards by ID.
func newStatusReport(where string, saved time.Time, s checkpoint.State) statusReport {
	r := statusReport{Where: where, Saved: saved, Streams: []streamStatus{}}
	for arn, st := range s.Streams {
		if st == nil {
			continue
		}
		ss := streamStatus{ARN: arn, ReadFrom: st.ReadFrom, Finished: st.Finished, Shards: []shardStatus{}}
		for id, sh := range st.Shards {
			ss.Shards = append(ss.Shards, shardStatus{ID: id, Sequence: sh.Sequence, Finished: sh.Finished})
		}
		slices.SortFunc(ss.Shards, func(a, b shardStatus) int { return cmp.Compare(a.ID, b.ID) })
		r.Streams = append(r.Streams, ss)
	}
	slices.SortFunc(r.Streams, func(a, b streamStatus) int { return cmp.Compare(a.ARN, b.ARN) })
	return r
}

// writeJSON writes r for scripts.
func (r statusReport) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing the status: %w", err)
	}
	return nil
}

// writeTable writes r for people: a heading saying where and when, then a
// line per shard under a line per stream. now dates the "ago".
func (r statusReport) writeTable(w io.Writer, now time.Time) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Checkpoints: %s\n", r.Where)
	if !r.Saved.IsZero() {
		fmt.Fprintf(&b, "Last saved:  %s (%s ago)\n", r.Saved.UTC().Format(time.RFC3339), now.Sub(r.Saved).Round(time.Second))
	}
	shards, finished := 0, 0
	for _, st := range r.Streams {
		for _, sh := range st.Shards {
			shards++
			if sh.Finished {
				finished++
			}
		}
	}
	fmt.Fprintf(&b, "Streams:     %d, shards: %d (%d finished, %d open)\n", len(r.Streams), shards, finished, shards-finished)
	if len(r.Streams) == 0 {
		b.WriteString("\nNo stream read yet: the source has not acknowledged a change.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM / SHARD\tSTATE\tLAST SEQUENCE / READ FROM")
	for _, st := range r.Streams {
		readFrom := "everything kept"
		if !st.ReadFrom.IsZero() {
			readFrom = st.ReadFrom.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", st.ARN, streamState(st), readFrom)
		for _, sh := range st.Shards {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", sh.ID, shardState(sh), cmp.Or(sh.Sequence, "-"))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func streamState(s streamStatus) string {
	if s.Finished {
		return "finished"
	}
	return "reading"
}

// shardState: finished (closed and every record acknowledged), reading
// (records acknowledged so far), or not started.
func shardState(s shardStatus) string {
	switch {
	case s.Finished:
		return "finished"
	case s.Sequence != "":
		return "reading"
	default:
		return "not started"
	}
}
