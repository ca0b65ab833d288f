package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

// FileSender is the dead-letter sink of the command line for someone with no
// second HTTP sink: it appends each event to a file as one structured-mode
// JSON CloudEvent per line, and syncs the file before Send returns, so an
// event is on disk before the checkpoint passes it. It is safe for
// concurrent use.
type FileSender struct {
	path string

	mu sync.Mutex // one event is one line, never interleaved
	f  *os.File
}

var _ Sender = (*FileSender)(nil)

// OpenFileSender opens path for appending, creating it with mode 0600 (dead
// letters hold table data) if it does not exist. Opening at start makes a
// path that cannot be written fail before anything is read.
func OpenFileSender(path string) (*FileSender, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening dead-letter file: %w; give a path in a folder that exists and that you may write to", err)
	}
	return &FileSender{path: path, f: f}, nil
}

// Send appends e as one line and syncs the file. A failed write is undone
// (the file is cut back to where it was), so that a retry does not leave half
// a line before the whole one.
func (s *FileSender) Send(ctx context.Context, e cloudevents.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	line, err := json.Marshal(e)
	if err != nil {
		return &RejectedError{EventID: e.ID(), Err: fmt.Errorf("encoding dead letter: %w", err)}
	}
	line = append(line, '\n')

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return &RejectedError{EventID: e.ID(), Err: fmt.Errorf("writing dead letter to %s: the file is closed", s.path)}
	}
	var size int64 = -1
	if fi, err := s.f.Stat(); err == nil {
		size = fi.Size()
	}
	if _, err := s.f.Write(line); err != nil {
		if size >= 0 {
			_ = s.f.Truncate(size)
		}
		return &RejectedError{EventID: e.ID(), Attempts: 1, Err: fmt.Errorf("writing dead letter to %s: %w", s.path, err)}
	}
	if err := s.f.Sync(); err != nil {
		return &RejectedError{EventID: e.ID(), Attempts: 1, Err: fmt.Errorf("syncing dead-letter file %s: %w", s.path, err)}
	}
	return nil
}

// String returns the file's path.
func (s *FileSender) String() string { return s.path }

// Close closes the file; it is safe to call more than once.
func (s *FileSender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}
