// Package cesink is a CloudEvents sink for tests: a real HTTP server on
// loopback that decodes each request with the CloudEvents SDK (as a real
// consumer would), records what arrived in order, and can be told to fail
// (a status code, a delay, closing the connection) to drive retry and
// reliability scenarios.
package cesink
