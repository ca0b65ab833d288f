// Package streamreport owns the adapter's report of its stream to the
// controller: a small summary per adapter replica (shards, iterator age,
// changes delivered, the sink's and the stream's state), computed from the
// source's own metrics registry as the command line's progress lines are
// (internal/progress), and written as JSON under the replica's key of the
// source's status ConfigMap, at most once per Interval and only when it
// changed, plus a heartbeat. The controller reads the ConfigMap back with
// Parse and puts the sum on the AWSDynamoDBSource's status.
package streamreport
