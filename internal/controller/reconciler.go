package controller

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/controller/resources"
	"github.com/dynamodb-source/dynamodb-source/internal/safeurl"
	"github.com/dynamodb-source/dynamodb-source/internal/streamreport"
)

// FieldOwner is this controller's field manager for server-side apply.
const FieldOwner = "dynamodb-source-controller"

// RBAC of the controller, generated into config/rbac/role.yaml by
// hack/generate.sh. Objects are written by server-side apply (create,
// patch); configmaps need get and update besides, because Kubernetes lets
// the controller grant the adapter (in its Role) only what it holds itself.
// Secrets: the controller writes the one Secret per source that holds the
// spec's literal credentials, and reads only that one, by name, from the
// API server (get, never list or watch: it caches no Secret and cannot read
// a namespace's Secrets in bulk); Secret references in the spec reach the
// adapter as secretKeyRef variables, which the kubelet resolves. Sinks of
// other kinds are read through the aggregated ClusterRole in
// config/rbac/addressable_resolver.yaml.
//
// +kubebuilder:rbac:groups=sources.triggermesh.io,resources=awsdynamodbsources,verbs=get;list;watch
// +kubebuilder:rbac:groups=sources.triggermesh.io,resources=awsdynamodbsources/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=sources.triggermesh.io,resources=awsdynamodbsources/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles;rolebindings,verbs=get;list;watch;create;patch;delete

// Reconciler reconciles AWSDynamoDBSource objects.
type Reconciler struct {
	// Client reads through the manager's cache and writes to the API server.
	Client client.Client
	// APIReader reads from the API server itself, for objects the cache
	// does not hold (ServiceAccounts this controller does not manage).
	APIReader client.Reader
	// AdapterImage holds the dynamodb-source binary the adapters run.
	AdapterImage string
	// RetryInterval is how soon a source whose sink or ServiceAccount is
	// refused for a reason no watched object will tell is looked at again.
	RetryInterval time.Duration
	// ClusterDomain is the domain of Service addresses (cluster.local when
	// empty).
	ClusterDomain string
	// AllowCrossNamespaceRefs lets a source's sink.ref name another
	// namespace (refNamespaceRefusal).
	AllowCrossNamespaceRefs bool

	mapper meta.RESTMapper
	cache  cache.Cache
	ctrl   controller.Controller

	mu      sync.Mutex
	watched map[schema.GroupVersionKind]bool
}

// Reconcile brings the objects of one source in line with its spec and
// reports what it found in the source's status.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	src := &v1alpha1.AWSDynamoDBSource{}
	if err := r.Client.Get(ctx, req.NamespacedName, src); err != nil {
		// Deleted: its objects are owned by it, and go with it.
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !src.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	before := src.Status.DeepCopy()

	result, specErr, err := r.reconcile(ctx, src)

	st := &src.Status
	st.ObservedGeneration = src.Generation
	st.CloudEventAttributes = []v1alpha1.CloudEventAttributes{{Type: v1alpha1.EventType, Source: src.Spec.ARN}}
	setCondition(st, src.Generation, readyCondition(st.Conditions, specErr))
	recheck, serr := r.reportStreamHealth(ctx, src)
	if serr != nil && err == nil {
		err = serr
	}
	if recheck > 0 && (result.RequeueAfter == 0 || recheck < result.RequeueAfter) {
		result.RequeueAfter = recheck
	}
	if !equality.Semantic.DeepEqual(before, st) {
		if uerr := r.Client.Status().Update(ctx, src); uerr != nil {
			switch {
			case apierrors.IsConflict(uerr):
				return reconcile.Result{RequeueAfter: time.Second}, nil
			case apierrors.IsNotFound(uerr):
				return reconcile.Result{}, nil // deleted meanwhile
			}
			if err == nil {
				err = fmt.Errorf("updating the status: %w", uerr)
			}
		}
	}
	return result, err
}

// reportStreamHealth sets status.stream and StreamHealthy from the reports
// in the source's status ConfigMap. recheck is when the reports counted now
// go stale, for the source to be looked at again then: no event would say
// that an adapter fell silent.
func (r *Reconciler) reportStreamHealth(ctx context.Context, src *v1alpha1.AWSDynamoDBSource) (recheck time.Duration, err error) {
	now := time.Now()
	kubeStore := resources.CheckpointStore(src) == v1alpha1.CheckpointStoreKubernetes
	var reports map[string]streamreport.Report
	if kubeStore {
		cm := &corev1.ConfigMap{}
		err := r.Client.Get(ctx, types.NamespacedName{Namespace: src.Namespace, Name: streamreport.ConfigMapName(src.Name)}, cm)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return 0, fmt.Errorf("reading the status ConfigMap: %w", err)
		default:
			reports = streamreport.Parse(cm.Data)
		}
	}
	st, cond, live := streamHealth(reports, kubeStore, resources.AdapterName(src), now)
	src.Status.Stream = st
	setCondition(&src.Status, src.Generation, cond)
	if live {
		// The oldest counted report goes stale first.
		recheck = st.ReportedAt.Add(streamreport.StaleAfter).Sub(now) + time.Second
	}
	return recheck, nil
}

func setCondition(st *v1alpha1.AWSDynamoDBSourceStatus, generation int64, c metav1.Condition) {
	c.ObservedGeneration = generation
	meta.SetStatusCondition(&st.Conditions, c)
}

// reconcile does the work of Reconcile and sets the conditions other than
// Ready. specErr is an invalid spec, reported in Ready.
func (r *Reconciler) reconcile(ctx context.Context, src *v1alpha1.AWSDynamoDBSource) (_ reconcile.Result, specErr, err error) {
	logger := log.FromContext(ctx)
	st := &src.Status
	gen := src.Generation

	if specErr := src.Spec.Validate(); specErr != nil {
		// The adapter would refuse this spec; keep what runs until it is fixed.
		return reconcile.Result{}, specErr, nil
	}
	if refusal := resources.CheckSpec(src); refusal != nil {
		// Not on Kubernetes: likewise.
		return reconcile.Result{}, refusal, nil
	}

	sink, err := r.resolveSink(ctx, src)
	if err != nil {
		return reconcile.Result{}, nil, err
	}
	st.SinkURI = safeurl.RedactString(sink.uri) // the adapter alone gets it whole
	deploy := src
	if sink.uri != "" {
		if deploy, sink, err = r.withDeadLetterSink(ctx, src, sink); err != nil {
			return reconcile.Result{}, nil, err
		}
	}
	setCondition(st, gen, sink.cond)
	var retry reconcile.Result
	if sink.retry {
		retry.RequeueAfter = r.RetryInterval
	}
	if sink.uri == "" {
		logger.V(1).Info("sink not resolved", "reason", sink.cond.Reason)
		dep, err := r.currentDeployment(ctx, src)
		if err != nil {
			return retry, nil, err
		}
		if dep == nil {
			setCondition(st, gen, condition(ConditionDeployed, metav1.ConditionFalse, ReasonWaitingForSink,
				"the adapter is deployed once the sink resolves"))
		} else {
			setCondition(st, gen, deployedCondition(dep))
		}
		return retry, nil, nil
	}

	if refusal, err := r.reconcileAdapter(ctx, src, deploy, sink.uri); err != nil || refusal != nil {
		if refusal != nil {
			setCondition(st, gen, condition(ConditionDeployed, metav1.ConditionFalse, refusal.Reason, refusal.Message))
			// Labelling or removing an object in the way fires no event here.
			retry.RequeueAfter = r.RetryInterval
		}
		return retry, nil, err
	}
	dep, err := r.currentDeployment(ctx, src)
	if err != nil {
		return retry, nil, err
	}
	setCondition(st, gen, deployedCondition(dep))
	return retry, nil, nil
}

// reconcileAdapter keeps the objects of the adapter of src, delivering to
// sinkURI, in the order it needs them; the Deployment is rendered from
// deploy, src with its dead-letter sink resolved. A refusal is an object in
// the way that the controller does not take over.
func (r *Reconciler) reconcileAdapter(ctx context.Context, src, deploy *v1alpha1.AWSDynamoDBSource, sinkURI string) (*resources.Refusal, error) {
	if refusal, err := r.reconcileServiceAccount(ctx, src); err != nil || refusal != nil {
		return refusal, err
	}
	if refusal, err := r.reconcileCheckpointAccess(ctx, src); err != nil || refusal != nil {
		return refusal, err
	}
	if refusal, err := r.reconcileCredentials(ctx, src); err != nil || refusal != nil {
		return refusal, err
	}
	dep := resources.Deployment(deploy, resources.DeploymentOptions{Image: r.AdapterImage, SinkURI: sinkURI})
	if refusal, err := r.claim(ctx, dep, src, resources.HandOver(), true); err != nil || refusal != nil {
		return refusal, err
	}
	if err := r.apply(ctx, dep); err != nil {
		return nil, fmt.Errorf("applying the adapter's Deployment: %w", err)
	}
	return nil, nil
}

func (r *Reconciler) currentDeployment(ctx context.Context, src *v1alpha1.AWSDynamoDBSource) (*appsv1.Deployment, error) {
	dep := &appsv1.Deployment{}
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: src.Namespace, Name: resources.AdapterName(src)}, dep)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading the adapter's Deployment: %w", err)
	}
	return dep, nil
}

// reconcileCheckpointAccess keeps the checkpoint ConfigMap and the Role and
// RoleBinding that let the adapter use it, when the adapter keeps its
// checkpoints on Kubernetes; otherwise it removes the access (and keeps the
// ConfigMap: it goes with the source).
func (r *Reconciler) reconcileCheckpointAccess(ctx context.Context, src *v1alpha1.AWSDynamoDBSource) (*resources.Refusal, error) {
	if resources.CheckpointStore(src) != v1alpha1.CheckpointStoreKubernetes {
		for _, obj := range []client.Object{&rbacv1.RoleBinding{}, &rbacv1.Role{}} {
			if err := r.deleteIfOwned(ctx, obj, src, resources.AdapterName(src), true); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	objs := []struct {
		obj      client.Object
		handOver map[string]string
	}{
		// The command line's kubernetes store makes the ConfigMap with
		// these labels: its progress is adopted.
		{resources.CheckpointConfigMap(src), checkpoint.ConfigMapLabels(src.Name)},
		{resources.StatusConfigMap(src), resources.HandOver()},
		{resources.Role(src), resources.HandOver()},
		{resources.RoleBinding(src), resources.HandOver()},
	}
	for _, o := range objs {
		if refusal, err := r.claim(ctx, o.obj, src, o.handOver, true); err != nil || refusal != nil {
			return refusal, err
		}
		if err := r.apply(ctx, o.obj); err != nil {
			return nil, fmt.Errorf("applying %s %s: %w", o.obj.GetObjectKind().GroupVersionKind().Kind, o.obj.GetName(), err)
		}
	}
	return nil, nil
}

// reconcileCredentials keeps the Secret of the spec's literal credentials
// (resources.LiteralCredentials), or deletes it once there are none. Secrets
// are read from the API server, never cached.
func (r *Reconciler) reconcileCredentials(ctx context.Context, src *v1alpha1.AWSDynamoDBSource) (*resources.Refusal, error) {
	secret, _ := resources.LiteralCredentials(src)
	if secret == nil {
		return nil, r.deleteIfOwned(ctx, &corev1.Secret{}, src, resources.CredentialsSecretName(src), false)
	}
	if refusal, err := r.claim(ctx, secret, src, resources.HandOver(), false); err != nil || refusal != nil {
		return refusal, err
	}
	if err := r.apply(ctx, secret); err != nil {
		return nil, fmt.Errorf("applying the credentials Secret %s: %w", secret.Name, err)
	}
	return nil, nil
}

// claim refuses to apply want when an object of its name exists that is not
// this controller's for src (resources.Claim). cached says whether the
// manager's cache holds the kind (then only the managed objects of it: a
// miss is checked on the API server, since an unmanaged object must be seen
// to be refused).
func (r *Reconciler) claim(ctx context.Context, want client.Object, src *v1alpha1.AWSDynamoDBSource, handOver map[string]string, cached bool) (*resources.Refusal, error) {
	kind := want.GetObjectKind().GroupVersionKind().Kind
	existing, err := r.existing(ctx, newOf(want), want.GetNamespace(), want.GetName(), cached)
	if err != nil || existing == nil {
		return nil, err
	}
	return resources.Claim(kind, existing, src, handOver), nil
}

// newOf returns an empty object of obj's type.
func newOf(obj client.Object) client.Object {
	return reflect.New(reflect.TypeOf(obj).Elem()).Interface().(client.Object)
}

// existing reads the object namespace/name into obj: nil if there is none.
func (r *Reconciler) existing(ctx context.Context, obj client.Object, namespace, name string, cached bool) (client.Object, error) {
	key := types.NamespacedName{Namespace: namespace, Name: name}
	var err error = apierrors.NewNotFound(schema.GroupResource{}, name)
	if cached {
		err = r.Client.Get(ctx, key, obj)
	}
	if apierrors.IsNotFound(err) {
		err = r.APIReader.Get(ctx, key, obj)
	}
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading %T %s: %w", obj, name, err)
	}
	return obj, nil
}

// deleteIfOwned deletes namespace/name if src controls it: what the
// controller did not make for src is left alone.
func (r *Reconciler) deleteIfOwned(ctx context.Context, obj client.Object, src *v1alpha1.AWSDynamoDBSource, name string, cached bool) error {
	existing, err := r.existing(ctx, obj, src.Namespace, name, cached)
	if err != nil || existing == nil || !metav1.IsControlledBy(existing, src) {
		return err
	}
	if err := r.Client.Delete(ctx, existing); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting %T %s: %w", obj, name, err)
	}
	return nil
}

// apply server-side applies obj as this controller's field manager: fields
// it set before and no longer sets are removed, fields others set (the
// adapter's checkpoint data, defaults) are left alone, and an unchanged
// object is not written.
func (r *Reconciler) apply(ctx context.Context, obj client.Object) error {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return fmt.Errorf("converting %s: %w", obj.GetName(), err)
	}
	delete(u, "status")
	unstructured.RemoveNestedField(u, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u, "spec", "template", "metadata", "creationTimestamp")
	return r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(&unstructured.Unstructured{Object: u}),
		client.FieldOwner(FieldOwner), client.ForceOwnership)
}

// reconcileServiceAccount keeps the ServiceAccount the adapter runs as, and
// lets go of those the source used before. A refusal is returned when the
// ServiceAccount is in the way (not managed here, or shared with another
// IAM role).
func (r *Reconciler) reconcileServiceAccount(ctx context.Context, src *v1alpha1.AWSDynamoDBSource) (*resources.Refusal, error) {
	name := resources.ServiceAccountName(src)
	existing, err := r.serviceAccount(ctx, src.Namespace, name)
	if err != nil {
		return nil, err
	}
	if resources.SharedServiceAccount(src) {
		sa, refusal := resources.JoinServiceAccount(existing, src)
		if refusal != nil {
			return refusal, nil
		}
		switch {
		case existing == nil:
			err = r.Client.Create(ctx, sa)
		case !equality.Semantic.DeepEqual(existing, sa):
			err = r.Client.Update(ctx, sa)
		}
		if apierrors.IsAlreadyExists(err) || apierrors.IsConflict(err) {
			return nil, fmt.Errorf("ServiceAccount %s changed while joining it, trying again: %w", name, err)
		}
		if err != nil {
			return nil, fmt.Errorf("sharing ServiceAccount %s: %w", name, err)
		}
	} else {
		sa, refusal := resources.OwnServiceAccount(existing, src)
		if refusal != nil {
			return refusal, nil
		}
		if err := r.apply(ctx, sa); err != nil {
			return nil, fmt.Errorf("applying ServiceAccount %s: %w", name, err)
		}
	}
	return nil, r.leaveServiceAccounts(ctx, src, name)
}

// serviceAccount reads a ServiceAccount, nil if there is none.
func (r *Reconciler) serviceAccount(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error) {
	obj, err := r.existing(ctx, &corev1.ServiceAccount{}, namespace, name, true)
	if err != nil || obj == nil {
		return nil, err
	}
	return obj.(*corev1.ServiceAccount), nil
}

// leaveServiceAccounts removes the source's reference from the managed
// ServiceAccounts it no longer uses, and deletes those left with no user.
func (r *Reconciler) leaveServiceAccounts(ctx context.Context, src *v1alpha1.AWSDynamoDBSource, current string) error {
	var list corev1.ServiceAccountList
	if err := r.Client.List(ctx, &list, client.InNamespace(src.Namespace),
		client.MatchingLabels{resources.LabelManagedBy: resources.ManagedBy}); err != nil {
		return fmt.Errorf("listing ServiceAccounts: %w", err)
	}
	for i := range list.Items {
		sa := &list.Items[i]
		if sa.Name == current || !referencedBy(sa, src.UID) {
			continue
		}
		left, last := resources.LeaveServiceAccount(sa, src.UID)
		if last {
			err := r.Client.Delete(ctx, sa, client.Preconditions{ResourceVersion: &sa.ResourceVersion})
			if client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("deleting ServiceAccount %s, no longer used: %w", sa.Name, err)
			}
			continue
		}
		if err := r.Client.Update(ctx, left); err != nil {
			return fmt.Errorf("leaving ServiceAccount %s: %w", sa.Name, err)
		}
	}
	return nil
}

func referencedBy(obj metav1.Object, uid types.UID) bool {
	for _, r := range obj.GetOwnerReferences() {
		if r.UID == uid {
			return true
		}
	}
	return false
}
