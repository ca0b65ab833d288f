// Package poll waits in tests for a condition that another goroutine or
// process makes true, failing the test when it does not come true in time.
package poll
