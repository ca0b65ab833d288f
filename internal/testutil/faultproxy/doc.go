// Package faultproxy is an HTTP proxy that stands between the source and a
// DynamoDB (Local) endpoint and breaks DynamoDB Streams calls on purpose. It
// reads each request's JSON-protocol target (X-Amz-Target:
// DynamoDBStreams_20120810.GetRecords and friends), counts calls per
// operation, and answers some of them with a fault instead of the upstream's
// answer: LimitExceededException, an HTTP 500 InternalServerError, a reset
// connection, ExpiredIteratorException or TrimmedDataAccessException. Faults
// come from per-operation probabilities (switchable at run time) or from a
// queue of one-shot faults ("expire the next GetRecords"). The source under
// test sees nothing but real HTTP: it is pointed at the proxy with
// --endpoint.url.
package faultproxy
