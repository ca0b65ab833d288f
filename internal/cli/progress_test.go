package cli

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

func TestShowProgress(t *testing.T) {
	tests := []struct {
		name     string
		mode     string
		terminal bool
		level    slog.Level
		want     bool
	}{
		{"auto writes to a terminal", progressAuto, true, slog.LevelInfo, true},
		{"auto writes to a terminal at debug", progressAuto, true, slog.LevelDebug, true},
		{"auto is quiet when not a terminal", progressAuto, false, slog.LevelInfo, false},
		{"auto is quiet with --log-level warn", progressAuto, true, slog.LevelWarn, false},
		{"auto is quiet with --log-level error", progressAuto, true, slog.LevelError, false},
		{"always writes to a pipe", progressAlways, false, slog.LevelError, true},
		{"never is quiet on a terminal", progressNever, true, slog.LevelInfo, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := showProgress(tt.mode, tt.terminal, tt.level)
			if err != nil || got != tt.want {
				t.Errorf("showProgress(%q, %v, %v) = %v, %v; want %v", tt.mode, tt.terminal, tt.level, got, err, tt.want)
			}
		})
	}
}

func TestShowProgressRefusesAnUnknownMode(t *testing.T) {
	if _, err := showProgress("yes", true, slog.LevelInfo); err == nil {
		t.Fatal("no error for --progress yes")
	} else if _, ok := err.(*UsageError); !ok {
		t.Fatalf("error %v is not a usage error (exit 2)", err)
	}
}

func TestIsTerminalIsFalseForFilesAndPipes(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for name, file := range map[string]*os.File{"a regular file": f, "/dev/null (a character device)": null, "a pipe": w} {
		if isTerminal(file) {
			t.Errorf("%s counts as a terminal", name)
		}
	}
}
