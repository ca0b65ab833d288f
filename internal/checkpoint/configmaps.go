package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
)

// APITimeout bounds each request to the API server of a client made by
// NewConfigMaps whose rest.Config has no Timeout. A checkpoint save is a
// read and a write of one small object: seconds at most on a healthy
// control plane. A variable only so that tests can shorten it.
var APITimeout = 15 * time.Second

// NewConfigMaps returns a client for the ConfigMaps in namespace of the API
// server that cfg points at, for NewKubernetes.
//
// It exists to keep the adapter (the data-plane binary, one process per
// source) small. client-go's typed clientset, even its core/v1 part alone,
// imports k8s.io/client-go/kubernetes/scheme, whose init registers every
// Kubernetes API group: that costs ~9 MiB of resident memory at start-up in
// every adapter, before it reads a single record (see docs/benchmarks.md).
// This client is a plain rest.RESTClient with a scheme of its own that knows
// only ConfigMap, the metav1 option types and Status, so the adapter never
// links k8s.io/client-go/kubernetes; a test in cmd/dynamodb-source keeps it so.
//
// Every request is bounded by cfg.Timeout, or by APITimeout when cfg sets
// none: an API server that stops answering must fail a save (which is
// retried, and reported when it keeps failing), not hang it forever.
//
// Errors from the API server come back as apierrors StatusErrors, as from the
// typed client, so apierrors.IsNotFound, IsConflict and IsAlreadyExists work
// on them. cfg is copied, not changed; its UserAgent is kept, or client-go's
// default is used when it is empty.
func NewConfigMaps(cfg *rest.Config, namespace string) (*ConfigMapClient, error) {
	if cfg == nil {
		return nil, errors.New("creating the ConfigMap client: no Kubernetes API configuration")
	}
	if namespace == "" {
		return nil, errors.New("creating the ConfigMap client: no namespace")
	}
	scheme := runtime.NewScheme()
	gv := corev1.SchemeGroupVersion
	scheme.AddKnownTypes(gv, &corev1.ConfigMap{})
	// The option types (GetOptions, CreateOptions, UpdateOptions) as query
	// parameters, and Status, which carries the API server's errors.
	metav1.AddToGroupVersion(scheme, gv)

	c := rest.CopyConfig(cfg)
	c.GroupVersion = &gv
	c.APIPath = "/api"
	c.NegotiatedSerializer = serializer.NewCodecFactory(scheme).WithoutConversion()
	if c.UserAgent == "" {
		c.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	if c.Timeout <= 0 {
		c.Timeout = APITimeout
	}
	rc, err := rest.RESTClientFor(c)
	if err != nil {
		return nil, fmt.Errorf("creating the ConfigMap client: %w", err)
	}
	return &ConfigMapClient{client: rc, namespace: namespace, params: runtime.NewParameterCodec(scheme)}, nil
}

// ConfigMapClient is the client of NewConfigMaps: a ConfigMaps, and Patch
// for the status report.
type ConfigMapClient struct {
	client    rest.Interface
	namespace string
	params    runtime.ParameterCodec
}

var _ ConfigMaps = (*ConfigMapClient)(nil)

// Get implements ConfigMaps.
func (c *ConfigMapClient) Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.ConfigMap, error) {
	return c.do(ctx, c.client.Get().Name(name), &opts)
}

// Create implements ConfigMaps.
func (c *ConfigMapClient) Create(ctx context.Context, cm *corev1.ConfigMap, opts metav1.CreateOptions) (*corev1.ConfigMap, error) {
	return c.do(ctx, c.client.Post().Body(cm), &opts)
}

// Update implements ConfigMaps.
func (c *ConfigMapClient) Update(ctx context.Context, cm *corev1.ConfigMap, opts metav1.UpdateOptions) (*corev1.ConfigMap, error) {
	return c.do(ctx, c.client.Put().Name(cm.Name).Body(cm), &opts)
}

// Patch patches the ConfigMap name with data, of type pt: the status
// report (internal/streamreport) writes its replica's key so. The signature
// is client-go's typed one.
func (c *ConfigMapClient) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (*corev1.ConfigMap, error) {
	return c.do(ctx, c.client.Patch(pt).Name(name).SubResource(subresources...).Body(data), &opts)
}

// do sends r to the namespace's configmaps with opts as query parameters
// and decodes the ConfigMap that comes back.
func (c *ConfigMapClient) do(ctx context.Context, r *rest.Request, opts runtime.Object) (*corev1.ConfigMap, error) {
	out := &corev1.ConfigMap{}
	err := r.Namespace(c.namespace).Resource("configmaps").VersionedParams(opts, c.params).Do(ctx).Into(out)
	if err != nil {
		return nil, err
	}
	return out, nil
}
