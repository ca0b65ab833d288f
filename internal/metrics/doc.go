// Package metrics owns the source's Prometheus metrics: one Metrics value
// holds every collector, registered on a registry its owner passes in, so
// tests read the exact values a scrape would show. Names and meanings are
// listed in docs/metrics.md; keep the two in step.
package metrics
