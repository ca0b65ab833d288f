package ops

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/cesink"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

// afterEvent are metrics that the alerts and the dashboard use but that a
// healthy run does not export yet: each appears with the event named (a
// labelled series is created at its first increment), or is made by
// Prometheus itself.
var afterEvent = map[string]string{
	"dynamodb_source_events_failed_total":        "appears at the first failed delivery attempt (by reason: a status or network)",
	"dynamodb_source_aws_errors_total":           "appears at the first DynamoDB Streams API error (by operation and code)",
	"dynamodb_source_events_dead_lettered_total": "appears at the first change sent to a dead-letter sink (by reason)",
	"up": "made by Prometheus for every scrape target",
}

// TestEveryQueryUsesExportedMetrics parses every alert's and dashboard
// panel's PromQL and checks that each metric it names is exported by the
// real binaries: `dynamodb-source create source awsdynamodb` after it
// delivered a change from DynamoDB Local, and the controller running
// against envtest's kube-apiserver; or is one of afterEvent.
func TestEveryQueryUsesExportedMetrics(t *testing.T) {
	queries := append(alertQueries(t), dashboardQueries(t)...)
	used := metricNames(t, queries)
	if t.Failed() {
		t.FailNow()
	}
	exported := map[string]bool{}
	for n := range familyNames(adapterMetrics(t)) {
		exported[n] = true
	}
	for n := range familyNames(controllerMetrics(t)) {
		exported[n] = true
	}
	names := make([]string, 0, len(used))
	for n := range used {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		switch reason, ok := afterEvent[n]; {
		case exported[n]:
		case ok:
			t.Logf("%s: not exported yet: %s", describe(used, n), reason)
		default:
			t.Errorf("%s: neither binary exports it (see docs/metrics.md for the names)", describe(used, n))
		}
	}
	for n := range afterEvent {
		if used[n] == nil {
			t.Errorf("afterEvent lists %s, which no alert or panel uses: remove it", n)
		}
	}
	t.Logf("%d metric names in %d queries, all exported or listed", len(names), len(queries))
}

// adapterMetrics runs the source against DynamoDB Local until it delivered
// one change (so that the per-shard gauges exist) and returns its /metrics.
func adapterMetrics(t *testing.T) string {
	if testing.Short() {
		t.Skip("-short: runs the binary against DynamoDB Local")
	}
	bin, err := binproc.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	db := ddblocal.Start(t)
	ctx := context.Background()
	tableARN, _ := db.CreateTable(ctx, t, "ops", types.StreamViewTypeNewAndOldImages)
	if _, err := db.DynamoDB().PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("ops"),
		Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "a"}, "sk": &types.AttributeValueMemberS{Value: "0"},
		}}); err != nil {
		t.Fatalf("putting an item: %v", err)
	}
	sink := cesink.Start(t)
	port := binproc.FreePort(t)
	binproc.Start(t, binproc.CleanEnv("XDG_STATE_HOME="+t.TempDir()), bin,
		"create", "source", "awsdynamodb", "--arn", tableARN, "--endpoint.url", db.Endpoint,
		"--auth.credentials.accessKeyID", "AKIDLOCAL", "--auth.credentials.secretAccessKey", "local-secret-key",
		"--sink.uri", sink.URL, "--startingPosition", "TRIM_HORIZON", "--metrics-port", strconv.Itoa(port))
	if !sink.WaitDistinct(1, 60*time.Second) {
		t.Fatal("the change was not delivered")
	}
	return waitPage(t, "http://127.0.0.1:"+strconv.Itoa(port)+"/metrics", "dynamodb_source_iterator_age_seconds{")
}

// controllerMetrics runs dynamodb-source-controller against envtest and
// returns its /metrics once its controller has started.
func controllerMetrics(t *testing.T) string {
	env := kubetest.Get(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "dynamodb-source-controller")
	build := exec.Command("go", "build", "-o", bin, "github.com/dynamodb-source/dynamodb-source/cmd/dynamodb-source-controller")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the controller: %v\n%s", err, out)
	}
	kubeconfig, err := env.Kubeconfig()
	if err != nil {
		t.Fatal(err)
	}
	kc := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kc, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	port := binproc.FreePort(t)
	binproc.Start(t, binproc.CleanEnv(), bin, "--kubeconfig", kc, "--adapter-image", "dynamodb-source:test",
		"--metrics-bind-address", "127.0.0.1:"+strconv.Itoa(port), "--health-probe-bind-address", "0")

	// A source to reconcile: the reconcile-time histogram and the work
	// queue's series exist once the controller has handled one.
	c, err := client.New(env.Config, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := kubetest.Decode(readFile(t, "config/samples/sources_v1alpha1_awsdynamodbsource.yaml"))
	if err != nil || len(src) != 1 {
		t.Fatalf("the sample: %d objects, %v", len(src), err)
	}
	src[0].SetNamespace("default")
	src[0].SetName("ops-metrics")
	if err := c.Create(context.Background(), src[0]); err != nil {
		t.Fatalf("creating a source: %v", err)
	}
	return waitPage(t, "http://127.0.0.1:"+strconv.Itoa(port)+"/metrics",
		`controller_runtime_reconcile_time_seconds_bucket{controller="awsdynamodbsource"`)
}

// waitPage fetches url until its body contains want (60 s at most).
func waitPage(t *testing.T, url, want string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if last = string(b); strings.Contains(last, want) {
				return last
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s has no %s after 60 s:\n%s", url, want, binproc.Tail(last, 2000))
	return ""
}
