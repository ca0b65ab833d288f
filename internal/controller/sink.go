package controller

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/safeurl"
)

// sinkRefIndex indexes sources by the object their sink.ref points at, so
// that a change of that object's address finds the sources to update.
const sinkRefIndex = "spec.sink.ref"

// sinkResult is the outcome of resolving a sink.
type sinkResult struct {
	uri  string
	cond metav1.Condition
	// retry means that the sink may resolve later with no event this
	// controller watches (a kind not installed yet, a permission not granted
	// yet), so the source is looked at again after a while.
	retry bool
}

// sinkOK is a resolved sink. The adapter gets uri whole; the condition (and
// status.sinkUri) show it without userinfo, query or fragment, where sinks
// take passwords and keys: the status is readable by anyone who may read
// the source.
func sinkOK(uri string) sinkResult {
	return sinkResult{uri: uri, cond: condition(ConditionSinkProvided, metav1.ConditionTrue, ReasonSinkResolved, "sink is "+safeurl.RedactString(uri))}
}

func sinkFailed(reason, format string, args ...any) sinkResult {
	return sinkResult{cond: condition(ConditionSinkProvided, metav1.ConditionFalse, reason, fmt.Sprintf(format, args...))}
}

// refKey names the object a sink.ref points at, with the namespace defaulted
// to the source's. It is the value of sinkRefIndex.
func refKey(group, kind, namespace, name string) string {
	return strings.Join([]string{group, kind, namespace, name}, "/")
}

// indexSinkRef is the indexer of sinkRefIndex.
func indexSinkRef(obj client.Object) []string {
	src, ok := obj.(*v1alpha1.AWSDynamoDBSource)
	if !ok {
		return nil
	}
	if src.Spec.Sink.Ref == nil {
		if k := deadLetterRefKey(src); k != "" {
			return []string{k}
		}
		return nil
	}
	ref := src.Spec.Sink.Ref
	gv, err := schema.ParseGroupVersion(refAPIVersion(ref))
	if err != nil {
		return nil
	}
	keys := []string{refKey(gv.Group, ref.Kind, refNamespace(src), ref.Name)}
	if k := deadLetterRefKey(src); k != "" && k != keys[0] {
		keys = append(keys, k)
	}
	return keys
}

func refNamespace(src *v1alpha1.AWSDynamoDBSource) string {
	if ns := src.Spec.Sink.Ref.Namespace; ns != "" {
		return ns
	}
	return src.Namespace
}

// refAPIVersion defaults the apiVersion of a Service, the one kind a person
// commonly names without it.
func refAPIVersion(ref *v1alpha1.KReference) string {
	if ref.APIVersion == "" && ref.Kind == "Service" {
		return "v1"
	}
	return ref.APIVersion
}

// resolveSink finds the sink's address: sink.uri as given, or the
// status.address.url of the Addressable object sink.ref points at (Knative's
// duck type, so any kind works, known to this controller or not), or the
// cluster-local URL of a Service (in the cluster's domain). A ref to another
// namespace is refused unless the controller allows it. Errors are only the API server's
// transient ones; everything a person can fix is in the condition.
func (r *Reconciler) resolveSink(ctx context.Context, src *v1alpha1.AWSDynamoDBSource) (sinkResult, error) {
	sink := src.Spec.Sink
	if sink.URI != "" {
		return sinkOK(sink.URI), nil
	}
	ref := sink.Ref
	if ref == nil {
		return sinkFailed(ReasonSinkMissing, "the source has no sink: give spec.sink.ref (an Addressable object) or spec.sink.uri"), nil
	}
	if refusal := refNamespaceRefusal("spec.sink.ref", src, ref, r.AllowCrossNamespaceRefs); refusal != nil {
		return sinkFailed(refusal.Reason, "%s", refusal.Message), nil
	}
	apiVersion := refAPIVersion(ref)
	if apiVersion == "" {
		return sinkFailed(ReasonSinkRefInvalid, "spec.sink.ref.apiVersion is missing: give the apiVersion of %s, such as eventing.knative.dev/v1", ref.Kind), nil
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return sinkFailed(ReasonSinkRefInvalid, "spec.sink.ref.apiVersion %q is not a valid apiVersion: give one such as eventing.knative.dev/v1", apiVersion), nil
	}
	gvk := gv.WithKind(ref.Kind)
	ns := refNamespace(src)
	desc := fmt.Sprintf("%s %s/%s (%s)", ref.Kind, ns, ref.Name, apiVersion)

	mapping, err := r.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	switch {
	case meta.IsNoMatchError(err):
		res := sinkFailed(ReasonSinkKindUnknown, "kind %s of apiVersion %s is not installed on this cluster: install it, or fix spec.sink.ref", ref.Kind, apiVersion)
		res.retry = true
		return res, nil
	case err != nil:
		return sinkResult{}, fmt.Errorf("finding the resource of sink kind %s: %w", gvk, err)
	}
	if mapping.Scope.Name() == meta.RESTScopeNameRoot {
		ns = ""
	}

	// A live read: the address must be the current one.
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gvk)
	err = r.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: ref.Name}, obj)
	if apierrors.IsForbidden(err) {
		res := sinkFailed(ReasonSinkForbidden, "the controller may not read sink %s: grant it get, list and watch on %s with a ClusterRole labelled duck.knative.dev/addressable=true",
			desc, mapping.Resource.GroupResource())
		res.retry = true
		return res, nil
	}
	// Readable: watch the kind, so that a change of address (or the
	// object's creation) brings the source back here.
	if werr := r.watchSinkKind(gvk); werr != nil {
		return sinkResult{}, werr
	}
	switch {
	case apierrors.IsNotFound(err):
		return sinkFailed(ReasonSinkNotFound, "sink %s does not exist: create it, or fix spec.sink.ref", desc), nil
	case err != nil:
		return sinkResult{}, fmt.Errorf("reading sink %s: %w", desc, err)
	}

	if gvk.Group == "" && gvk.Kind == "Service" {
		return sinkOK(serviceURL(ref.Name, ns, r.ClusterDomain)), nil
	}
	addr := addressURL(obj)
	if addr == "" {
		return sinkFailed(ReasonSinkNotAddressable, "sink %s has no status.address.url: it is not ready yet, or not an Addressable", desc), nil
	}
	if u, err := url.Parse(addr); err != nil || u.Scheme == "" || u.Host == "" {
		return sinkFailed(ReasonSinkNotAddressable, "sink %s has status.address.url %q, which is not an absolute URL", desc, safeurl.RedactString(addr)), nil
	}
	return sinkOK(addr), nil
}

func addressURL(obj *unstructured.Unstructured) string {
	s, _, _ := unstructured.NestedString(obj.Object, "status", "address", "url")
	return s
}

// watchSinkKind starts, once per kind, a watch on the objects of a sink
// kind, so that sources follow their sink's address as it changes. Kinds are
// learnt from the sources themselves: the controller knows none in advance.
func (r *Reconciler) watchSinkKind(gvk schema.GroupVersionKind) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.watched[gvk] {
		return nil
	}
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gvk)
	// Only a change of address matters to a source.
	addressChanged := predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, okOld := e.ObjectOld.(*unstructured.Unstructured)
		n, okNew := e.ObjectNew.(*unstructured.Unstructured)
		return !okOld || !okNew || addressURL(o) != addressURL(n)
	}}
	err := r.ctrl.Watch(source.Kind[client.Object](r.cache, obj, handler.EnqueueRequestsFromMapFunc(r.sourcesForSink), addressChanged))
	if err != nil {
		return fmt.Errorf("watching sink kind %s: %w", gvk, err)
	}
	r.watched[gvk] = true
	return nil
}

// sourcesForSink maps a sink object to the sources pointing at it.
func (r *Reconciler) sourcesForSink(ctx context.Context, obj client.Object) []reconcile.Request {
	gvk := obj.GetObjectKind().GroupVersionKind()
	var list v1alpha1.AWSDynamoDBSourceList
	key := refKey(gvk.Group, gvk.Kind, obj.GetNamespace(), obj.GetName())
	if err := r.Client.List(ctx, &list, client.MatchingFields{sinkRefIndex: key}); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, s := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: s.Namespace, Name: s.Name}})
	}
	return reqs
}
