// Package event owns the pure, I/O-free conversion of one DynamoDB Streams
// record (aws-sdk-go-v2 dynamodbstreams/types.Record) into the CloudEvent that
// dynamodb-source delivers, and with it the event contract that existing
// TriggerMesh AWSDynamoDBSource consumers depend on: specversion 1.0, type
// [Type], source = the configured table ARN, id = the record's eventID, time =
// ApproximateCreationDateTime (unset when absent), extension
// dynamodboperation = INSERT, MODIFY or REMOVE, K_CE_OVERRIDES extensions
// applied last (checked by [ValidateOverrides]), and datacontenttype
// application/json. The subject is the item's key as rendered by [Subject]:
// key attributes sorted by name (byte order), each written name=value and
// joined with "," — e.g. "pk=user#1,sk=2024" — where a value is S as is, N as
// its decimal string and B as standard padded base64; in names and values
// "\", "," and "=" are escaped with a backslash, control characters are
// written \xHH, and whitespace at either end of the subject is written as
// \xHH escapes of its UTF-8 bytes, so the subject splits back into the key
// unambiguously and survives the trimming done by the CloudEvents SDK and by
// HTTP header parsing. The data is TriggerMesh's, byte for byte: what
// encoding/json produces for the AWS SDK for Go v1 dynamodbstreams.Record
// that the v1 SDK decodes from the same GetRecords response — v1 field names
// in v1 order, absent fields present as null (v1 structs carry no json tags,
// hence no omitempty), every attribute value with all ten type fields (B,
// BOOL, BS, L, M, N, NS, NULL, S, SS) of which only the set one is non-null,
// sorted map keys, HTML-safe string escaping, base64 binaries, and
// ApproximateCreationDateTime as an RFC 3339 UTC timestamp. The nulls are kept
// deliberately: a consumer outside Go may test a field for null and fail on a
// missing key, so omitting them would not be a drop-in replacement. The data
// is written by an append encoder into a pooled buffer rather than by
// reflection, because conversion runs once per record on the hot path. On
// the source's own path the data is written straight from the GetRecords
// answer by [DecodeGetRecords], in one pass over its JSON, and
// [Converter.ConvertData] builds the event around it; [Converter.Convert]
// writes the same data from an SDK record.
package event
