package terminal

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/binproc"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/ddblocal"
	"github.com/dynamodb-source/dynamodb-source/internal/testutil/kubetest"
)

var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("test/terminal: skipped with -short (runs the binary against DynamoDB Local and envtest)")
		os.Exit(0)
	}
	bin, remove, err := binproc.BuildTemp("dynamodb-source-terminal")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := kubetest.Main(m)
	remove()
	os.Exit(code)
}

// sourceArgs is the command line of a source reading tableARN on db from
// its oldest change, delivering to sink.
func sourceArgs(db *ddblocal.Server, tableARN, sink string, extra ...string) []string {
	return append([]string{"create", "source", "awsdynamodb", "--arn", tableARN,
		"--auth.credentials.accessKeyID", "AKIDLOCAL", "--auth.credentials.secretAccessKey", "local-secret-key",
		"--endpoint.url", db.Endpoint, "--sink.uri", sink, "--startingPosition", "TRIM_HORIZON"}, extra...)
}

// putItems writes n items, a backlog for the source to read.
func putItems(ctx context.Context, t testing.TB, c *dynamodb.Client, table string, n int) {
	t.Helper()
	for i := range n {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(table),
			Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "item-" + strconv.Itoa(i)},
				"sk": &types.AttributeValueMemberS{Value: "0"},
			},
		})
		if err != nil {
			t.Fatalf("putting item %d: %v", i, err)
		}
	}
}
