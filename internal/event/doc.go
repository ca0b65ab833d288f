// Package event owns the conversion of one DynamoDB Streams record into the
// CloudEvent that dynamodb-source delivers, and with it the event contract
// that existing TriggerMesh AWSDynamoDBSource consumers depend on:
// specversion 1.0, type [Type], source = the configured table ARN, id = the
// record's eventID, time = ApproximateCreationDateTime (unset when absent),
// extension dynamodboperation = INSERT, MODIFY or REMOVE, K_CE_OVERRIDES
// extensions applied last (checked once, by [NewConverter], with
// [ValidateOverrides]), and datacontenttype application/json. The subject is
// the item's key as rendered by [Subject]: key attributes sorted by name
// (byte order), each written name=value and joined with "," — e.g.
// "pk=user#1,sk=2024" — where a value is S as is, N as its decimal string and
// B as standard padded base64; in names and values "\", "," and "=" are
// escaped with a backslash, control characters are written \xHH, and
// whitespace at either end of the subject is written as \xHH escapes of its
// UTF-8 bytes, so the subject splits back into the key unambiguously and
// survives the trimming done by the CloudEvents SDK and by HTTP header
// parsing.
//
// Every event also carries partitionkey (the CloudEvents partitioning
// extension) = the subject, and a change made by DynamoDB's TTL (a
// userIdentity of type Service, principal dynamodb.amazonaws.com) carries
// dynamodbttl = true.
//
// The event data is not written here: a data shape renders it, one package
// per shape beside this one (spec.dataFormat picks it, in
// internal/source/shapes.go). internal/event/v1json is TriggerMesh's shape,
// byte for byte (its doc.go holds that contract), and owns the one-pass
// scanner and page loop (v1json.DecodeWith) the others render through:
// internal/event/lambda is the record as Lambda delivers it (also what
// filter patterns match), internal/event/document the item as plain JSON.
//
// # The path of a record, and the seam between stream and event
//
// The shard reader (internal/stream) does not let the SDK decode a
// successful GetRecords answer: it hands the body to a stream.Decoder, the
// one func type through which reading and rendering meet, owned by the
// stream package that calls it (internal/stream/getrecords_decode.go). The
// source plugs in a data shape's DecodeGetRecords there (decodeGetRecords in
// internal/source/source.go, a field-for-field copy from the shape's Page to
// stream.Page). The decoder reads the body once and returns, per record:
//
//   - a light types.Record: eventID, eventName and, in Dynamodb, Keys,
//     SequenceNumber, ApproximateCreationDateTime, SizeBytes and
//     StreamViewType — what reading, ordering and [Converter.ConvertData]
//     use; Dynamodb is never nil, so that the reader can take the sequence
//     number of any record;
//   - its event data (Page.Data[i]), rendered in the shape's format;
//   - or, for a record it refuses (Page.Errs[i] not nil, Data[i] nil): why.
//     A refused record is counted and skipped by the source, never allowed
//     to stall the shard; its error carries the record's JSON text as it
//     came on the wire (RawRecord() []byte; v1json.RecordError), so that a
//     dead-letter sink can send it raw.
//
// The shard processor (internal/source/processor.go) then calls
// [Converter.ConvertData] with each light record and its data, and the
// event goes to delivery. Keep the seam this narrow: a new data shape is a
// new DecodeGetRecords and one adapter line in the source, nothing in
// stream or here.
package event
