// Package v1json is the TriggerMesh data shape: it renders a DynamoDB
// Streams record's event data as TriggerMesh's AWSDynamoDBSource did — what
// encoding/json produces for the AWS SDK for Go v1 dynamodbstreams.Record
// that SDK v1 decodes from the same GetRecords answer — straight from the
// answer's JSON, in one pass ([DecodeGetRecords]). It is a leaf: the
// converter (internal/event) builds the CloudEvent around the data, and the
// shard reader (internal/stream) calls it through its Decoder seam; see
// internal/event's doc for that path. The other data shapes
// (internal/event/lambda, internal/event/document) go beside this package
// and render through its scanner and page loop ([DecodeWith], export.go).
//
// The contract, byte for byte, which consumers of TriggerMesh's events may
// depend on:
//
//   - v1 field names in v1 order (the v1 structs carry no json tags: the Go
//     field names, in declaration order): AwsRegion, Dynamodb, EventID,
//     EventName, EventSource, EventVersion, UserIdentity; in Dynamodb
//     ApproximateCreationDateTime, Keys, NewImage, OldImage, SequenceNumber,
//     SizeBytes, StreamViewType; in UserIdentity PrincipalId, Type;
//   - absent fields present as null, never omitted (no omitempty). The
//     nulls are kept deliberately: a consumer outside Go may test a field
//     for null and fail on a missing key;
//   - every attribute value with all ten type fields (B, BOOL, BS, L, M, N,
//     NS, NULL, S, SS), of which only the set one is non-null;
//   - map keys sorted by their raw bytes; of a name given twice the last;
//   - strings escaped as json.Marshal escapes them, HTML-safe (<, > and &
//     as \u003c, \u003e, \u0026), \u2028 and \u2029 escaped, U+FFFD for
//     bytes that are not UTF-8;
//   - binaries as standard padded base64;
//   - ApproximateCreationDateTime (epoch seconds on the wire) as an RFC 3339
//     UTC timestamp cut to the millisecond, as time.Time.MarshalJSON writes
//     it; SizeBytes as an integer.
//
// One deliberate difference: an attribute value of a type this source does
// not know, which SDK v1 would write as all nulls, makes the record refused
// (Page.Errs) rather than delivered as something a consumer cannot tell
// from corruption; so does a record without a stream record ("dynamodb"
// absent or null), which has no sequence number and no key.
//
// The tests hold all of it against SDK v1 itself: getrecords_test.go
// decodes the same answers with SDK v1's decoder and compares its
// encoding/json output byte for byte (and fuzzes that), compat_test.go
// does the same for hand-built records through the test oracle
// (oracle_test.go, the SDK-record encoder the source once used), and the
// golden files in testdata/ pin whole events for every stream view type
// and operation. The data is written by append encoders into reused
// scratch rather than by reflection, because rendering runs once per
// record on the hot path (docs/benchmarks.md).
package v1json
