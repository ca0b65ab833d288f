package schema

import "github.com/dynamodb-source/dynamodb-source/api/v1alpha1"

// Config is everything the adapter process reads from its environment: the
// spec, plus what identifies the source and what the process itself serves.
// The JSON names are the paths the table's process rows use.
type Config struct {
	// Name and Namespace identify the source on Kubernetes; the adapter names
	// its checkpoint ConfigMap after them.
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Spec is the source's spec. Its sink is always a URI in the adapter: the
	// controller resolves sink.ref before it renders the environment.
	Spec v1alpha1.AWSDynamoDBSourceSpec `json:"spec"`
	// MetricsPort is the port of the adapter's health and metrics server;
	// 0 means no server.
	MetricsPort int32 `json:"metricsPort"`
}
