package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EventType is the CloudEvents type of every event the source emits.
const EventType = "com.amazon.dynamodb.stream_record"

// Starting positions: where a source reads a shard that has no checkpoint.
const (
	StartingPositionLatest      = "LATEST"
	StartingPositionTrimHorizon = "TRIM_HORIZON"
	StartingPositionAtTimestamp = "AT_TIMESTAMP"
)

// Checkpoint stores.
const (
	CheckpointStoreFile       = "file"
	CheckpointStoreKubernetes = "kubernetes"
	CheckpointStoreMemory     = "memory"
)

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=all;knative;eventing;sources
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Healthy",type=string,JSONPath=`.status.conditions[?(@.type=="StreamHealthy")].status`
// +kubebuilder:printcolumn:name="Lag",type=string,JSONPath=`.status.stream.iteratorAge`
// +kubebuilder:printcolumn:name="Sink",type=string,JSONPath=`.status.sinkUri`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// AWSDynamoDBSource reads every item-level change of a DynamoDB table from its
// DynamoDB Stream and delivers each one as a CloudEvent to a sink.
type AWSDynamoDBSource struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   AWSDynamoDBSourceSpec   `json:"spec,omitempty"`
	Status AWSDynamoDBSourceStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// AWSDynamoDBSourceList is a list of AWSDynamoDBSource.
type AWSDynamoDBSourceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AWSDynamoDBSource `json:"items"`
}

// AWSDynamoDBSourceSpec is the desired state of a source. Each field's dotted
// JSON path is also the name of its command-line flag.
type AWSDynamoDBSourceSpec struct {
	// ARN of the DynamoDB table whose stream is read,
	// arn:aws:dynamodb:{region}:{account}:table/{name}.
	// +kubebuilder:validation:Pattern=`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[a-zA-Z0-9_.-]{3,255}$`
	ARN string `json:"arn"`

	// Auth is how the source authenticates to AWS. When empty, the AWS SDK's
	// default credential chain is used (IRSA, EKS Pod Identity, profiles,
	// instance metadata).
	// +optional
	Auth AWSAuth `json:"auth,omitempty"`

	// Sink is where events are delivered. On the command line, no sink means
	// events are printed on the terminal.
	// +optional
	Sink Destination `json:"sink,omitempty"`

	// CloudEventOverrides adds extension attributes to every event.
	// +optional
	CloudEventOverrides *CloudEventOverrides `json:"ceOverrides,omitempty"`

	// AdapterOverrides customises the adapter's Deployment (Kubernetes only).
	// +optional
	AdapterOverrides *AdapterOverrides `json:"adapterOverrides,omitempty"`

	// Endpoint overrides the DynamoDB Streams endpoint (DynamoDB Local,
	// LocalStack, VPC endpoints). Extension to TriggerMesh's API.
	// +optional
	Endpoint *Endpoint `json:"endpoint,omitempty"`

	// StartingPosition is where a shard without a checkpoint is read from on
	// the first start: LATEST (default), TRIM_HORIZON (the oldest record kept,
	// up to 24 hours) or AT_TIMESTAMP (the first record at or after
	// startingTimestamp). Once a checkpoint exists it is not used again.
	// Extension to TriggerMesh's API.
	// +kubebuilder:validation:Enum=LATEST;TRIM_HORIZON;AT_TIMESTAMP
	// +optional
	StartingPosition string `json:"startingPosition,omitempty"`

	// StartingTimestamp is the RFC 3339 time used with AT_TIMESTAMP.
	// +optional
	StartingTimestamp *metav1.Time `json:"startingTimestamp,omitempty"`

	// Delivery tunes how events are sent to the sink.
	// +optional
	Delivery *DeliverySpec `json:"delivery,omitempty"`

	// Polling tunes how the stream is read.
	// +optional
	Polling *PollingSpec `json:"polling,omitempty"`

	// Checkpoint selects where read progress is kept.
	// +optional
	Checkpoint *CheckpointSpec `json:"checkpoint,omitempty"`

	// DataFormat is the shape of each event's data: triggermesh (the
	// default: TriggerMesh's, byte for byte), lambda (the record as AWS
	// Lambda's event source mapping delivers it) or document (the item as
	// plain JSON).
	// +kubebuilder:validation:Enum=triggermesh;lambda;document
	// +optional
	DataFormat string `json:"dataFormat,omitempty"`

	// FilterCriteria, when set, sends only the changes that match one of
	// its patterns (Lambda's FilterCriteria, matched against the record in
	// Lambda's shape whatever the data format); the others are skipped and
	// the checkpoint moves past them.
	// +optional
	FilterCriteria *FilterCriteria `json:"filterCriteria,omitempty"`

	// Snapshot, with mode initial, delivers the items the table holds when
	// the source first starts (a parallel, consistent Scan), then the
	// stream's changes from the moment the scan began. Extension to
	// TriggerMesh's API.
	// +optional
	Snapshot *SnapshotSpec `json:"snapshot,omitempty"`
}

// Snapshot modes.
const (
	SnapshotModeNone    = "none"
	SnapshotModeInitial = "initial"
)

// SnapshotSpec tunes the initial snapshot of the table.
type SnapshotSpec struct {
	// Mode is none (the default: changes only) or initial (on the first
	// start, every item of the table, then the changes). A source that has
	// a checkpoint already does not take a snapshot again.
	// +kubebuilder:validation:Enum=none;initial
	// +optional
	Mode string `json:"mode,omitempty"`

	// Segments is the number of parallel Scan segments, 1 to 256 (default 4).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=256
	// +optional
	Segments *int32 `json:"segments,omitempty"`

	// ReadRate caps the scan's read capacity units per second over every
	// segment (a consistent read of 4 KB is one unit); 0 or unset: no cap.
	// +kubebuilder:validation:Minimum=0
	// +optional
	ReadRate *int32 `json:"readRate,omitempty"`
}

// Data formats: the shapes of the event data.
const (
	DataFormatTriggerMesh = "triggermesh"
	DataFormatLambda      = "lambda"
	DataFormatDocument    = "document"
)

// FilterCriteria holds Lambda-style event filtering patterns, ORed.
type FilterCriteria struct {
	// Filters are up to 10 patterns; a change is sent when one matches.
	// +kubebuilder:validation:MaxItems=10
	// +optional
	Filters []Filter `json:"filters,omitempty"`
}

// Filter is one filter pattern.
type Filter struct {
	// Pattern is a JSON filter pattern as Lambda's FilterCriteria takes
	// it, such as {"eventName": ["INSERT"]}.
	Pattern string `json:"pattern"`
}

// AWSAuth holds the ways a source can authenticate to AWS.
type AWSAuth struct {
	// Credentials are static AWS security credentials.
	// +optional
	Credentials *AWSSecurityCredentials `json:"credentials,omitempty"`

	// IAM configures IAM roles for service accounts on EKS.
	// +optional
	IAM *AWSIAM `json:"iam,omitempty"`

	// EksIAMRole is the deprecated form of iam.roleArn.
	// +optional
	EksIAMRole string `json:"iamRole,omitempty"`
}

// AWSSecurityCredentials is a set of AWS security credentials. omitzero
// keeps an unset credential out of the JSON a Go client sends: "{}" is
// refused by ValueFromField's rule.
type AWSSecurityCredentials struct {
	// +optional
	AccessKeyID ValueFromField `json:"accessKeyID,omitempty,omitzero"`
	// +optional
	SecretAccessKey ValueFromField `json:"secretAccessKey,omitempty,omitzero"`
	// +optional
	SessionToken ValueFromField `json:"sessionToken,omitempty,omitzero"`
	// AssumeIAMRole is the ARN of a role assumed through STS with the
	// credentials above (or the default chain).
	// +optional
	AssumeIAMRole string `json:"assumeIamRole,omitempty"`
}

// AWSIAM configures IAM roles for service accounts.
type AWSIAM struct {
	// RoleArn is put on the adapter's ServiceAccount as the
	// eks.amazonaws.com/role-arn annotation.
	// +optional
	RoleArn string `json:"roleArn,omitempty"`
	// ServiceAccount names the adapter's ServiceAccount. A managed one with
	// that name is shared by the sources that name it.
	// +optional
	ServiceAccount string `json:"serviceAccount,omitempty"`
}

// ValueFromField is a value given literally or read from a Secret. As in
// TriggerMesh's CRD (oneOf value, valueFromSecret), exactly one of them must
// be given: the API server refuses "accessKeyID: {}".
// +kubebuilder:validation:XValidation:rule="has(self.value) != has(self.valueFromSecret)",message="give exactly one of value or valueFromSecret"
type ValueFromField struct {
	// +optional
	Value string `json:"value,omitempty"`
	// +optional
	ValueFromSecret *corev1.SecretKeySelector `json:"valueFromSecret,omitempty"`
}

// IsSet reports whether a value or a secret reference is given.
func (v ValueFromField) IsSet() bool { return v.Value != "" || v.ValueFromSecret != nil }

// Destination is an event sink: an Addressable object or a URI.
type Destination struct {
	// +optional
	Ref *KReference `json:"ref,omitempty"`
	// +optional
	URI string `json:"uri,omitempty"`
	// CACerts is a PEM bundle trusted, in addition to the system roots, for
	// TLS to the sink.
	// +optional
	CACerts *string `json:"CACerts,omitempty"`
}

// KReference points at an Addressable object (Knative's duck type).
type KReference struct {
	Kind string `json:"kind"`
	// +optional
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`
}

// CloudEventOverrides are attributes added to every event.
type CloudEventOverrides struct {
	// +optional
	Extensions map[string]string `json:"extensions,omitempty"`
}

// AdapterOverrides customises the adapter's Deployment.
type AdapterOverrides struct {
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// Env adds literal variables to the adapter's container. Variables the
	// adapter, the AWS SDK, TLS or the Go runtime's debugging read (AWS_*,
	// K_*, SSL_CERT_*, *_PROXY, GODEBUG, the adapter's own) and valueFrom
	// are refused: they would let a source's author send the adapter's
	// credentials or events elsewhere. The controller checks the rest of the
	// list (any case of *_PROXY, the adapter's own names).
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:XValidation:rule="self.all(e, !has(e.valueFrom))",message="spec.adapterOverrides.env: valueFrom is not allowed, give literal values only"
	// +kubebuilder:validation:XValidation:rule="self.all(e, !e.name.startsWith('AWS_') && !e.name.startsWith('K_') && !e.name.startsWith('SSL_CERT_') && !e.name.endsWith('_PROXY') && !e.name.endsWith('_proxy') && e.name != 'GODEBUG')",message="spec.adapterOverrides.env: AWS_*, K_*, SSL_CERT_*, *_PROXY and GODEBUG are read by the AWS SDK, the adapter or TLS and may not be set: use the spec's fields"
	// +optional
	Env []corev1.EnvVar `json:"env,omitempty"`
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`
	// Public is accepted for compatibility with TriggerMesh and ignored: the
	// adapter serves no events.
	// +optional
	Public *bool `json:"public,omitempty"`
}

// Endpoint overrides an AWS endpoint.
type Endpoint struct {
	// +optional
	URL string `json:"url,omitempty"`
}

// DeliverySpec tunes delivery to the sink.
type DeliverySpec struct {
	// Parallelism is how many records of one shard are sent at once. Records
	// of the same item are always sent one after another, in stream order.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	Parallelism *int32 `json:"parallelism,omitempty"`

	// Timeout bounds one HTTP request to the sink.
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Retries bounds how many times a retryable failure (network errors, 404,
	// 409, 429, 5xx) is retried before the event is dead-lettered (dropped
	// without a deadLetterSink). 0 means retry
	// until it succeeds, so nothing is lost while the sink is down.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Retries *int32 `json:"retries,omitempty"`

	// DeadLetterSink receives, whole, each event the sink refused (a status
	// that is not retried), that used up retries, or that outlived
	// maxRecordAge, with knativeerror* and dynamodbfailure extensions saying
	// why. The checkpoint passes such an event only once the dead-letter sink
	// has it. A ref or an http(s) uri; on the command line also a file (a
	// file:// URI or a path), one JSON event per line. Without one, such
	// events are dropped (logged with their id and counted).
	// +optional
	DeadLetterSink *Destination `json:"deadLetterSink,omitempty"`

	// MaxRecordAge dead-letters (or, without a dead-letter sink, drops) a
	// change older than this, measured from the record's
	// ApproximateCreationDateTime, when it would be sent or sent again.
	// Default: no limit.
	// +optional
	MaxRecordAge *metav1.Duration `json:"maxRecordAge,omitempty"`

	// Batch turns on CloudEvents batched mode: several events in one
	// request, as a JSON array of structured events with content type
	// application/cloudevents-batch+json. The sink must accept that format.
	// Off by default: each event is sent alone, in binary mode.
	// +optional
	Batch *BatchSpec `json:"batch,omitempty"`
}

// BatchSpec tunes CloudEvents batched mode. Records of the same item stay in
// stream order, within a batch and across batches, and the checkpoint still
// moves only past records whose batch the sink acknowledged.
type BatchSpec struct {
	// Size is the most events in one request. 1, the default, turns batched
	// mode off.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	Size *int32 `json:"size,omitempty"`

	// Linger is how long the first event of a batch may wait for more
	// events before a batch smaller than size is sent. Default 5ms.
	// +optional
	Linger *metav1.Duration `json:"linger,omitempty"`
}

// PollingSpec tunes reading the stream.
type PollingSpec struct {
	// IdleInterval is the pause after a GetRecords call that returned no
	// records. While records flow, the next call is made at once.
	// +optional
	IdleInterval *metav1.Duration `json:"idleInterval,omitempty"`

	// DiscoveryInterval is how often shards and streams are listed.
	// +optional
	DiscoveryInterval *metav1.Duration `json:"discoveryInterval,omitempty"`

	// MaxBytesInFlight bounds the bytes of records read and not yet
	// delivered, over every shard of the process (default 128Mi, sized for
	// a 256 MiB pod): reading waits while it is reached.
	// +optional
	MaxBytesInFlight *resource.Quantity `json:"maxBytesInFlight,omitempty"`
}

// CheckpointSpec selects where read progress is kept.
type CheckpointSpec struct {
	// Store is file (an embedded database on local disk, the command-line
	// default), kubernetes (a ConfigMap beside the source, the default on
	// Kubernetes) or memory (nothing kept across restarts).
	// +kubebuilder:validation:Enum=file;kubernetes;memory
	// +optional
	Store string `json:"store,omitempty"`

	// Dir is the folder of the file store. Default:
	// $XDG_STATE_HOME/dynamodb-source, else ~/.local/state/dynamodb-source.
	// +optional
	Dir string `json:"dir,omitempty"`
}

// AWSDynamoDBSourceStatus is the observed state of a source.
type AWSDynamoDBSourceStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// SinkURI is the resolved address of the sink.
	// +optional
	SinkURI string `json:"sinkUri,omitempty"`
	// DeadLetterSinkURI is the resolved address of the dead-letter sink,
	// without credentials or query.
	// +optional
	DeadLetterSinkURI string `json:"deadLetterSinkUri,omitempty"`
	// CloudEventAttributes are the attributes of the events the source emits.
	// +optional
	CloudEventAttributes []CloudEventAttributes `json:"ceAttributes,omitempty"`
	// Stream is what the adapter reports of the stream, summed over its
	// replicas; absent until it reports (only with checkpoint.store
	// kubernetes, the default).
	// +optional
	Stream *StreamStatus `json:"stream,omitempty"`
}

// StreamStatus is the adapter's summary of the stream it reads. Counts are
// since the adapter's pods started.
type StreamStatus struct {
	// OpenShards are the shards being read.
	OpenShards int32 `json:"openShards"`
	// FinishedShards are the closed shards read to their end.
	FinishedShards int32 `json:"finishedShards"`
	// IteratorAge is the age of the oldest change not yet delivered (the
	// iterator age, as AWS Lambda's IteratorAge); 0s when caught up.
	// +optional
	IteratorAge *metav1.Duration `json:"iteratorAge,omitempty"`
	// CaughtUp says every shard is at its end with nothing in flight.
	// +optional
	CaughtUp bool `json:"caughtUp,omitempty"`
	// LastDeliveredTime is when a change was last delivered, to within the
	// report interval (10 s).
	// +optional
	LastDeliveredTime *metav1.Time `json:"lastDeliveredTime,omitempty"`
	// Delivered are the changes the sink acknowledged.
	Delivered int64 `json:"delivered"`
	// Filtered are the changes no filterCriteria pattern matched.
	Filtered int64 `json:"filtered"`
	// DeadLettered are the changes the dead-letter sink took.
	DeadLettered int64 `json:"deadLettered"`
	// Dropped are the changes given up on without a dead-letter sink.
	Dropped int64 `json:"dropped"`
	// TrimmedGaps counts the times the stream had trimmed changes before
	// they were read: those changes are lost.
	TrimmedGaps int64 `json:"trimmedGaps"`
	// SinkFailingSince is when sending to the sink began to fail with
	// errors that are retried; absent while the sink takes events.
	// +optional
	SinkFailingSince *metav1.Time `json:"sinkFailingSince,omitempty"`
	// StreamEnabled says whether the table has a stream to read; absent
	// until the adapter has looked.
	// +optional
	StreamEnabled *bool `json:"streamEnabled,omitempty"`
	// Snapshot is the initial snapshot's progress (spec.snapshot.mode
	// initial), while the adapter that takes it runs; absent otherwise.
	// +optional
	Snapshot *SnapshotStatus `json:"snapshot,omitempty"`
	// Replicas are the adapter pods whose reports are counted.
	Replicas int32 `json:"replicas"`
	// ReportedAt is when the oldest report counted was made.
	// +optional
	ReportedAt *metav1.Time `json:"reportedAt,omitempty"`
}

// SnapshotStatus is the progress of the initial snapshot.
type SnapshotStatus struct {
	// Items are the table's items the snapshot has delivered (or
	// filtered, or dead-lettered) since the adapter started.
	Items int64 `json:"items"`
	// Segments are the parallel Scan's segments; SegmentsDone those
	// scanned and delivered to their end.
	Segments     int32 `json:"segments"`
	SegmentsDone int32 `json:"segmentsDone"`
	// Done says every segment is done: the snapshot is complete and the
	// source delivers the stream's changes only.
	// +optional
	Done bool `json:"done,omitempty"`
}

// CloudEventAttributes describes events a source emits.
type CloudEventAttributes struct {
	Type   string `json:"type,omitempty"`
	Source string `json:"source,omitempty"`
}
