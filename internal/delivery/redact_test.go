package delivery

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRedactBody(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		secrets []string // must be gone
		keep    []string // must stay
	}{
		{"an echoed Authorization header loses its credential",
			"bad event\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl\nContent-Type: application/json",
			[]string{"eyJhbGciOiJIUzI1NiJ9"}, []string{"bad event", "Authorization", "Content-Type: application/json"}},
		{"an echoed basic auth header loses its credential", "Authorization: Basic dXNlcjpzM2NyZXQ=",
			[]string{"dXNlcjpzM2NyZXQ"}, []string{"Authorization"}},
		{"headers echoed as JSON lose their secrets",
			`{"error":"field n: not a string","headers":{"Authorization":["Bearer tok-123"],"X-Api-Key":["key-456"],"Cookie":["session=abc; csrf=def"]}}`,
			[]string{"tok-123", "key-456", "session=abc", "csrf=def"}, []string{"field n: not a string", "X-Api-Key"}},
		{"a proxy's credentials are redacted", "Proxy-Authorization: Basic cHJveHk6cGFzcw==", []string{"cHJveHk6cGFzcw"}, nil},
		{"a password in a URL is redacted", "cannot forward to https://svc:pa55word@upstream.example/in",
			[]string{"pa55word", "svc:"}, []string{"https://", "upstream.example/in"}},
		{"a key in a form or query is redacted", "rejected: api_key=k-789&x=1 password=hunter2",
			[]string{"k-789", "hunter2"}, []string{"rejected", "x=1"}},
		{"a bearer token outside a header is redacted", "token expired: Bearer abc.def.ghi", []string{"abc.def.ghi"}, []string{"token expired"}},
		{"a body with no secret is unchanged", "field n: not a string", nil, []string{"field n: not a string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := redactBody(tt.body)
			for _, s := range tt.secrets {
				if strings.Contains(got, s) {
					t.Errorf("redactBody(%q) = %q: still shows %q", tt.body, got, s)
				}
			}
			for _, k := range tt.keep {
				if !strings.Contains(got, k) {
					t.Errorf("redactBody(%q) = %q: lost %q", tt.body, got, k)
				}
			}
			if len(tt.secrets) == 0 && got != tt.body {
				t.Errorf("redactBody(%q) = %q, want it unchanged", tt.body, got)
			}
		})
	}
}

// A sink that answers a refusal with the request's headers (as echo servers
// and some gateways do) does not get the sender's credentials into the error
// that is logged.
func TestHTTPSenderRedactsAnEchoedAuthorizationFromTheReason(t *testing.T) {
	forEachTransport(t, func(t *testing.T, netHTTP bool) {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte("bad request; you sent Authorization: " + r.Header.Get("Authorization")))
		}))
		defer ts.Close()
		target := strings.Replace(ts.URL, "http://", "http://svc:s3cret-pass@", 1)
		s := newTestSender(t, target, HTTPOptions{netHTTP: netHTTP, Policy: Policy{MaxRetries: 1, Base: time.Millisecond, Max: time.Millisecond}})
		err := s.Send(testContext(t), testEvent(t, "e-1"))
		if err == nil {
			t.Fatal("Send() = nil, want the 400 refusal")
		}
		// "svc:s3cret-pass" as basic auth.
		if strings.Contains(err.Error(), "c3ZjOnMzY3JldC1wYXNz") || !strings.Contains(err.Error(), "bad request") {
			t.Errorf("error %q shows the echoed credentials, or lost the sink's reason", err)
		}
	})
}
