package ddblocal

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// VersionItem is the item the suites write as version v of key pk in a
// table from CreateTable: pk (S), sk "0" (S) and v (N). The version comes
// back in the event's NewImage (eventdata.Record.Version), which is how the
// suites check order and loss per item.
func VersionItem(pk string, v int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: "0"},
		"v":  &types.AttributeValueMemberN{Value: strconv.Itoa(v)},
	}
}

// PutItem writes item into table through c: a client of a Server
// (Server.DynamoDB) or of a proxy in front of one. It returns the error
// rather than failing a test, so that writers in goroutines, which must not
// call tb.Fatal, and writers that retry can use it too.
func PutItem(ctx context.Context, c *dynamodb.Client, table string, item map[string]types.AttributeValue) error {
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		return fmt.Errorf("putting an item into %s: %w", table, err)
	}
	return nil
}
