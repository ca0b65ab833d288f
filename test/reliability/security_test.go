package reliability

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/faultproxy"
)

// Secret values given to the runs of the secrets test, besides
// secretAccessKey.
const (
	sessionToken = "rel-session-T0ken-7c1x"
	sinkPassword = "sinkPw-4Rt9-secret"
	sinkKey      = "sinkKey-Jx2p-secret"
)

// secretURL is the sink's URL with a password and a key in the query, as
// serverless sinks take them.
func secretURL(sinkURL string) string {
	return strings.Replace(sinkURL, "http://", "http://svc:"+sinkPassword+"@", 1) + "/ingest?code=" + sinkKey
}

// outputs gathers everything a run shows the world.
type outputs struct{ parts map[string]string }

func (o *outputs) add(name, text string) {
	if o.parts == nil {
		o.parts = map[string]string{}
	}
	o.parts[name] += text
}

func (o *outputs) addEvents(name string, evs []cloudevents.Event) {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "%s %s %s %s %s %v %s\n", e.ID(), e.Source(), e.Subject(), e.Type(), e.DataContentType(), e.Extensions(), e.Data())
	}
	o.add(name, b.String())
}

// addDir adds every file under dir (checkpoints).
func (o *outputs) addDir(t *testing.T, name, dir string) {
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(path); err == nil {
				o.add(name+" "+path, string(b))
			}
		}
		return nil
	})
}

// scan fails the test for each secret found in any output.
func (o *outputs) scan(t *testing.T, secrets ...string) {
	t.Helper()
	for name, text := range o.parts {
		for _, s := range secrets {
			if i := strings.Index(text, s); i >= 0 {
				t.Errorf("secret %q found in %s: …%s…", s, name, text[max(0, i-120):min(len(text), i+len(s)+40)])
			}
		}
	}
}

// Runs with known secret values, through failing Streams calls and a
// failing sink, and scans every output (stdout, stderr, events, the
// metrics page, checkpoint files) for those values.
func testSecretsNeverAppear(t *testing.T, db *ddblocal.Server) {
	r := newRig(t, db, "secrets")
	px := faultproxy.New(db.Endpoint, 3)
	t.Cleanup(px.Close)
	r.endpoint = px.URL
	// Streams calls fail now and then, and the sink refuses or fails some
	// events, so that every error path logs.
	px.SetRules(
		faultproxy.Rule{Fault: faultproxy.InternalError, Probability: 0.2},
		faultproxy.Rule{Op: "GetRecords", Fault: faultproxy.ResetAfter, Probability: 0.1},
	)
	var reqs atomic.Int64
	r.sinks.setBehavior(func(_ int64, e *cloudevents.Event) cesink.Response {
		if reqs.Add(1) <= 10 {
			return cesink.Response{Status: http.StatusInternalServerError}
		}
		if c, err := changeOf(*e); err == nil && c.v%10 == 3 {
			r.sinks.reject(e)
			return cesink.Response{Status: http.StatusBadRequest}
		}
		return cesink.Response{}
	})
	const n = 200
	var out outputs

	// The command line, at debug level, with few retries so that a sink
	// that is down gets its transport error (which quotes the URL) logged.
	port := binproc.FreePort(t)
	args := r.args(port, "--auth.credentials.sessionToken", sessionToken, "--sink.uri", secretURL(r.sinks.URL()),
		"--log-level", "debug", "--delivery.retries", "2")
	p := startProc(t, binproc.CleanEnv(), port, args...)
	// Paced, so that reading goes through many (failing) Streams calls.
	if err := r.write(context.Background(), 0, n, 20, 100); err != nil {
		t.Fatal(err)
	}
	if !r.waitAll(2 * time.Minute) {
		t.Fatalf("%d of %d changes settled", r.sinks.exactDistinct()+r.sinks.rejectedDistinct(), n)
	}
	// The sink goes away: these few events are dropped after 2 retries
	// and logged with the transport error.
	r.sinks.down()
	if err := r.write(context.Background(), n, 3, 20, 0); err != nil {
		t.Fatal(err)
	}
	p.WaitLog("connection refused", time.Minute)
	r.sinks.up()
	page, err := p.metricsText()
	if err != nil {
		t.Fatal(err)
	}
	out.add("metrics page (command line)", page)
	p.Stop(syscall.SIGTERM, 30*time.Second)
	out.add("stdout (command line)", p.Stdout.String())
	out.add("stderr (command line)", p.Stderr.String())
	stderr := p.Stderr.String()
	// The scan proves something only if the error paths ran.
	// "/ingest?redacted": the sink URL was logged, without its key.
	for _, want := range []string{"failed; backing off", "the sink did not take an event", "connection refused", "/ingest?redacted"} {
		if !strings.Contains(stderr+page, want) {
			t.Errorf("the run never logged %q: the scan would not cover that path", want)
		}
	}

	// The adapter, from its environment, at debug level, with K_CA_CERTS
	// holding a key-like value too.
	aport := binproc.FreePort(t)
	env := binproc.CleanEnv("ARN="+r.tableARN, "K_SINK="+secretURL(r.sinks.URL()),
		"AWS_ACCESS_KEY_ID="+accessKeyID, "AWS_SECRET_ACCESS_KEY="+secretAccessKey, "AWS_SESSION_TOKEN="+sessionToken,
		"NAMESPACE=default", "NAME=secrets", "ENDPOINT_URL="+px.URL, "STARTING_POSITION=TRIM_HORIZON",
		"CHECKPOINT_STORE=memory", "METRICS_PORT="+strconv.Itoa(aport), "LOG_LEVEL=debug")
	before := r.sinks.requests()
	a := startProc(t, env, aport, "adapter")
	deadline := time.Now().Add(2 * time.Minute)
	for r.sinks.requests()-before < n {
		if time.Now().After(deadline) || a.Exited() {
			t.Fatalf("the adapter sent %d of %d events", r.sinks.requests()-before, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	page, err = a.metricsText()
	if err != nil {
		t.Fatal(err)
	}
	out.add("metrics page (adapter)", page)
	a.Stop(syscall.SIGTERM, 30*time.Second)
	out.add("stdout (adapter)", a.Stdout.String())
	out.add("stderr (adapter)", a.Stderr.String())

	evs, _ := r.sinks.events()
	out.addEvents("events", evs)
	out.addDir(t, "checkpoint file", r.stateDir)
	out.scan(t, secretAccessKey, sessionToken, sinkPassword, sinkKey)
	if len(evs) == 0 {
		t.Fatal("no event reached the sink: nothing was scanned")
	}
}

// TLS to the sink is verified by default: a sink with a self-signed
// certificate gets nothing without --sink.CACerts. The events are held, not
// dropped: started again with the CA bundle on the same checkpoints, the
// source delivers every one of them.
func testSinkTLS(t *testing.T, db *ddblocal.Server) {
	var accepted atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, err := cehttp.NewEventFromHTTPRequest(req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		accepted.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	// The refused handshakes are expected; keep them out of the output.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	const n = 5
	r := newRig(t, db, "tls")
	if err := r.write(context.Background(), 0, n, n, 0); err != nil {
		t.Fatal(err)
	}

	t.Run("a self-signed sink gets nothing without a CA bundle, and nothing is dropped", func(t *testing.T) {
		p := r.start("--sink.uri", srv.URL)
		p.WaitLog("the sink's TLS certificate is not trusted", time.Minute)
		time.Sleep(time.Second)
		p.Stop(syscall.SIGTERM, 30*time.Second)
		if got := accepted.Load(); got != 0 {
			t.Fatalf("the sink accepted %d events over an unverified connection", got)
		}
		if out := p.Stderr.String(); strings.Contains(out, "it is dropped") {
			t.Fatalf("events were dropped while the certificate was not trusted:\n%s", binproc.Tail(out, 2000))
		}
	})
	t.Run("the same source with the CA bundle delivers the held events", func(t *testing.T) {
		p := r.start("--sink.uri", srv.URL, "--sink.CACerts", "@"+caFile)
		deadline := time.Now().Add(time.Minute)
		for accepted.Load() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d events accepted over TLS with the CA bundle; stderr:\n%s", accepted.Load(), n, binproc.Tail(p.Stderr.String(), 2000))
			}
			time.Sleep(50 * time.Millisecond)
		}
		p.Stop(syscall.SIGTERM, 30*time.Second)
	})
}
