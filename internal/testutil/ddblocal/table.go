package ddblocal

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CreateTable creates table name with string hash key "pk" and string range
// key "sk" and a stream of the given view type, waits until it is ACTIVE, and
// returns the table's and its stream's ARNs.
func (s *Server) CreateTable(ctx context.Context, tb testing.TB, name string, view types.StreamViewType) (tableARN, streamARN string) {
	tb.Helper()
	client := s.DynamoDB()
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: view,
		},
	})
	if err != nil {
		tb.Fatalf("ddblocal: creating table %q: %v", name, err)
	}

	// DynamoDB Local reports ACTIVE at once, but poll like against AWS rather
	// than rely on that. The SDK's TableExistsWaiter is not used: its minimum
	// delay of 20 s between polls would dominate any test that hits it.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			tb.Fatalf("ddblocal: describing table %q: %v", name, err)
		}
		t := out.Table
		if t.TableStatus == types.TableStatusActive {
			if t.LatestStreamArn == nil {
				tb.Fatalf("ddblocal: table %q is ACTIVE but has no stream ARN", name)
			}
			return aws.ToString(t.TableArn), aws.ToString(t.LatestStreamArn)
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("ddblocal: table %q still %s: %v", name, t.TableStatus, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
