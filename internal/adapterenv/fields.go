package adapterenv

import "github.com/dynamodb-source/dynamodb-source/internal/schema"

// Variables of the adapter's environment, for callers that name one. The
// table in internal/schema is what the adapter reads; a test checks that
// each name here is one of its rows. The first group keeps the names
// TriggerMesh's adapter used; the second is this project's extensions, each
// named by the upper snake case of its field's dotted JSON path.
const (
	EnvARN             = "ARN"
	EnvSink            = "K_SINK"
	EnvCACerts         = "K_CA_CERTS"
	EnvCEOverrides     = "K_CE_OVERRIDES"
	EnvAccessKeyID     = "AWS_ACCESS_KEY_ID"
	EnvSecretAccessKey = "AWS_SECRET_ACCESS_KEY"
	EnvSessionToken    = "AWS_SESSION_TOKEN"
	EnvAssumeRoleARN   = "AWS_ASSUME_ROLE_ARN"
	EnvNamespace       = "NAMESPACE"
	EnvName            = "NAME"

	EnvEndpointURL                   = "ENDPOINT_URL"
	EnvStartingPosition              = "STARTING_POSITION"
	EnvStartingTimestamp             = "STARTING_TIMESTAMP"
	EnvDeliveryParallelism           = "DELIVERY_PARALLELISM"
	EnvDeliveryTimeout               = "DELIVERY_TIMEOUT"
	EnvDeliveryRetries               = "DELIVERY_RETRIES"
	EnvDeliveryBatchSize             = "DELIVERY_BATCH_SIZE"
	EnvDeliveryBatchLinger           = "DELIVERY_BATCH_LINGER"
	EnvPollingIdleInterval           = "POLLING_IDLE_INTERVAL"
	EnvPollingDiscoveryInterval      = "POLLING_DISCOVERY_INTERVAL"
	EnvDeliveryDeadLetterSinkURI     = "DELIVERY_DEAD_LETTER_SINK_URI"
	EnvDeliveryDeadLetterSinkCACerts = "DELIVERY_DEAD_LETTER_SINK_CACERTS"
	EnvDeliveryMaxRecordAge          = "DELIVERY_MAX_RECORD_AGE"
	EnvCheckpointStore               = "CHECKPOINT_STORE"
	EnvCheckpointDir                 = "CHECKPOINT_DIR"
	EnvMetricsPort                   = "METRICS_PORT"
)

// EnvNameOf returns the variable name of a spec field from its dotted JSON
// path: the rule every extension follows (delivery.timeout ->
// DELIVERY_TIMEOUT, startingPosition -> STARTING_POSITION).
func EnvNameOf(path string) string { return schema.EnvNameOf(path) }
