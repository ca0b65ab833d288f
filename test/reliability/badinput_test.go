package reliability

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
)

// testBadInput adds to the 23 cases of test/integration/badinput_test.go
// (ARNs, sinks, starting positions and timestamps, credentials, flags) the
// conflicting options and the remaining values a user can get wrong. Each
// must exit non-zero with a message saying what is wrong, send nothing, and
// never echo a secret. The table is real and holds a change, so a case
// that is wrongly accepted would run and deliver it.
func testBadInput(t *testing.T, db *ddblocal.Server) {
	r := newRig(t, db, "badinput")
	if err := r.write(context.Background(), 0, 1, 1, 0); err != nil {
		t.Fatal(err)
	}
	const pw, key = "sinkPassw0rd-Zq", "sinkQueryKey-8w"
	cases := []struct {
		name     string
		extra    []string
		wantCode int
		want     []string
	}{
		{"a session token without a key ID is refused", []string{"--auth.credentials.sessionToken", "tok"}, 2,
			[]string{"auth.credentials.sessionToken: needs accessKeyID and secretAccessKey"}},
		{"the kubernetes store conflicts with the command line", []string{"--checkpoint.store", "kubernetes"}, 2,
			[]string{"checkpoint.store kubernetes is for the adapter on Kubernetes"}},
		{"a checkpoint folder conflicts with the memory store", []string{"--checkpoint.store", "memory", "--checkpoint.dir", "/tmp/x"}, 2,
			[]string{"checkpoint.dir: only used with checkpoint.store file"}},
		{"a timestamp conflicts with TRIM_HORIZON", []string{"--startingTimestamp", "2024-01-01T00:00:00Z"}, 2,
			[]string{"startingTimestamp: only used with startingPosition AT_TIMESTAMP (got TRIM_HORIZON)"}},
		{"a timestamp conflicts with LATEST", []string{"--startingPosition", "LATEST", "--startingTimestamp", "2024-01-01T00:00:00Z"}, 2,
			[]string{"(got LATEST)"}},
		{"an IAM user is not a role to assume", []string{"--auth.credentials.assumeIamRole", "arn:aws:iam::123456789012:user/bob"}, 2,
			[]string{"is not an IAM role ARN", "arn:aws:iam::<account-id>:role/<role-name>"}},
		{"negative retries are refused", []string{"--delivery.retries", "-1"}, 2, []string{"delivery.retries: must be 0 (retry until delivered) or more"}},
		{"a zero delivery timeout is refused", []string{"--delivery.timeout", "0s"}, 2, []string{"delivery.timeout: must be positive"}},
		{"a discovery interval under a second is refused", []string{"--polling.discoveryInterval", "100ms"}, 2, []string{"use 1s to 10m"}},
		{"a CA bundle file that does not exist is named", []string{"--sink.CACerts", "@/nonexistent/ca.pem"}, 2, []string{"reading /nonexistent/ca.pem"}},
		{"a CA bundle without PEM is refused", []string{"--sink.CACerts", "not a certificate"}, 1, []string{"holds no PEM certificate"}},
		{"an unknown log level lists the valid ones", []string{"--log-level", "loud"}, 2, []string{"use debug, info, warn or error"}},
		{"an override of a core attribute is refused", []string{"--ceOverrides.extensions", "type=x"}, 1, []string{"core attribute"}},
		{"an override without a value is refused", []string{"--ceOverrides.extensions", "team"}, 2, []string{"is not name=value"}},
		{"a metrics port out of range is refused", []string{"--metrics-port", "99999"}, 1, []string{"listening for metrics on port 99999"}},
		{"a non-http sink with a password does not echo it", []string{"--sink.uri", "ftp://user:" + pw + "@example.com/?code=" + key}, 2,
			[]string{"sink.uri", "is not an http(s) URL"}},
		{"a sink without host with a password does not echo it", []string{"--sink.uri", "http://user:" + pw + "@/?code=" + key}, 2,
			[]string{"sink.uri", "has no host"}},
	}
	// Flags of the rig's command line left out, where they would make the
	// case valid or fail it for another reason.
	drop := map[string][]string{
		"a session token without a key ID is refused":          {"--auth.credentials.accessKeyID", "--auth.credentials.secretAccessKey"},
		"the kubernetes store conflicts with the command line": {"--checkpoint.dir"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := startProc(t, binproc.CleanEnv(), 0, without(r.args(0, tc.extra...), drop[tc.name]...)...)
			code := p.Wait(60 * time.Second)
			out := p.Stdout.String() + p.Stderr.String()
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d", code, tc.wantCode)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, s := range []string{secretAccessKey, pw, key} {
				if strings.Contains(out, s) {
					t.Errorf("the secret %q appears in the output:\n%s", s, out)
				}
			}
			if strings.Contains(out, "goroutine ") || strings.Contains(out, "panic") {
				t.Errorf("stack trace in the output:\n%s", out)
			}
		})
	}
	if n := r.sinks.requests(); n != 0 {
		t.Errorf("the sink got %d requests from refused runs, want 0", n)
	}
	note := "each: exit ≠ 0, a message naming the field and the fix, nothing sent, no secret echoed"
	if t.Failed() {
		note = "FAILED " + note
	}
	addRow(result{scenario: "bad input: " + itoa(len(cases)) + " cases here + 23 in test/integration", recover: -1, caughtUp: -1, note: note})
}

// without returns args less the given flags and their values.
func without(args []string, flags ...string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if slices.Contains(flags, args[i]) {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}
