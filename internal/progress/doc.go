// Package progress owns the command line's progress lines: while a source
// catches up a backlog it writes, every few seconds, how many changes were
// delivered, at what rate, the iterator age and the shards, then one line
// when it is caught up. It reads nothing from the source itself, only the
// source's Prometheus registry (the same numbers a scrape shows), so it
// cannot disturb the reading and stays true to docs/metrics.md.
package progress
