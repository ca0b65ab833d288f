// Package ddblocal runs a real DynamoDB Local (the official DynamoDBLocal.jar)
// for tests, so code that talks to DynamoDB and DynamoDB Streams is exercised
// against a real implementation of both APIs instead of mocks.
//
// The emulator is installed by hack/dynamodb-local.sh install (make test runs
// it) into $DYNAMODB_LOCAL_DIR, or by default
// ${XDG_CACHE_HOME:-$HOME/.cache}/dynamodb-source/dynamodb-local. Java 17 must be
// on PATH; the same script installs it when missing.
//
// Typical use:
//
//	srv := ddblocal.Start(t)
//	_, streamARN := srv.CreateTable(ctx, t, "orders", types.StreamViewTypeNewAndOldImages)
//	ddb, streams := srv.DynamoDB(), srv.Streams()
//
// Each Start launches its own JVM on a free loopback port with -inMemory, so
// tests never share state and nothing is left on disk; the process is killed
// by tb.Cleanup (and, on Linux, by the kernel if the test binary dies first).
//
// Clients built by code under test from AWSConfig talk to the server too
// (BaseEndpoint is set there). A dynamodb.Client built that way should also
// set DisableValidateResponseChecksum, as DynamoDB() does: DynamoDB Local
// omits the X-Amz-Crc32 header on error responses.
//
// DynamoDB Local differs from AWS in ways stream code notices; see
// behaviour_test.go, which pins them: ARNs use region "ddblocal" and account
// 000000000000, each stream has exactly one shard, ApproximateCreationDateTime
// is truncated to the minute, and a malformed sequence number makes
// GetShardIterator fail with HTTP 500 InternalFailure instead of a 400.
package ddblocal
