package delivery

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestClassifyStatus(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   Verdict
	}{
		{"200 acknowledges", 200, Delivered},
		{"202 acknowledges", 202, Delivered},
		{"any other 2xx acknowledges", 204, Delivered},
		{"2xx range ends at 299", 299, Delivered},
		{"final 1xx is an error, not retried", 101, Reject},
		{"301 is not followed; a wrong sink URL is held and retried", 301, Retry},
		{"302 is not followed; a wrong sink URL is held and retried", 302, Retry},
		{"307 is not followed; a wrong sink URL is held and retried", 307, Retry},
		{"308 http to https redirect is held and retried", 308, Retry},
		{"400 unparsable event is not retried", 400, Reject},
		{"401 refused credentials are held and retried", 401, Retry},
		{"403 forbidden credentials are held and retried", 403, Retry},
		{"407 refused proxy credentials are held and retried", 407, Retry},
		{"404 endpoint not there yet is retried", 404, Retry},
		{"408 is an other 4xx, not retried", 408, Reject},
		{"409 conflict is retried", 409, Retry},
		{"413 is not retried, unlike sdk-go's default", 413, Reject},
		{"413 an event too large is the event's fault, rejected", 413, Reject},
		{"431 headers too large are the event's fault, rejected", 431, Reject},
		{"422 is not retried", 422, Reject},
		{"429 overloaded is retried", 429, Retry},
		{"499 is an other 4xx, not retried", 499, Reject},
		{"500 is retried", 500, Retry},
		{"502 is retried", 502, Retry},
		{"503 is retried", 503, Retry},
		{"504 is retried", 504, Retry},
		{"5xx range ends at 599", 599, Retry},
		{"code outside the contract's table is retried", 600, Retry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.status, nil); got != tt.want {
				t.Errorf("Classify(%d) = %v, want %v", tt.status, got, tt.want)
			}
		})
	}
}

func TestStatusConfigHint(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		location string
		want     string // "" for no hint
	}{
		{"a redirect names the Location to use", 301, "https://sink.example/in", "use that URL as the sink URL"},
		{"a redirect without Location says to check the URL", 302, "", "check the sink URL"},
		{"401 says to check the sink's credentials", 401, "", "check the sink's credentials"},
		{"403 says to check the sink's credentials", 403, "", "check the sink's credentials"},
		{"407 says to check the proxy's credentials", 407, "", "check the proxy's credentials"},
		{"an event's fault has no configuration hint", 413, "", ""},
		{"an overloaded sink has no configuration hint", 503, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := StatusConfigHint(tt.status, tt.location)
			if tt.want == "" {
				if got != "" {
					t.Errorf("StatusConfigHint(%d) = %q, want none", tt.status, got)
				}
				return
			}
			if !strings.Contains(got, tt.want) || !strings.Contains(got, tt.location) {
				t.Errorf("StatusConfigHint(%d, %q) = %q, want it to say %q and name the Location", tt.status, tt.location, got, tt.want)
			}
		})
	}
}

func TestClassifyError(t *testing.T) {
	post := func(err error) error { return &url.Error{Op: "Post", URL: "https://sink.example", Err: err} }
	tests := []struct {
		name string
		err  error
		want Verdict
	}{
		{"connection refused is retried",
			post(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), Retry},
		{"connection reset is retried",
			post(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), Retry},
		{"sink closing the connection mid-answer is retried", post(io.ErrUnexpectedEOF), Retry},
		{"name resolution failure is retried", post(&net.DNSError{Err: "no such host", Name: "sink.example"}), Retry},
		{"timeout is retried", post(&net.OpError{Op: "dial", Err: timeoutError{}}), Retry},
		// The sink's configuration, not the event's: every event would fail
		// the same way, so they are held until someone fixes it.
		{"untrusted certificate authority is held and retried",
			post(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), Retry},
		{"certificate for another host is held and retried", post(x509.HostnameError{Host: "sink.example"}), Retry},
		{"expired certificate is held and retried",
			post(x509.CertificateInvalidError{Reason: x509.Expired}), Retry},
		{"plain HTTP on an https URL is held and retried", post(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), Retry},
		{"plain HTTP reply on an https URL, as net/http reports it, is held and retried",
			post(errors.New("http: server gave HTTP response to HTTPS client")), Retry},
		{"error that is not from the network is not retried", errors.New("encoding event: bad attribute"), Reject},
		{"no status and no error is retried rather than lost", nil, Retry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(0, tt.err); got != tt.want {
				t.Errorf("Classify(0, %v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestBackoff(t *testing.T) {
	highest := func(d time.Duration) time.Duration { return d }
	lowest := func(time.Duration) time.Duration { return 0 }
	ms := time.Millisecond
	tests := []struct {
		name       string
		policy     Policy
		retry      int
		retryAfter time.Duration
		rand       func(time.Duration) time.Duration
		want       time.Duration
	}{
		{"first retry waits at most Base", Policy{Base: 100 * ms, Max: time.Second}, 1, 0, highest, 100 * ms},
		{"full jitter can wait nothing", Policy{Base: 100 * ms, Max: time.Second}, 3, 0, lowest, 0},
		{"ceiling doubles each retry (2nd)", Policy{Base: 100 * ms, Max: time.Minute}, 2, 0, highest, 200 * ms},
		{"ceiling doubles each retry (5th)", Policy{Base: 100 * ms, Max: time.Minute}, 5, 0, highest, 1600 * ms},
		{"ceiling is capped at Max", Policy{Base: 100 * ms, Max: time.Second}, 5, 0, highest, time.Second},
		{"many retries neither overflow nor exceed Max", Policy{Base: 100 * ms, Max: time.Second}, 1000, 0, highest, time.Second},
		{"Base above Max is capped at Max", Policy{Base: time.Minute, Max: time.Second}, 1, 0, highest, time.Second},
		{"zero policy defaults to 100ms base", Policy{}, 1, 0, highest, DefaultBackoffBase},
		{"zero policy defaults to 30s cap", Policy{}, 100, 0, highest, DefaultBackoffMax},
		{"Retry-After is a floor over the jitter", Policy{Base: 100 * ms, Max: time.Minute}, 1, 2 * time.Second, lowest, 2 * time.Second},
		{"jitter above Retry-After stands", Policy{Base: time.Second, Max: time.Minute}, 4, 2 * time.Second, highest, 8 * time.Second},
		{"Retry-After is capped at Max", Policy{Base: 100 * ms, Max: 5 * time.Second}, 1, time.Hour, lowest, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.backoff(tt.retry, tt.retryAfter, tt.rand); got != tt.want {
				t.Errorf("backoff(%d, %s) = %s, want %s", tt.retry, tt.retryAfter, got, tt.want)
			}
		})
	}
}

func TestBackoffJitterSpreadsWaitsWithinCeiling(t *testing.T) {
	p := Policy{Base: 100 * time.Millisecond, Max: 30 * time.Second}
	const ceiling = 1600 * time.Millisecond // 5th retry
	seen := map[time.Duration]bool{}
	for range 200 {
		w := p.Backoff(5, 0)
		if w < 0 || w > ceiling {
			t.Fatalf("Backoff(5) = %s, outside [0, %s]", w, ceiling)
		}
		seen[w] = true
	}
	if len(seen) < 100 {
		t.Errorf("200 waits took %d distinct values; the jitter is not spreading them", len(seen))
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		header string
		want   time.Duration
	}{
		{"delay-seconds on 429", 429, "3", 3 * time.Second},
		{"delay-seconds on 503", 503, " 7 ", 7 * time.Second},
		{"HTTP date on 503", 503, now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"ignored on 500: no defined meaning there", 500, "3", 0},
		{"ignored on 404", 404, "3", 0},
		{"absent is 0", 429, "", 0},
		{"date in the past is 0", 429, now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"negative seconds is 0", 429, "-5", 0},
		{"garbage is 0", 429, "soon", 0},
		{"huge delay does not overflow", 429, "9223372036854775807", 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retryAfter(tt.status, tt.header, now); got != tt.want {
				t.Errorf("retryAfter(%d, %q) = %s, want %s", tt.status, tt.header, got, tt.want)
			}
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name    string
		policy  Policy
		wantErr bool
	}{
		{"zero policy is valid: unlimited retries, default backoff", Policy{}, false},
		{"bounded retries are valid", Policy{MaxRetries: 5, Base: time.Second, Max: time.Minute}, false},
		{"negative retries are refused", Policy{MaxRetries: -1}, true},
		{"negative base is refused", Policy{Base: -time.Second}, true},
		{"negative max is refused", Policy{Max: -time.Second}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.policy.validate(); (err != nil) != tt.wantErr {
				t.Errorf("validate() = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestPolicyExhausted(t *testing.T) {
	tests := []struct {
		name       string
		maxRetries int
		attempts   int
		want       bool
	}{
		{"unlimited never gives up", 0, 1_000_000, false},
		{"first attempt plus MaxRetries retries are allowed", 3, 3, false},
		{"gives up after the first attempt plus MaxRetries", 3, 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Policy{MaxRetries: tt.maxRetries}).exhausted(tt.attempts); got != tt.want {
				t.Errorf("exhausted(%d) with MaxRetries %d = %v, want %v", tt.attempts, tt.maxRetries, got, tt.want)
			}
		})
	}
}
