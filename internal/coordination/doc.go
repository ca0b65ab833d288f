// Package coordination lets replicas of one source share its shards: Assign
// decides which replica reads which shard, and Membership tells the replicas
// of a source apart through one Kubernetes Lease each.
//
// Neither is wired into the adapter yet: a source still runs one replica.
package coordination
