// Package schema is the one description of an AWSDynamoDBSource's settings
// outside Kubernetes: a table (fields.go) with one row per spec field, giving
// its dotted JSON path (which is also its command-line flag), its adapter
// environment variable, the kind of value it holds (how that is parsed and
// written, kinds.go), its default and its documentation. The command-line
// flags (internal/cli) and the adapter environment (internal/adapterenv) are
// both derived from the table, so adding a field is adding one row. The
// fields that are deliberately absent from one form or the other are listed,
// with the reason, in exceptions.go; a test walks the CRD's OpenAPI schema
// and fails on any field that is neither in the table nor listed there.
package schema
