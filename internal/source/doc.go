// Package source wires one source together: the stream reader's records
// become CloudEvents (internal/event), go to the sink through a per-shard
// ordered dispatcher (internal/delivery), and what the sink acknowledged
// moves the checkpoint (internal/checkpoint). It also owns the shutdown
// sequence: stop reading, give in-flight sends a grace period, save.
package source
