// Package backoff holds the one exponential backoff with full jitter that
// every retry loop of the source uses (AWS calls, sink sends), and the
// context-aware sleep they wait with.
//
// Full jitter (a wait drawn uniformly below the exponential ceiling) keeps
// many shards or lanes that failed together from retrying together; see
// AWS's "Exponential Backoff And Jitter".
package backoff
