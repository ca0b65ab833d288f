// Package controller reconciles AWSDynamoDBSource objects: for each source
// it resolves the sink, keeps the adapter's ServiceAccount, the Role and
// RoleBinding for its checkpoint ConfigMap, and its Deployment (all built by
// package resources), and reports what it found in the source's status.
// Objects made for one source are owned by it, so Kubernetes' garbage
// collector deletes them with it; a ServiceAccount shared by several sources
// carries a reference from each and goes with the last. Run starts the
// manager that cmd/dynamodb-source-controller runs.
package controller
