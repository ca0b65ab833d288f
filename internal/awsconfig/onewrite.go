package awsconfig

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// This file puts each AWS request on the wire in one write. The SDK hands
// net/http its body wrapped in a reader net/http does not know to be in
// memory, and for such a body net/http flushes the headers first: two
// write syscalls per call, and two wake-ups of the endpoint. An idle shard
// polls four times a second, so among a thousand shards that was a sixth of
// the process's CPU. The bodies of DynamoDB Streams calls are a few hundred
// bytes of JSON; read into a bytes.Reader, net/http writes headers and body
// at once.

// maxBufferedBody is the largest request body read into memory before it
// is sent; a larger one (none of the four actions sends one) is streamed
// as the SDK gave it.
const maxBufferedBody = 64 << 10

// oneWrite is an aws.HTTPClient that reads a small request body into
// memory before handing the request to next.
type oneWrite struct {
	next aws.HTTPClient
}

func (c oneWrite) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength <= 0 || req.ContentLength > maxBufferedBody {
		return c.next.Do(req)
	}
	body := make([]byte, req.ContentLength)
	_, err := io.ReadFull(req.Body, body)
	closeErr := req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	if closeErr != nil {
		return nil, fmt.Errorf("closing the request body: %w", closeErr)
	}
	// The request is the SDK's own copy for this attempt (it builds a new
	// one for each), so it is changed in place.
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return c.next.Do(req)
}
