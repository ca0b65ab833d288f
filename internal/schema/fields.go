package schema

import (
	"fmt"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

// rows is the table: every setting of a source, in the order of the
// environment and of --help. Adding a field is adding a row; its flag is
// its path, its variable the rule's name (EnvNameOf) unless TriggerMesh
// named it.
var rows = []Field{
	// Identity of the source on Kubernetes, set by the controller.
	{Path: "namespace", Process: true, Env: "NAMESPACE", Flag: NoFlag, Kind: String,
		Doc: "the source's namespace on Kubernetes (with NAME, names its checkpoint ConfigMap)"},
	{Path: "name", Process: true, Env: "NAME", Flag: NoFlag, Kind: String,
		Doc: "the source's name on Kubernetes"},

	{Path: "arn", Env: "ARN", Kind: String, Required: true,
		Hint: "give the ARN of the DynamoDB table, arn:aws:dynamodb:<region>:<account-id>:table/<name>",
		Doc:  "table ARN, arn:aws:dynamodb:<region>:<account>:table/<name>; the region comes from it"},
	{Path: "sink.uri", Env: "K_SINK", Kind: String, Default: "the terminal, on the command line",
		Hint: "give the http(s) URL events are sent to",
		Doc:  "http(s) URL of the sink"},
	{Path: "sink.ref.apiVersion", Env: NoEnv, Kind: String, Doc: "API version of an Addressable sink object (Kubernetes only: dump)"},
	{Path: "sink.ref.kind", Env: NoEnv, Kind: String, Doc: "kind of an Addressable sink object, such as Broker (Kubernetes only: dump)"},
	{Path: "sink.ref.name", Env: NoEnv, Kind: String, Doc: "name of an Addressable sink object (Kubernetes only: dump)"},
	{Path: "sink.ref.namespace", Env: NoEnv, Kind: String, Default: "the source's",
		Doc: "namespace of an Addressable sink object (Kubernetes only: dump)"},
	{Path: "sink.CACerts", Env: "K_CA_CERTS", Kind: PEM, Default: "system roots",
		Doc: "PEM bundle of CA certificates trusted for TLS to the sink, in addition to the system's"},
	{Path: "ceOverrides.extensions", Env: "K_CE_OVERRIDES", Kind: Extensions,
		Doc: "extension attributes added to every event: name=value, repeatable, as a flag; JSON of ceOverrides in the environment"},

	{Path: "auth.credentials.accessKeyID", Env: "AWS_ACCESS_KEY_ID", Kind: Credential, Default: "SDK chain",
		Doc: "AWS access key ID (value or valueFromSecret on Kubernetes); without it the AWS SDK's chain is used: environment, profile, web identity, instance metadata"},
	{Path: "auth.credentials.secretAccessKey", Env: "AWS_SECRET_ACCESS_KEY", Kind: Credential, Default: "SDK chain",
		Doc: "AWS secret access key, with accessKeyID"},
	{Path: "auth.credentials.sessionToken", Env: "AWS_SESSION_TOKEN", Kind: Credential,
		Doc: "AWS session token of temporary credentials"},
	{Path: "auth.credentials.assumeIamRole", Env: "AWS_ASSUME_ROLE_ARN", Kind: String, Hint: "give an IAM role ARN",
		Doc: "ARN of an IAM role assumed through STS"},

	{Path: "endpoint.url", Kind: String, Default: "AWS",
		Hint: "give the http(s) URL of a DynamoDB Streams endpoint",
		Doc:  "DynamoDB Streams endpoint, such as http://localhost:8000 for DynamoDB Local; AWS_ENDPOINT_URL_DYNAMODB_STREAMS and AWS_ENDPOINT_URL also work"},
	{Path: "startingPosition", Kind: String, Default: v1alpha1.DefaultStartingPosition,
		Hint: "use LATEST, TRIM_HORIZON or AT_TIMESTAMP",
		Doc:  "where a new source starts: LATEST (changes from now on), TRIM_HORIZON (the oldest kept, up to 24 h) or AT_TIMESTAMP (with startingTimestamp); unused once a checkpoint exists"},
	{Path: "startingTimestamp", Kind: Time,
		Doc: "RFC 3339 time to start from, with startingPosition AT_TIMESTAMP"},

	{Path: "delivery.parallelism", Kind: Int32, Default: fmt.Sprintf("%d, 1 on the terminal", v1alpha1.DefaultParallelism),
		Hint: "give a whole number such as 16",
		Doc:  "events of one shard in flight at once (at most 256 lanes send at once over every shard of a process); one item's changes always go one after another"},
	{Path: "delivery.timeout", Kind: Duration, Default: v1alpha1.DefaultDeliveryTimeout.String(),
		Doc: "timeout of one request to the sink"},
	{Path: "delivery.retries", Kind: Int32, Default: "0: until delivered",
		Hint: "give a whole number, 0 for no limit",
		Doc:  "retries of a retryable failure before the event is dead-lettered (dropped without delivery.deadLetterSink)"},
	{Path: "delivery.batch.size", Kind: Int32, Default: fmt.Sprintf("%d: one event per request", v1alpha1.DefaultBatchSize),
		Hint: "give a whole number such as 100, 1 for no batching",
		Doc:  "most events per request; above 1 sends CloudEvents batches (application/cloudevents-batch+json), which the sink must accept"},
	{Path: "delivery.batch.linger", Kind: Duration, Default: v1alpha1.DefaultBatchLinger.String(),
		Hint: "give a Go duration such as 5ms",
		Doc:  "how long a batch waits for more events before it is sent unfilled"},
	{Path: "delivery.deadLetterSink.uri", Kind: String, Default: "none: such events are dropped, logged and counted",
		Hint: "give an http(s) URL, or on the command line a file (file:///abs/path or a path)",
		Doc:  "where events the sink refused, that used up delivery.retries or outlived delivery.maxRecordAge, or that could not be built, go whole: an http(s) URL, or a file (file:///abs/path or a path) that gets one JSON CloudEvent per line"},
	{Path: "delivery.deadLetterSink.CACerts", Kind: PEM, Default: "system roots",
		Doc: "PEM bundle of CA certificates trusted for TLS to the dead-letter sink, in addition to the system's"},
	{Path: "delivery.maxRecordAge", Kind: Duration, Default: "no limit",
		Hint: "give a positive Go duration such as 1h",
		Doc:  "dead-letter a change older than this (from its creation in the stream) instead of sending it or sending it again"},

	{Path: "dataFormat", Kind: String, Default: v1alpha1.DataFormatTriggerMesh,
		Hint: "use triggermesh, lambda or document",
		Doc:  "shape of the event data: triggermesh (TriggerMesh's, byte for byte), lambda (the record as AWS Lambda's event source mapping delivers it) or document (the item as plain JSON); see The events"},
	{Path: "filterCriteria.filters", Flag: "filterCriteria.filters.pattern", Kind: Filters, Default: "none: every change is sent",
		Doc: "a Lambda FilterCriteria pattern (JSON), matched against the record in Lambda's shape, as the flag --filterCriteria.filters.pattern: repeatable, up to 10, ORed; a change that matches none is not sent and the checkpoint moves past it; in the environment the JSON of filterCriteria.filters ([{\"pattern\":\"…\"}])"},

	{Path: "polling.idleInterval", Kind: Duration, Default: v1alpha1.DefaultIdleInterval.String(),
		Hint: "give a Go duration such as 250ms",
		Doc:  "pause after an empty read; while records flow the next read is immediate; among more than 100 shards, a shard idle for 2 s waits longer, up to 850ms"},
	{Path: "polling.discoveryInterval", Kind: Duration, Default: v1alpha1.DefaultDiscoveryInterval.String(),
		Hint: "give a Go duration such as 10s",
		Doc:  "how often new shards and streams are looked for; a stream of more than 100 shards is listed whole every 30th time only, as children are asked for at their parent's end"},
	{Path: "polling.maxBytesInFlight", Kind: Quantity, Default: "128Mi",
		Hint: "give a quantity of bytes such as 128Mi, from 4Mi",
		Doc:  "bytes of records read and not yet delivered, over every shard of the process: reading waits while it is reached (size it to half the pod's memory)"},

	{Path: "snapshot.mode", Kind: String, Default: v1alpha1.SnapshotModeNone,
		Hint: "use none or initial",
		Doc:  "initial: on the first start, send every item of the table (dynamodboperation SNAPSHOT), then the changes from the moment the scan began; needs dynamodb:Scan; see The initial snapshot"},
	{Path: "snapshot.segments", Kind: Int32, Default: fmt.Sprintf("%d", v1alpha1.DefaultSnapshotSegments),
		Hint: "give a whole number from 1 to 256",
		Doc:  "parallel Scan segments of the snapshot"},
	{Path: "snapshot.readRate", Kind: Int32, Default: "0: no cap",
		Hint: "give read capacity units per second, 0 for no cap",
		Doc:  "most read capacity units per second the snapshot's Scan consumes, over every segment"},

	{Path: "checkpoint.store", Kind: String, Default: "file (CLI), kubernetes (controller)",
		Hint: "use file, kubernetes or memory",
		Doc:  "where progress is kept: file, kubernetes (a ConfigMap) or memory (nothing kept: a restart starts over)"},
	{Path: "checkpoint.dir", Kind: String, Default: "$XDG_STATE_HOME/dynamodb-source, else ~/.local/state/dynamodb-source",
		Hint: "give a folder",
		Doc:  "folder of the file store"},

	// The adapter process itself.
	{Path: "metricsPort", Process: true, Env: "METRICS_PORT", Flag: NoFlag, Kind: Port, Default: "0: off",
		Doc: "port of /metrics, /healthz and /readyz; the command line's --metrics-port"},
}

// fields is the table resolved against the Go types: a row whose path is
// not a field of the kind's type stops the program at its start, so no
// test or command runs with a broken table.
var fields = mustResolve(rows)

func mustResolve(rows []Field) []*Field {
	out := make([]*Field, len(rows))
	for i := range rows {
		f := rows[i]
		if err := f.resolve(); err != nil {
			panic("schema: " + err.Error())
		}
		out[i] = &f
	}
	return out
}

// Fields returns every row, in table order.
func Fields() []*Field { return fields }

// SpecFields returns the rows of spec fields that have a flag, in table
// order: the flags of the commands that take a spec.
func SpecFields() []*Field {
	var out []*Field
	for _, f := range fields {
		if !f.Process && f.FlagName() != NoFlag {
			out = append(out, f)
		}
	}
	return out
}

// EnvFields returns the rows that have a variable, in table order.
func EnvFields() []*Field {
	var out []*Field
	for _, f := range fields {
		if f.EnvName() != NoEnv {
			out = append(out, f)
		}
	}
	return out
}
