package checkpoint

import (
	"context"
	"sync"
)

// Memory is a Store that keeps nothing across restarts.
type Memory struct {
	mu sync.Mutex
	s  State
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{} }

// Load implements Store.
func (m *Memory) Load(context.Context) (State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.s.Clone(), nil
}

// Save implements Store.
func (m *Memory) Save(_ context.Context, s State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.s = s.Clone()
	return nil
}

// Close implements Store.
func (m *Memory) Close() error { return nil }
