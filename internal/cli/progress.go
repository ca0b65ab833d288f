package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"golang.org/x/term"
)

// Values of --progress.
const (
	progressAuto   = "auto"
	progressAlways = "always"
	progressNever  = "never"
)

// showProgress decides whether the command line writes its progress lines:
// never and always say so; auto writes them only to a terminal, and only
// when info messages are logged, since someone who asked for warnings only
// (--log-level warn or error) asked for quiet.
func showProgress(mode string, isTerminal bool, level slog.Level) (bool, error) {
	switch mode {
	case progressNever:
		return false, nil
	case progressAlways:
		return true, nil
	case progressAuto:
		return isTerminal && level <= slog.LevelInfo, nil
	default:
		return false, &UsageError{Err: fmt.Errorf("progress %q: use auto, always or never", mode)}
	}
}

// isTerminal reports whether w is a terminal (a file whose descriptor
// answers the terminal ioctl: not a pipe, a regular file or /dev/null).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
