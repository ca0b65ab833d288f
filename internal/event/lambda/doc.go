// Package lambda is the Lambda data shape (spec.dataFormat: lambda): a
// DynamoDB Streams record's event data exactly as AWS Lambda's event source
// mapping and EventBridge Pipes deliver one record — camelCase top level
// (eventID, eventName, eventVersion, eventSource, awsRegion, userIdentity
// when present with principalId and type, eventSourceARN = the stream's
// ARN), and dynamodb with ApproximateCreationDateTime in whole epoch
// seconds (a JSON number), Keys, NewImage and OldImage in DynamoDB JSON as
// the wire has them, SequenceNumber, SizeBytes and StreamViewType. A field
// the record does not have is left out, as Lambda leaves it out. The
// contract is that the data decodes into aws-lambda-go's
// events.DynamoDBEventRecord with every field the record has set.
//
// [DecodeGetRecords] renders it in one pass, through internal/event/v1json's
// scanner and page loop, without eventSourceARN: the GetRecords answer does
// not name its stream, the shard's processor does, and adds it with
// [WithSourceARN]. The same rendering, without the ARN, is what filter
// patterns match (internal/filter), whatever the data shape.
package lambda
