// Package resources builds the Kubernetes objects the controller keeps for
// each AWSDynamoDBSource: the adapter's Deployment, its ServiceAccount, the
// Role and RoleBinding that let it keep its checkpoints, and the checkpoint
// ConfigMap. The builders are pure functions of the source and a few
// options, so what the controller asks for is decided (and tested) here and
// the reconciler only applies it.
package resources
