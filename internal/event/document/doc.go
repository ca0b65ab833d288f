// Package document is the plain JSON data shape (spec.dataFormat:
// document), for sinks that mirror a table into a search index or a cache
// and want the item, not DynamoDB's typed form. The data has exactly these
// members, in this order: operation (INSERT, MODIFY or REMOVE), keys,
// newImage and oldImage (each absent when the stream view type does not
// carry it), sequenceNumber, approximateCreationDateTime (RFC 3339, UTC,
// to the millisecond) and ttl (true for a delete made by DynamoDB's TTL,
// absent otherwise).
//
// Attribute values are plain JSON: S a string, N a JSON number written
// exactly as DynamoDB's literal (up to 38 significant digits: never parsed
// into a float, never rewritten), B a standard padded base64 string, BOOL a
// boolean, NULL null, M an object, L an array, SS, NS and BS arrays of
// strings, numbers and base64 strings. Object members keep the wire's order.
// A record with an attribute value this shape cannot write (a type it does
// not know, a value with no type or two, an N that is not a number) is
// refused (v1json.RecordError, raw, for a dead-letter sink), not guessed at.
//
// [DecodeGetRecords] renders it in one pass, through internal/event/v1json's
// scanner and page loop.
package document
