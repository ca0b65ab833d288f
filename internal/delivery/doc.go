// Package delivery owns getting one CloudEvent to the sink and knowing
// whether it got there: the Sender contract (delivered, rejected for good, or
// not delivered because the context ended), the one table that decides which
// outcomes are retried and how long to back off (retry.go, after the Knative
// Eventing data-plane contract), the HTTP sender that speaks binary-mode
// CloudEvents over a shared keep-alive pool with an optional private CA, and
// the terminal sender the command line uses when no sink is given. It does not
// read streams or move checkpoints; callers do that once Send returns nil.
package delivery
