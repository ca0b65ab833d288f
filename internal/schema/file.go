package schema

import (
	"fmt"
	"io"
	"os"
)

// MaxFileSize bounds what @file reads: a CA bundle or a credential is a few
// KiB, and @/dev/zero must not fill the memory.
const MaxFileSize = 1 << 20

// ReadFileCapped reads the file at path, refusing one larger than
// MaxFileSize.
func ReadFileCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("reading %s: larger than the limit of %d bytes (1 MiB): give a smaller file", path, MaxFileSize)
	}
	return b, nil
}
