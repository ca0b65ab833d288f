// Command dynamodb-source delivers every change of a DynamoDB table as a
// CloudEvent. See `dynamodb-source --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/dynamodb-source/dynamodb-source/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], cli.Streams{Out: os.Stdout, Err: os.Stderr, LookupEnv: os.LookupEnv})
	stop()
	os.Exit(code)
}
