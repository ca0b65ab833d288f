package awsconfig

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
)

// countingResolver resolves through the SDK's rules and counts the calls;
// it fails while fail is set.
type countingResolver struct {
	calls int
	fail  bool
}

func (r *countingResolver) ResolveEndpoint(ctx context.Context, p dynamodbstreams.EndpointParameters) (smithyendpoints.Endpoint, error) {
	r.calls++
	if r.fail {
		return smithyendpoints.Endpoint{}, errors.New("scripted")
	}
	return dynamodbstreams.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, p)
}

func TestCachedEndpointResolvesOncePerParameters(t *testing.T) {
	next := &countingResolver{}
	c := &cachedEndpoint{next: next}
	ctx := context.Background()
	params := func(region, endpoint string) dynamodbstreams.EndpointParameters {
		p := dynamodbstreams.EndpointParameters{Region: aws.String(region), UseFIPS: aws.Bool(false), UseDualStack: aws.Bool(false)}
		if endpoint != "" {
			p.Endpoint = aws.String(endpoint)
		}
		return p
	}
	steps := []struct {
		name             string
		region, endpoint string
		fail             bool
		wantURL          string
		wantCalls        int
	}{
		{"the first call resolves", "eu-west-1", "", false, "https://streams.dynamodb.eu-west-1.amazonaws.com", 1},
		{"the same parameters again are answered from memory", "eu-west-1", "", false, "https://streams.dynamodb.eu-west-1.amazonaws.com", 1},
		{"another region resolves again", "us-east-1", "", false, "https://streams.dynamodb.us-east-1.amazonaws.com", 2},
		{"an endpoint URL resolves again", "us-east-1", "http://127.0.0.1:8000", false, "http://127.0.0.1:8000", 3},
		{"a failure is returned", "us-west-2", "", true, "", 4},
		{"and not kept", "us-west-2", "", false, "https://streams.dynamodb.us-west-2.amazonaws.com", 5},
	}
	for _, s := range steps {
		next.fail = s.fail
		e, err := c.ResolveEndpoint(ctx, params(s.region, s.endpoint))
		if s.fail != (err != nil) {
			t.Fatalf("%s: error %v, want failure %v", s.name, err, s.fail)
		}
		if !s.fail && e.URI.String() != s.wantURL {
			t.Errorf("%s: endpoint %s, want %s", s.name, e.URI.String(), s.wantURL)
		}
		if next.calls != s.wantCalls {
			t.Errorf("%s: %d resolutions so far, want %d", s.name, next.calls, s.wantCalls)
		}
	}
}
