package awsconfig

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

// Credentials are resolved static credentials (secrets already read).
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// Settings is what the AWS configuration is built from.
type Settings struct {
	Table       v1alpha1.TableARN
	Credentials Credentials // empty: the SDK's default chain
	AssumeRole  string
	EndpointURL string
	// SessionName names assumed-role sessions in CloudTrail; it is made to
	// fit AWS's limits with SessionName.
	SessionName string
}

// Load builds the SDK configuration.
func Load(ctx context.Context, s Settings) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(s.Table.Region),
		// Retries are the reader's business: it classifies errors, backs
		// off per shard and counts every failure in its metrics.
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
		// A BuildableClient, so that the SDK can still apply AWS_CA_BUNDLE.
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(tuneTransport)),
	}
	if c := s.Credentials; c.AccessKeyID != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	// After the configuration is loaded, which applies AWS_CA_BUNDLE to
	// the BuildableClient it finds there.
	cfg.HTTPClient = oneWrite{next: cfg.HTTPClient}
	// Before the STS copy below: STS's signature errors quote the same.
	cfg.APIOptions = append(cfg.APIOptions, redactAPIErrors)
	if s.AssumeRole != "" {
		name := "dynamodb-source"
		if s.SessionName != "" {
			name = SessionName(s.SessionName)
		}
		// STS calls keep the SDK's standard retries: they are rare and
		// not ours to count.
		stsCfg := cfg.Copy()
		stsCfg.Retryer = nil
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(stsCfg), s.AssumeRole, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = name
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
	}
	return cfg, nil
}

// NewStreamsClient returns a DynamoDB Streams client for cfg, pointed at
// endpointURL when given (AWS_ENDPOINT_URL_DYNAMODB_STREAMS and
// AWS_ENDPOINT_URL are honoured by the SDK itself).
func NewStreamsClient(cfg aws.Config, endpointURL string) *dynamodbstreams.Client {
	return dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
		if endpointURL != "" {
			o.BaseEndpoint = aws.String(endpointURL)
		}
		o.APIOptions = append(o.APIOptions, withoutUnusedMiddleware)
		o.EndpointResolverV2 = &cachedEndpoint{next: o.EndpointResolverV2}
	})
}

// NewDynamoDBClient returns the DynamoDB client of the initial snapshot's
// Scan, built like the streams client. With an endpoint (DynamoDB Local,
// LocalStack: one port serves both APIs) the response CRC32 check is off:
// DynamoDB Local sends X-Amz-Crc32 on successful answers only.
func NewDynamoDBClient(cfg aws.Config, endpointURL string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpointURL != "" {
			o.BaseEndpoint = aws.String(endpointURL)
			o.DisableValidateResponseChecksum = true
		}
	})
}

// withoutUnusedMiddleware takes out of every call's stack two steps that
// do nothing for the reader: ClientRequestID draws a random invocation ID
// for the SDK's retry bookkeeping (the reader makes its own retries), and
// RecursionDetection looks up Lambda's environment to pass on its trace ID.
// An idle shard makes four calls a second, each building and running its
// stack afresh.
func withoutUnusedMiddleware(s *middleware.Stack) error {
	for _, id := range []string{"ClientRequestID", "RecursionDetection"} {
		if _, err := s.Build.Remove(id); err != nil {
			return fmt.Errorf("removing the SDK's %s middleware: %w", id, err)
		}
	}
	return nil
}

// tuneTransport suits one long-lived host with a few calls per shard per
// second: keep connections, bound every phase of a call. A process of a
// thousand shards may have a few hundred calls in flight at once when the
// endpoint is slow; with fewer idle connections kept than that, each burst
// closed the extra ones and the next dialed them again (a tenth of the CPU
// of 1,000 idle shards went to dialing). An idle connection costs about
// 10 KiB. No more than that are open at once, either: at start-up a
// thousand shards each ask for an iterator and a first page together, and
// a connection each (its buffers and two goroutines) took the process to
// 165 MiB for a moment, to close most of them again; calls beyond wait for
// a connection (within their own deadline), and 256 in flight are more
// than DynamoDB Streams' per-shard limit of five calls a second needs at
// a few tens of milliseconds a call.
const maxIdleConns = 256

func tuneTransport(t *http.Transport) {
	t.MaxIdleConns = maxIdleConns
	t.MaxIdleConnsPerHost = maxIdleConns
	t.MaxConnsPerHost = maxIdleConns
	t.IdleConnTimeout = 90 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
}
