package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const dumpARN = "arn:aws:dynamodb:us-west-2:123456789012:table/orders"

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Execute(t.Context(), args, Streams{Out: &out, Err: &errOut, LookupEnv: func(string) (string, bool) { return "", false }})
	return code, out.String(), errOut.String()
}

// @file reads are capped, so a huge file (or @/dev/zero) is refused with
// the flag and the cap named, instead of filling the memory.
func TestAtFileIsSizeCapped(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.pem")
	if err := os.WriteFile(big, bytes.Repeat([]byte("A"), 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, flag, file string }{
		{"a CA bundle over 1 MiB is refused", "--sink.CACerts", big},
		{"an endless file is refused, not read to the end", "--sink.CACerts", "/dev/zero"},
		{"a credential file over 1 MiB is refused", "--auth.credentials.secretAccessKey", big},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "dump", "--arn", dumpARN, "--sink.uri", "http://sink", tc.flag, "@"+tc.file)
			if code != 2 {
				t.Errorf("exit code %d, want 2 (usage)", code)
			}
			for _, want := range []string{tc.flag, tc.file, "1 MiB"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

// Credentials can come from files, so they need not be flags that ps shows.
func TestCredentialFlagsReadAtFile(t *testing.T) {
	dir := t.TempDir()
	id, key := filepath.Join(dir, "id"), filepath.Join(dir, "key")
	if err := os.WriteFile(id, []byte("AKIDFROMFILE"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, []byte("secretfromfile"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "dump", "--arn", dumpARN, "--sink.uri", "http://sink",
		"--auth.credentials.accessKeyID", "@"+id, "--auth.credentials.secretAccessKey", "@"+key)
	if code != 0 {
		t.Fatalf("exit code %d:\n%s", code, stderr)
	}
	for _, want := range []string{"AKIDFROMFILE", "secretfromfile"} {
		if !strings.Contains(out, want) {
			t.Errorf("the Secret dump prints lacks %q read from its file:\n%s", want, out)
		}
	}
}
