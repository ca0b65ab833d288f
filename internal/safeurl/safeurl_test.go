package safeurl

import (
	"strings"
	"testing"
)

func TestRedactString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"userinfo is dropped", "https://user:pw@sink.example/p", "https://sink.example/p"},
		{"a query becomes a marker", "https://sink.example/p?code=key", "https://sink.example/p?redacted"},
		{"an empty query is still marked", "https://sink.example/p?", "https://sink.example/p?redacted"},
		{"a fragment is dropped", "https://sink.example/p#frag", "https://sink.example/p"},
		{"a plain URL is kept", "http://sink.default.svc:8080/x", "http://sink.default.svc:8080/x"},
		{"unparsable text is not shown", "http://u:pa/ss@h", "(a URL that does not parse)"},
		{"empty stays empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedactString(tt.in); got != tt.want {
				t.Errorf("RedactString(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseHTTPNeverQuotesTheURL(t *testing.T) {
	tests := []struct {
		name, in, secret string
	}{
		{"a slash in the password", "http://u:pa/ss@h", ":pa"},
		{"a control character", "http://u:s3cret@h\x7f/", "s3cret"},
		{"another scheme", "ftp://u:s3cret@h/", "s3cret"},
		{"no host", "http://", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHTTP(tt.in)
			if err == nil {
				t.Fatalf("ParseHTTP(%q) = nil error, want one", tt.in)
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error %q quotes %q", err, tt.secret)
			}
		})
	}
	if _, err := ParseHTTP(" https://sink.example/x "); err != nil {
		t.Errorf("ParseHTTP of a good URL: %v", err)
	}
}
