package awsconfig

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
)

// This file remembers the endpoint. The SDK resolves it for every call,
// running its rules afresh: among a thousand idle shards that was a tenth
// of the process's CPU, most of it growing the caller's stack for the
// resolver's large frame. A client's parameters (region, endpoint URL,
// FIPS, dual-stack) do not change from call to call, so the last answer
// is kept for the parameters it was given.

// endpointKey is EndpointParameters by value.
type endpointKey struct {
	region, endpoint   string
	useFIPS, dualStack bool
}

func keyOf(p dynamodbstreams.EndpointParameters) endpointKey {
	return endpointKey{region: aws.ToString(p.Region), endpoint: aws.ToString(p.Endpoint),
		useFIPS: aws.ToBool(p.UseFIPS), dualStack: aws.ToBool(p.UseDualStack)}
}

// cachedEndpoint resolves through next once per distinct parameters; an
// error is not kept.
type cachedEndpoint struct {
	next dynamodbstreams.EndpointResolverV2

	mu   sync.Mutex
	ok   bool
	key  endpointKey
	last smithyendpoints.Endpoint
}

func (c *cachedEndpoint) ResolveEndpoint(ctx context.Context, p dynamodbstreams.EndpointParameters) (smithyendpoints.Endpoint, error) {
	k := keyOf(p)
	c.mu.Lock()
	if c.ok && c.key == k {
		e := c.last
		c.mu.Unlock()
		return e, nil
	}
	c.mu.Unlock()
	e, err := c.next.ResolveEndpoint(ctx, p)
	if err != nil {
		return e, err
	}
	c.mu.Lock()
	c.ok, c.key, c.last = true, k, e
	c.mu.Unlock()
	return e, nil
}
