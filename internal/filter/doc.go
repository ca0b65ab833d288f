// Package filter matches DynamoDB stream records against the event filtering
// patterns of AWS Lambda's FilterCriteria, so that a pattern written for a
// Lambda event source mapping or EventBridge Pipes can be pasted as it is.
//
// Compile checks up to MaxPatterns patterns (each the text of one
// Filter.Pattern) and returns a *Filter; (*Filter).Match takes one record as
// JSON bytes in Lambda's shape (eventName, eventSource, awsRegion, eventID,
// eventVersion, userIdentity, dynamodb.Keys, dynamodb.NewImage.<attr>.<type>,
// dynamodb.OldImage, dynamodb.StreamViewType, dynamodb.SequenceNumber,
// dynamodb.SizeBytes, dynamodb.ApproximateCreationDateTime) and reports
// whether any pattern matches (any other field of the record, such as
// eventSourceARN, is matched the same way). Match scans the bytes once,
// descends only into fields some pattern names and builds no tree; it
// allocates only to unescape a string with backslash escapes at a path a
// pattern names, or when the patterns hold more than 256 fields in all. The
// package is pure: no logging, no metrics, no globals; a Filter is immutable
// and safe for concurrent use.
//
// The rules, following Lambda's and EventBridge's documentation; where the
// documentation leaves a choice open, the choice is written here:
//
//   - Patterns are ORed. Within a pattern all fields must match (AND); the
//     values of one field's array are ORed; {"$or": [p1, p2, …]} at any level
//     holds when one of its sub-patterns (relative to that level) does.
//   - A pattern's fields name leaf values: strings, numbers, true, false,
//     null. An array in the record matches when any element matches (nested
//     arrays are flattened, objects inside arrays continue the path). An
//     object is not a leaf: no value and no exists:true match a path that
//     holds an object (Lambda documents that exists works on leaf nodes only:
//     write "OrderNumber": {"S": [{"exists": true}]}, not "OrderNumber":
//     [{"exists": true}]); exists:false does not match it either, since the
//     field is there (what Lambda was observed to do for a NewImage that has
//     the attribute).
//   - A field missing from the record matches nothing, except exists:false.
//     An empty array in the record is no value, as if the field were missing.
//   - Exact values compare with the JSON type: a string matches the same
//     string character by character (no case folding, no normalisation); a
//     number matches a number written the same way, so 300, 300.0 and 3.0e2
//     are three different exact values, and the number 101 does not match the
//     string "101" (write a DynamoDB N as a string: "N": ["101"]); true,
//     false and null match themselves; "" matches the empty string.
//   - prefix, suffix, equals-ignore-case and wildcard match strings only.
//     prefix and suffix also take {"equals-ignore-case": "…"}. Case folding
//     is Unicode simple folding. In a wildcard "*" matches any run of
//     characters, "\*" is a literal star and "\\" a backslash; two stars in a
//     row are refused, as EventBridge refuses them.
//   - anything-but takes a string, a number, a non-empty array of strings or
//     of numbers (not mixed), or an object with prefix, suffix,
//     equals-ignore-case or wildcard. With values it matches every present
//     leaf (of any type, null included) not exactly equal to one of them;
//     with an operator it matches strings the operator does not match. On a
//     missing field it does not match.
//   - numeric compares numbers: ["=", x], one of <, <=, >, >=, or a range of
//     one lower (>, >=) and one upper (<, <=) bound in either order. It
//     matches JSON numbers, and strings when the pattern path ends in N or NS
//     (a DynamoDB number, which Lambda's shape carries as a string); a string
//     that is not a number does not match. Lambda itself has been observed
//     not to compare N strings as numbers (such a pattern matched nothing
//     there); here it does, which is what the pattern means. Comparison is exact decimal
//     arithmetic at any size, so DynamoDB's 38-digit numbers are never
//     rounded (this accepts more than EventBridge's documented range).
//   - exists is true or false, nothing else.
//   - Refused at Compile with a *PatternError: more than MaxPatterns
//     patterns (ErrTooManyPatterns), a pattern over MaxPatternBytes, text
//     that is not one JSON object, an object without fields, a field whose
//     value is neither an array nor an object, an empty array, a nested
//     array, an unknown operator, an operator object with more than one key,
//     an operand of the wrong type, a malformed or empty numeric range.
//   - A record that is not a JSON object matches nothing (Lambda drops a
//     record whose data is not JSON when a pattern filters on it). Match
//     checks the parts it descends into strictly and only the bracket and
//     string structure of the parts it skips.
//   - Not done: EventBridge's array consistency (two fields inside objects
//     of one array may match from different elements), the cidr and
//     ip-address operators, and refusing duplicate keys in a pattern (the
//     last one wins, as in encoding/json).
package filter
