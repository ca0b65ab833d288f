// Package cli holds the dynamodb-source commands (cobra): `create source
// awsdynamodb` runs a source in the foreground from flags named after the
// spec's dotted JSON paths, `adapter` runs one from TriggerMesh's adapter
// environment (what the Kubernetes Deployment runs), and `dump` prints the
// Kubernetes manifests for the same flags. Flags and environment are read
// here and nowhere else.
package cli
