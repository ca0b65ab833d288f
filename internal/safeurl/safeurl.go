package safeurl

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Redact returns u as text without its userinfo and fragment, with any
// query replaced by the marker "redacted" (the query is where keys go).
func Redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	c.Fragment, c.RawFragment = "", ""
	if c.RawQuery != "" || c.ForceQuery {
		c.RawQuery, c.ForceQuery = "redacted", false
	}
	return c.String()
}

// RedactString is Redact for a URL given as text. Text that does not parse
// is not shown at all: a parse error can sit in the middle of a password.
func RedactString(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "(a URL that does not parse)"
	}
	return Redact(u)
}

// ParseHTTP parses raw as an absolute http or https URL. Its errors never
// quote the URL or a part of it: url.Parse's own errors do (for
// "http://u:pa/ss@h" it reports the invalid port ":pa", a piece of the
// password), so they are replaced by a description.
func ParseHTTP(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, errors.New("it is not a URL: check its scheme, host, port and any userinfo (characters such as / in a password must be percent-encoded)")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("its scheme is %q; it must be http or https, as in https://sink.example/path", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("it has no host; give an absolute URL such as https://sink.example/path")
	}
	return u, nil
}
