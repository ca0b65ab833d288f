package checkpoint

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// syncAttempts bounds the read-merge-write rounds of one Sync: each lost
// round means another replica wrote in between. Between rounds Sync waits a
// random time of up to syncJitter times the round's number, so that writers
// that keep colliding fall out of step.
const (
	syncAttempts = 8
	syncJitter   = 20 * time.Millisecond
)

// Sync saves the entries of mine that replica owner may write (see Merge)
// into the latest stored document, and returns the document as saved.
// Unlike Save, it reads before each write and retries on a resourceVersion
// conflict with the document read anew, so that replicas sharing the
// source's shards never overwrite each other's progress. It is not used by
// the adapter yet.
func (k *Kubernetes) Sync(ctx context.Context, mine State, owner string) (State, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return State{}, ErrClosed
	}
	where := fmt.Sprintf("ConfigMap %s/%s key %s", k.namespace, k.name, ConfigMapKey)
	for attempt := 1; ; attempt++ {
		if err := k.read(ctx); err != nil {
			return State{}, err
		}
		var latest State
		if data := k.data(); data != "" {
			var err error
			if latest, err = decode([]byte(data), where); err != nil {
				return State{}, err
			}
		}
		merged := Merge(latest, mine, owner)
		b, err := encode(merged)
		if err != nil {
			return State{}, err
		}
		if len(b) > maxConfigMapData {
			return State{}, fmt.Errorf("saving checkpoints to ConfigMap %s/%s: %d bytes is over the %d a ConfigMap holds",
				k.namespace, k.name, len(b), maxConfigMapData)
		}
		err = k.write(ctx, string(b))
		if err == nil {
			merged.Version = CurrentVersion
			return merged, nil
		}
		if !changedMeanwhile(err) || attempt == syncAttempts {
			if changedMeanwhile(err) {
				return State{}, fmt.Errorf("saving checkpoints to ConfigMap %s/%s: %w %d times in a row", k.namespace, k.name, ErrConflict, attempt)
			}
			return State{}, err
		}
		select {
		case <-ctx.Done():
			return State{}, fmt.Errorf("saving checkpoints to ConfigMap %s/%s: %w", k.namespace, k.name, ctx.Err())
		case <-time.After(rand.N(syncJitter * time.Duration(attempt))):
		}
	}
}
