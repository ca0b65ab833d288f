package filter

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxPatterns is the most patterns one Filter takes: Lambda's quota for one
// event source mapping, raised to its ceiling.
const MaxPatterns = 10

// MaxPatternBytes is the longest pattern accepted, Lambda's limit for
// Filter.Pattern.
const MaxPatternBytes = 4096

// ErrTooManyPatterns is wrapped by the error Compile returns when it is
// given more than MaxPatterns patterns.
var ErrTooManyPatterns = errors.New("too many filter patterns")

// PatternError says which pattern is wrong, where in it and why. Its message
// quotes the pattern as given, so it can be shown as-is as a command-line
// usage error or a Kubernetes condition message.
type PatternError struct {
	Index   int    // 0-based position of the pattern in the list given to Compile
	Count   int    // how many patterns were given
	Pattern string // the pattern as given
	Path    string // dotted path of the offending field inside the pattern; "" for the whole pattern
	Reason  string // what is wrong and, where it helps, how to fix it
}

func (e *PatternError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "filter pattern %d of %d %s", e.Index+1, e.Count, quotePattern(e.Pattern))
	if e.Path != "" {
		fmt.Fprintf(&b, ": at %s", e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// quoteLimit keeps an error about a 4 KiB pattern readable.
const quoteLimit = 200

// quotePattern shows the pattern verbatim between backquotes when it is one
// printable line without backquotes, Go-quoted otherwise; a long pattern is
// cut with an ellipsis.
func quotePattern(p string) string {
	cut := p
	if len(cut) > quoteLimit {
		cut = cut[:quoteLimit]
		for len(cut) > 0 && !utf8Boundary(p, len(cut)) {
			cut = cut[:len(cut)-1]
		}
		cut += "…"
	}
	if !strings.ContainsAny(cut, "`\n\r\t") && strconv.CanBackquote(cut) {
		return "`" + cut + "`"
	}
	return strconv.Quote(cut)
}

func utf8Boundary(s string, i int) bool {
	return i >= len(s) || s[i]&0xC0 != 0x80
}

// reasonError is the error the pattern walker returns; Compile turns it into
// a PatternError with the pattern's index and text.
type reasonError struct {
	path   string
	reason string
}

func (e *reasonError) Error() string { return e.path + ": " + e.reason }

func failAt(path []string, format string, args ...any) error {
	return &reasonError{path: strings.Join(path, "."), reason: fmt.Sprintf(format, args...)}
}
