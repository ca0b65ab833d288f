// Package eventdata decodes the data of the CloudEvents the source sends
// (TriggerMesh's stream-record JSON) into Record, the one type the suites
// that run the binary read events with (test/integration, test/reliability).
// It holds only what the tests read; the byte-for-byte contract of that JSON
// is internal/event's golden files, not this type.
package eventdata
