package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/internal/kname"
)

// ConfigMapKey is the key of the ConfigMap that holds the JSON of the State.
const ConfigMapKey = "state.json"

// Labels of every checkpoint ConfigMap. The controller watches ConfigMaps
// with these labels only.
const (
	LabelPartOf          = "app.kubernetes.io/part-of"
	LabelComponent       = "app.kubernetes.io/component"
	LabelInstance        = "app.kubernetes.io/instance"
	PartOf               = "dynamodb-source"
	ComponentCheckpoints = "checkpoints"
)

// maxConfigMapData is below the 1 MiB that the API server accepts for a whole
// ConfigMap, leaving room for its metadata.
const maxConfigMapData = 1000 * 1000

// ErrConflict means that the checkpoint ConfigMap was changed by someone
// else since this store last read or wrote it: most likely a second adapter
// of the same source. The store does not overwrite it; the caller should stop
// and start again from a fresh Load.
var ErrConflict = errors.New("the checkpoints were changed by another writer")

// ErrClosed is returned by a store used after Close.
var ErrClosed = errors.New("checkpoint store is closed")

// ConfigMapName is the name of the ConfigMap holding the checkpoints of the
// source named source. The controller and the adapter both use it.
func ConfigMapName(source string) string {
	return kname.Child(source, "-dynamodb-checkpoints")
}

// ConfigMapLabels are the labels of the checkpoint ConfigMap of source.
func ConfigMapLabels(source string) map[string]string {
	return map[string]string{
		LabelPartOf:    PartOf,
		LabelComponent: ComponentCheckpoints,
		LabelInstance:  kname.LabelValue(source),
	}
}

// ConfigMaps is what the Kubernetes store needs of the API server: reading
// and writing ConfigMaps in one namespace. The methods are those of
// client-go's typed ConfigMapInterface, which therefore satisfies it; the
// adapter uses the leaner NewConfigMaps. Errors from the API server must be
// apierrors StatusErrors, so that conflicts can be told apart.
type ConfigMaps interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.ConfigMap, error)
	Create(ctx context.Context, cm *corev1.ConfigMap, opts metav1.CreateOptions) (*corev1.ConfigMap, error)
	Update(ctx context.Context, cm *corev1.ConfigMap, opts metav1.UpdateOptions) (*corev1.ConfigMap, error)
}

// Kubernetes is a Store that keeps the State of one source as JSON under one
// key of a ConfigMap in the source's namespace, so that it survives the
// adapter's pod. Writes are optimistic: each carries the resourceVersion the
// store last saw, and when the ConfigMap changed meanwhile, the write goes on
// only if its checkpoint data is still what the store last read or wrote (so
// a label or owner reference added by the controller is no conflict);
// otherwise Save fails with ErrConflict rather than lose someone else's
// progress. The ConfigMap is created on the first Save if the controller has
// not created it already.
type Kubernetes struct {
	client    ConfigMaps
	namespace string
	name      string
	source    string

	mu sync.Mutex
	// cm is the ConfigMap as this store last read or wrote it; nil when it
	// did not exist then. known says whether it was read at all.
	cm     *corev1.ConfigMap
	known  bool
	closed bool
}

var _ Store = (*Kubernetes)(nil)

// NewKubernetes returns a store for the source named source in namespace,
// reading and writing its ConfigMap through client, which must be bound to
// that same namespace (NewConfigMaps(cfg, namespace), or a typed client's
// CoreV1().ConfigMaps(namespace)). The adapter's ServiceAccount needs get,
// create and update on the ConfigMap named ConfigMapName(source).
func NewKubernetes(client ConfigMaps, namespace, source string) *Kubernetes {
	return &Kubernetes{
		client:    client,
		namespace: namespace,
		name:      ConfigMapName(source),
		source:    source,
	}
}

// Load implements Store. A missing ConfigMap, or one without the key, is an
// empty State.
func (k *Kubernetes) Load(ctx context.Context) (State, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return State{}, ErrClosed
	}
	if err := k.read(ctx); err != nil {
		return State{}, err
	}
	data := k.data()
	if data == "" {
		return State{}, nil
	}
	return decode([]byte(data), fmt.Sprintf("ConfigMap %s/%s key %s", k.namespace, k.name, ConfigMapKey))
}

// read fetches the ConfigMap into k.cm.
func (k *Kubernetes) read(ctx context.Context) error {
	cm, err := k.client.Get(ctx, k.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		cm = nil
	case err != nil:
		return fmt.Errorf("reading checkpoints from ConfigMap %s/%s: %w", k.namespace, k.name, err)
	}
	k.cm, k.known = cm, true
	return nil
}

// data is the checkpoint data as last seen.
func (k *Kubernetes) data() string {
	if k.cm == nil {
		return ""
	}
	return k.cm.Data[ConfigMapKey]
}

// Save implements Store.
func (k *Kubernetes) Save(ctx context.Context, s State) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return ErrClosed
	}
	b, err := encode(s)
	if err != nil {
		return err
	}
	if len(b) > maxConfigMapData {
		return fmt.Errorf("saving checkpoints to ConfigMap %s/%s: %d bytes is over the %d a ConfigMap holds",
			k.namespace, k.name, len(b), maxConfigMapData)
	}
	if !k.known {
		// Save before any Load: take the ConfigMap as it is now.
		if err := k.read(ctx); err != nil {
			return err
		}
	}
	for attempt := 1; ; attempt++ {
		err := k.write(ctx, string(b))
		if err == nil || !changedMeanwhile(err) {
			return err
		}
		if attempt == 3 {
			return k.conflict()
		}
		if apierrors.IsNotFound(err) {
			// Deleted by hand while we ran: write it anew, whole.
			k.cm = nil
			continue
		}
		// Changed since we saw it. Go on only if its checkpoint data did
		// not change: a label or owner reference added loses nothing.
		seen := k.data()
		if err := k.read(ctx); err != nil {
			return err
		}
		if k.data() != seen {
			return k.conflict()
		}
	}
}

func changedMeanwhile(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) || apierrors.IsNotFound(err)
}

func (k *Kubernetes) conflict() error {
	return fmt.Errorf("saving checkpoints to ConfigMap %s/%s: %w: make sure only one adapter of source %q runs",
		k.namespace, k.name, ErrConflict, k.source)
}

// write creates or updates the ConfigMap from k.cm, returning the API
// server's error as it is, so that Save can tell a conflict.
func (k *Kubernetes) write(ctx context.Context, data string) error {
	var (
		out *corev1.ConfigMap
		err error
	)
	if k.cm == nil {
		out, err = k.client.Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: k.name, Namespace: k.namespace, Labels: ConfigMapLabels(k.source)},
			Data:       map[string]string{ConfigMapKey: data},
		}, metav1.CreateOptions{})
	} else {
		cm := k.cm.DeepCopy()
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		cm.Data[ConfigMapKey] = data
		out, err = k.client.Update(ctx, cm, metav1.UpdateOptions{})
	}
	if changedMeanwhile(err) {
		return err
	}
	if err != nil {
		return fmt.Errorf("saving checkpoints to ConfigMap %s/%s: %w", k.namespace, k.name, err)
	}
	k.cm = out
	return nil
}

// Close implements Store.
func (k *Kubernetes) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.closed = true
	return nil
}
