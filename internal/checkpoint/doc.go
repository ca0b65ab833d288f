// Package checkpoint owns a source's read progress: for each stream of the
// table, the last sequence number of each shard that the sink acknowledged
// (with everything before it), which shards are finished, and when the source
// first read the stream. The progress of one source is one small document,
// saved whole, so a save is atomic on every backend: bbolt on local disk
// (the command line's default), a ConfigMap (on Kubernetes) or memory.
package checkpoint
