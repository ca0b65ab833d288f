package v1json

import (
	"fmt"
	"math/big"
	"time"
)

// Numbers and dates: ApproximateCreationDateTime read as SDK v1 reads it
// and written as time.Time.MarshalJSON writes it.

// epochMillis reads ApproximateCreationDateTime (epoch seconds, maybe with a
// fraction or an exponent) as SDK v1 does: the exact decimal value times
// 1,000, truncated to whole milliseconds, in UTC.
func epochMillis(raw string) (time.Time, error) {
	if ms, ok := plainMillis(raw); ok {
		return time.Unix(0, ms*1e6).UTC(), nil
	}
	f, ok := new(big.Float).SetString(raw)
	if !ok {
		return time.Time{}, fmt.Errorf("%q is not a time in epoch seconds", raw)
	}
	ms, _ := f.Mul(f, big.NewFloat(1000)).Int64()
	return time.Unix(0, ms*1e6).UTC(), nil
}

// plainMillis is epochMillis without big.Float for what the service sends:
// digits, and at most a dot and more digits.
func plainMillis(raw string) (int64, bool) {
	var ms int64
	frac := -1 // digits after the dot; -1 before it
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= '0' && c <= '9':
			if frac >= 3 {
				continue // beyond the millisecond: truncated
			}
			if ms > (1<<62)/10 {
				return 0, false
			}
			ms = ms*10 + int64(c-'0')
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0 && i > 0:
			frac = 0
		default:
			return 0, false
		}
	}
	if frac < 0 {
		frac = 0
	}
	for ; frac < 3; frac++ {
		if ms > (1<<62)/10 {
			return 0, false
		}
		ms *= 10
	}
	return ms, len(raw) > 0
}

// appendTime writes t as time.Time.MarshalJSON would, in UTC. Both AWS SDKs
// decode ApproximateCreationDateTime (epoch seconds on the wire) as a UTC
// time with millisecond precision, so for any record that came from the
// service this is exactly SDK v1's output; converting hand-built records to
// UTC keeps the data independent of the process's time zone.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		// encoding/json refuses these too; RFC 3339 can't express them.
		return b, fmt.Errorf("ApproximateCreationDateTime %v: year outside of range [0,9999]", t)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}
