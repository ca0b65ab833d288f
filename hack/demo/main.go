// Command demo prepares and drives `make demo` against DynamoDB Local:
// `demo create-table` creates a table with a stream and prints its ARN,
// `demo write` makes a few changes a person can follow on the terminal.
// It is a development tool, not part of the product.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func main() {
	fs := flag.NewFlagSet("demo", flag.ExitOnError)
	endpoint := fs.String("endpoint", "http://127.0.0.1:8000", "DynamoDB Local endpoint")
	table := fs.String("table", "demo-orders", "table name")
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: demo create-table|write [-endpoint URL] [-table NAME]")
		os.Exit(2)
	}
	_ = fs.Parse(os.Args[2:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := dynamodb.New(dynamodb.Options{
		Region:                          "us-east-1",
		BaseEndpoint:                    endpoint,
		Credentials:                     credentials.NewStaticCredentialsProvider("demo", "demo", ""),
		DisableValidateResponseChecksum: true,
	})
	var err error
	switch os.Args[1] {
	case "create-table":
		err = createTable(ctx, c, *table)
	case "write":
		err = write(ctx, c, *table)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func createTable(ctx context.Context, c *dynamodb.Client, name string) error {
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("orderId"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("orderId"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("creating table %s: %w", name, err)
	}
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("describing table %s: %w", name, err)
	}
	fmt.Println(aws.ToString(out.Table.TableArn))
	return nil
}

func write(ctx context.Context, c *dynamodb.Client, table string) error {
	item := func(id, status string, total int) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			"orderId":  &types.AttributeValueMemberS{Value: id},
			"status":   &types.AttributeValueMemberS{Value: status},
			"total":    &types.AttributeValueMemberN{Value: fmt.Sprint(total)},
			"items":    &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "book"}}},
			"priority": &types.AttributeValueMemberBOOL{Value: total > 40},
		}
	}
	steps := []struct {
		what string
		do   func() error
	}{
		{"insert order-1", func() error { return put(ctx, c, table, item("order-1", "NEW", 42)) }},
		{"insert order-2", func() error { return put(ctx, c, table, item("order-2", "NEW", 17)) }},
		{"modify order-1", func() error { return put(ctx, c, table, item("order-1", "SHIPPED", 42)) }},
		{"remove order-2", func() error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table),
				Key: map[string]types.AttributeValue{"orderId": &types.AttributeValueMemberS{Value: "order-2"}}})
			return err
		}},
	}
	for _, s := range steps {
		fmt.Fprintf(os.Stderr, "demo: %s\n", s.what)
		if err := s.do(); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return nil
}

func put(ctx context.Context, c *dynamodb.Client, table string, item map[string]types.AttributeValue) error {
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
	return err
}
