package ddblocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
)

// Region is the region of AWSConfig. With -sharedDb DynamoDB Local ignores the
// region for storage, but the SDK needs one to sign requests.
const Region = "us-east-1"

// readyTimeout bounds how long Start waits for the first successful
// ListTables. A lone start takes ~2 s; the margin is for many test packages
// starting JVMs at once on a small CI machine.
const readyTimeout = 60 * time.Second

// javaFlags trade peak throughput for start-up time, which dominates a test
// server's life: C1-only JIT (TieredStopAtLevel=1) and the serial collector
// start faster than the defaults, and a 256 MiB heap cap keeps several
// concurrent servers from claiming a quarter of RAM each. Keep in sync with
// hack/dynamodb-local.sh.
var javaFlags = []string{"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"}

// ddbFlags: -inMemory so every server starts empty and writes nothing;
// -sharedDb so any credentials/region see the same tables (code under test may
// build its own clients); -disableTelemetry because DynamoDB Local >= 1.24
// otherwise tries to reach AWS, which only adds latency here.
var ddbFlags = []string{"-inMemory", "-sharedDb", "-disableTelemetry"}

// Server is a running DynamoDB Local process owned by one test.
type Server struct {
	// Endpoint is the base URL of the server, http://127.0.0.1:PORT.
	Endpoint string

	httpClient *http.Client
}

// Dir returns the folder that should hold DynamoDBLocal.jar and
// DynamoDBLocal_lib: $DYNAMODB_LOCAL_DIR, else the default used by
// hack/dynamodb-local.sh.
func Dir() (string, error) {
	if d := os.Getenv("DYNAMODB_LOCAL_DIR"); d != "" {
		return d, nil
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("locating DynamoDB Local: set DYNAMODB_LOCAL_DIR or HOME: %w", err)
		}
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "dynamodb-source", "dynamodb-local"), nil
}

// Start launches DynamoDB Local on a free loopback port and returns once it
// answers ListTables. The process is killed when the test ends; if the test
// failed, its output is logged.
func Start(tb testing.TB) *Server {
	tb.Helper()
	dir, err := Dir()
	if err != nil {
		tb.Fatalf("ddblocal: %v", err)
	}
	jar := filepath.Join(dir, "DynamoDBLocal.jar")
	if _, err := os.Stat(jar); err != nil {
		tb.Fatalf("ddblocal: DynamoDB Local is not installed (%v); run hack/dynamodb-local.sh install (make test runs it)", err)
	}
	java, err := exec.LookPath("java")
	if err != nil {
		tb.Fatalf("ddblocal: java not found on PATH (%v); run hack/dynamodb-local.sh install (make test runs it)", err)
	}
	// DynamoDB Local writes dynamodb-local-metadata.json into its working
	// directory; give it one that is removed with the test.
	workDir := tb.TempDir()

	// The free port is found by binding :0 and releasing it, so another
	// process may take it before the JVM binds it. Such a lost race shows as
	// an early exit with a BindException and is retried on a fresh port.
	const attempts = 3
	for i := 1; ; i++ {
		port := binproc.FreePort(tb)
		started := time.Now()
		srv, proc, err := launch(java, dir, workDir, port)
		if err == nil {
			tb.Logf("ddblocal: DynamoDB Local ready at %s after %s", srv.Endpoint, time.Since(started).Round(time.Millisecond))
			tb.Cleanup(func() {
				proc.stop()
				if tb.Failed() {
					tb.Logf("ddblocal: output of DynamoDB Local at %s:\n%s", srv.Endpoint, proc.out.String())
				}
			})
			return srv
		}
		var bind *bindError
		if errors.As(err, &bind) && i < attempts {
			tb.Logf("ddblocal: %v; retrying on another port", err)
			continue
		}
		tb.Fatalf("ddblocal: %v", err)
	}
}

// bindError reports that the JVM lost the race for its port.
type bindError struct{ port int }

func (e *bindError) Error() string {
	return fmt.Sprintf("port %d was taken before DynamoDB Local could bind it", e.port)
}

// process is a started JVM and what is needed to stop it.
type process struct {
	cmd  *exec.Cmd
	out  *binproc.SyncBuffer // the JVM's stdout and stderr
	done chan struct{}       // closed when the process has exited
}

// stop kills the JVM and waits for it. SIGKILL is fine: the database lives
// only in memory and is meant to vanish with the test.
func (p *process) stop() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

func launch(java, dir, workDir string, port int) (*Server, *process, error) {
	args := append([]string{}, javaFlags...)
	args = append(args,
		"-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", filepath.Join(dir, "DynamoDBLocal.jar"))
	args = append(args, ddbFlags...)
	args = append(args, "-port", strconv.Itoa(port))

	out := &binproc.SyncBuffer{}
	cmd := exec.Command(java, args...)
	cmd.Dir = workDir
	cmd.Stdout = out
	cmd.Stderr = out
	// Do not let Wait hang on output pipes if something inherited them.
	cmd.WaitDelay = 5 * time.Second
	started := time.Now()
	if err := startCmd(cmd); err != nil {
		return nil, nil, fmt.Errorf("starting %s: %w", java, err)
	}
	p := &process{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()

	srv := &Server{
		Endpoint:   "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		httpClient: newHTTPClient(),
	}
	if err := srv.waitReady(p, port); err != nil {
		p.stop()
		var bind *bindError
		if errors.As(err, &bind) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("%w after %s; output:\n%s", err, time.Since(started).Round(time.Millisecond), out.String())
	}
	return srv, p, nil
}

// waitReady polls until the JVM listens on port and answers ListTables, the
// process exits or reports that the port was taken, or readyTimeout passes.
// A real API call, rather than a TCP connect, proves the whole request path
// (routing, signing, JSON protocol) works; the listener check proves the
// answer came from this process and not from whoever else holds the port.
func (s *Server) waitReady(p *process, port int) error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	// No SDK retries: the loop below is the retry, and each attempt must be
	// short so an exited process is noticed quickly.
	client := dynamodb.NewFromConfig(s.AWSConfig(), func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = true
		o.Retryer = aws.NopRetryer{}
	})
	lastErr := errors.New("not listening yet")
	for {
		// DynamoDB Local does not exit when its port is taken; it logs a
		// BindException and lingers.
		if isBindFailure(p.out.String()) {
			return &bindError{port: port}
		}
		ours, err := listensOn(p.cmd.Process.Pid, port)
		switch {
		case err != nil:
			lastErr = fmt.Errorf("checking the listener: %w", err)
		case ours:
			attemptCtx, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
			_, err := client.ListTables(attemptCtx, &dynamodb.ListTablesInput{})
			cancelAttempt()
			if err == nil {
				return nil
			}
			lastErr = err
		}
		select {
		case <-p.done:
			return fmt.Errorf("DynamoDB Local exited before it was ready (%v)", p.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("DynamoDB Local not ready within %s: %w", readyTimeout, lastErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func isBindFailure(output string) bool {
	return strings.Contains(output, "BindException") || strings.Contains(output, "Address already in use")
}

// newHTTPClient returns a client with its own plain transport. It is built
// by hand, not by config.LoadDefaultConfig, so AWS_CA_BUNDLE, AWS_PROFILE and
// friends on the machine cannot change how tests reach a plain-HTTP loopback
// server. Proxy is nil for the same reason: HTTP_PROXY must not apply.
func newHTTPClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		},
		// Bounds one HTTP round trip; GetRecords and friends return
		// immediately on DynamoDB Local, so this only trips on a hung server.
		Timeout: 30 * time.Second,
	}
}

// AWSConfig returns a config for this server: region us-east-1, static
// credentials "fake"/"fake", BaseEndpoint set to Endpoint and a plain HTTP
// client. It does not read the environment or shared config files.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("fake", "fake", ""),
		HTTPClient:   s.httpClient,
		BaseEndpoint: aws.String(s.Endpoint),
	}
}

// DynamoDB returns a DynamoDB client for this server. Response CRC32
// validation is off because DynamoDB Local sends X-Amz-Crc32 only on
// successful responses, never on errors; SDK v1.74 happens to skip validation
// for errors, but nothing promises that, and tests must not hinge on it.
func (s *Server) DynamoDB() *dynamodb.Client {
	return dynamodb.NewFromConfig(s.AWSConfig(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(s.Endpoint)
		o.DisableValidateResponseChecksum = true
	})
}

// Streams returns a DynamoDB Streams client for this server. That client has
// no CRC32 validation, so it needs no option beyond the endpoint.
func (s *Server) Streams() *dynamodbstreams.Client {
	return dynamodbstreams.NewFromConfig(s.AWSConfig(), func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = aws.String(s.Endpoint)
	})
}
