package metrics

import "sync"

// Readiness is what /readyz reports: not ready, with a reason, until Ready
// is called, and again whenever NotReady is. It is safe for concurrent use.
type Readiness struct {
	mu     sync.Mutex
	ready  bool
	reason string
}

// NewReadiness returns a Readiness that is not ready, for reason.
func NewReadiness(reason string) *Readiness { return &Readiness{reason: reason} }

// Ready marks it ready.
func (r *Readiness) Ready() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ready, r.reason = true, ""
}

// NotReady marks it not ready, for reason.
func (r *Readiness) NotReady(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ready, r.reason = false, reason
}

// Check reports whether it is ready, and why not.
func (r *Readiness) Check() (bool, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ready, r.reason
}
