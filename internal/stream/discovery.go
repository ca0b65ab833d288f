package stream

import "time"

// discoveryRetry decides when shard discovery runs again after failures
// DescribeStream calls failed in a row, the last one with an error of kind.
// It returns the ceiling of a full-jitter wait before the next attempt, or
// 0 when discovery waits for its next periodic run instead.
//
// Throttling, a 5xx and a network error pass: they are retried from base,
// doubling with each failure, capped at the discovery interval, so that a
// single failure delays neither the first read of a stream nor the children
// of a finished shard by a whole interval, and a lasting one is never tried
// more often than backoff allows. Anything else (credentials, permissions,
// an error the reader does not know) would fail the same way at once: it
// waits for the periodic run, as it always did.
func discoveryRetry(kind errorKind, failures int, base, interval time.Duration) time.Duration {
	switch kind {
	case kindThrottled, kindTransient:
		return ceiling(base, interval, failures-1)
	default:
		return 0
	}
}

// loudFailure reports whether the failures-th failure in a row of a retried
// call is logged at warning level: the first, and then the 2nd, 4th, 8th...
// so that a lasting fault is still visible, without a line per retry.
func loudFailure(failures int) bool {
	return failures > 0 && failures&(failures-1) == 0
}
