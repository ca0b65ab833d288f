// Package promtext reads a /metrics page in the Prometheus text format into
// Series, for the tests that scrape the real binary (test/integration,
// test/reliability, test/bench): one parser, the Prometheus project's own
// (expfmt), instead of one hand-written line splitter per suite.
//
// A series is keyed as the Prometheus client prints it, so that a test can
// name it as it appears on the page: `name`, or `name{a="x",b="y"}` with the
// labels sorted by name and a histogram's `le` or a summary's `quantile`
// last. Histograms and summaries appear as their _bucket (quantile), _sum
// and _count series. A page that is not valid text format is an error, not
// an empty or partial set.
package promtext
