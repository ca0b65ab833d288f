// Package snapcheck is the consumer's view of a source with an initial
// snapshot, for tests: events applied in arrival order (SNAPSHOT, INSERT
// and MODIFY as upserts, REMOVE as a delete), compared with the table, and
// the order faults counted.
package snapcheck
