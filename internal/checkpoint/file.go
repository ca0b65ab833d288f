package checkpoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var (
	bucketName = []byte("checkpoints")
	stateKey   = []byte("state")
)

// ErrLocked is returned by OpenFile when another process holds the store.
var ErrLocked = errors.New("checkpoint store is in use by another process")

// File is a Store in a bbolt database on local disk. bbolt commits are
// durable (fsync) and atomic, so a kill -9 leaves either the old or the new
// state, never a torn one.
type File struct {
	path string

	mu     sync.Mutex
	db     *bolt.DB
	closed bool
}

// DefaultDir is where the command line keeps checkpoints:
// $XDG_STATE_HOME/dynamodb-source, else ~/.local/state/dynamodb-source.
func DefaultDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "dynamodb-source"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the home folder for checkpoints (set XDG_STATE_HOME or --checkpoint.dir): %w", err)
	}
	return filepath.Join(home, ".local", "state", "dynamodb-source"), nil
}

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// FileName derives a source's database file name from its ID (the table
// ARN), readable and safe on every file system.
func FileName(sourceID string) string {
	name := strings.TrimPrefix(sourceID, "arn:")
	return strings.Trim(unsafeChars.ReplaceAllString(name, "_"), "_") + ".db"
}

// OpenFile opens (creating if needed) the store at path. It fails with
// ErrLocked rather than waiting when another process has it open, since two
// readers of one source would each deliver every record.
func OpenFile(path string) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating checkpoint folder: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 500 * time.Millisecond})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("opening %s: %w: stop the other dynamodb-source reading this table, or give another --checkpoint.dir", path, ErrLocked)
		}
		return nil, fmt.Errorf("opening checkpoint store %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketName)
		return err
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("initialising checkpoint store %s: %w", path, err)
	}
	return &File{path: path, db: db}, nil
}

// Path returns the database file.
func (f *File) Path() string { return f.path }

// Load implements Store.
func (f *File) Load(context.Context) (State, error) {
	var b []byte
	err := f.db.View(func(tx *bolt.Tx) error {
		// The value is valid only inside the transaction.
		b = bytes.Clone(tx.Bucket(bucketName).Get(stateKey))
		return nil
	})
	if err != nil {
		return State{}, fmt.Errorf("loading checkpoints from %s: %w", f.path, err)
	}
	if b == nil {
		return State{}, nil
	}
	return decode(b, f.path)
}

// Save implements Store.
func (f *File) Save(_ context.Context, s State) error {
	b, err := encode(s)
	if err != nil {
		return err
	}
	if err := f.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketName).Put(stateKey, b)
	}); err != nil {
		return fmt.Errorf("saving checkpoints to %s: %w", f.path, err)
	}
	return nil
}

// Close implements Store.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	return f.db.Close()
}
