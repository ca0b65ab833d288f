package integration

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/eventdata"
)

var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("test/integration: skipped with -short (runs the binary against DynamoDB Local)")
		os.Exit(0)
	}
	bin, remove, err := binproc.BuildTemp("dynamodb-source-it")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	remove()
	os.Exit(code)
}

// cleanEnv is the environment of the binary: the machine's, without any AWS
// settings (see binproc.CleanEnv), with the state folder in the test's own
// temp dir.
func cleanEnv(stateDir string, extra ...string) []string {
	return binproc.CleanEnv(append([]string{"XDG_STATE_HOME=" + stateDir}, extra...)...)
}

// start runs the binary; it is killed when the test ends.
func start(t testing.TB, env []string, args ...string) *binproc.Proc {
	t.Helper()
	return binproc.Start(t, env, binary, args...)
}

// put writes item pk with version v.
func put(ctx context.Context, t testing.TB, c *dynamodb.Client, table, pk string, v int) {
	t.Helper()
	if err := ddblocal.PutItem(ctx, c, table, ddblocal.VersionItem(pk, v)); err != nil {
		t.Fatalf("putting %s v%d: %v", pk, v, err)
	}
}

// record is the part of an event's data the tests read.
type record = eventdata.Record

func decode(t testing.TB, e cloudevents.Event) record {
	t.Helper()
	r, err := eventdata.Decode(e)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// orderReport checks per-item order over first arrivals: every item's
// versions must increase. Redeliveries after a restart are duplicates, not
// order violations.
func orderReport(t testing.TB, events []cloudevents.Event) (duplicates, violations int) {
	t.Helper()
	seen := map[string]bool{}
	last := map[string]int{}
	for _, e := range events {
		if seen[e.ID()] {
			duplicates++
			continue
		}
		seen[e.ID()] = true
		r := decode(t, e)
		pk := r.PK()
		v, ok := r.Version()
		if !ok {
			v = -1
		}
		if prev, ok := last[pk]; ok && v <= prev {
			violations++
			if violations <= 5 {
				t.Errorf("item %s: version %d arrived after %d", pk, v, prev)
			}
		}
		last[pk] = v
	}
	return duplicates, violations
}
