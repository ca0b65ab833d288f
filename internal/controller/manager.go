package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
	"github.com/dynamodb-source/dynamodb-source/internal/controller/resources"
	"github.com/dynamodb-source/dynamodb-source/internal/streamreport"
)

// Options configure the controller. cmd/dynamodb-source-controller fills
// them from its flags.
type Options struct {
	// AdapterImage is the image the adapters run (required).
	AdapterImage string
	// MetricsBindAddress serves Prometheus metrics; "0" disables it.
	MetricsBindAddress string
	// HealthProbeBindAddress serves /healthz and /readyz; "0" disables it.
	HealthProbeBindAddress string
	// LeaderElection makes one replica of several do the work.
	LeaderElection bool
	// LeaderElectionNamespace holds the leader's Lease; defaults to the
	// controller's own namespace when run in a cluster.
	LeaderElectionNamespace string
	// RetryInterval: see Reconciler.RetryInterval. Default 30s.
	RetryInterval time.Duration
	// ClusterDomain is the domain of Service sink addresses,
	// <service>.<namespace>.svc.<domain>. Default cluster.local;
	// cmd/dynamodb-source-controller defaults it to DetectClusterDomain.
	ClusterDomain string
	// AllowCrossNamespaceRefs lets a source's sink.ref point at another
	// namespace. Off by default: on a cluster shared by tenants, a source
	// delivers only within its namespace.
	AllowCrossNamespaceRefs bool

	// skipNameValidation lets tests run one manager after another in a
	// process: controller names are otherwise unique per process.
	skipNameValidation bool
}

// LeaderElectionID names the controller's leader Lease.
const LeaderElectionID = "dynamodb-source-controller.sources.triggermesh.io"

// Scheme holds the kinds the controller reads and writes.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err) // only on a programming error
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// NewManager returns a manager running the AWSDynamoDBSource controller,
// not started yet.
func NewManager(cfg *rest.Config, opts Options) (manager.Manager, error) {
	if opts.AdapterImage == "" {
		return nil, errors.New("no adapter image: give --adapter-image or ADAPTER_IMAGE, the image holding dynamodb-source")
	}
	if opts.RetryInterval == 0 {
		opts.RetryInterval = 30 * time.Second
	}
	if opts.ClusterDomain == "" {
		opts.ClusterDomain = DefaultClusterDomain
	}
	managed := labels.SelectorFromSet(labels.Set{resources.LabelManagedBy: resources.ManagedBy})
	// The checkpoint and status ConfigMaps of the sources.
	ours, err := labels.NewRequirement(checkpoint.LabelComponent, selection.In,
		[]string{checkpoint.ComponentCheckpoints, streamreport.ComponentStatus})
	if err != nil {
		return nil, err
	}
	partOf, err := labels.NewRequirement(checkpoint.LabelPartOf, selection.Equals, []string{checkpoint.PartOf})
	if err != nil {
		return nil, err
	}
	configMaps := labels.NewSelector().Add(*partOf, *ours)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  Scheme(),
		Metrics:                 metricsserver.Options{BindAddress: opts.MetricsBindAddress},
		HealthProbeBindAddress:  opts.HealthProbeBindAddress,
		LeaderElection:          opts.LeaderElection,
		LeaderElectionID:        LeaderElectionID,
		LeaderElectionNamespace: opts.LeaderElectionNamespace,
		Controller:              config.Controller{SkipNameValidation: &opts.skipNameValidation},
		// The cache holds only what this controller made: not every
		// Deployment, ServiceAccount or ConfigMap of the cluster.
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&appsv1.Deployment{}:     {Label: managed},
			&corev1.ServiceAccount{}: {Label: managed},
			&rbacv1.Role{}:           {Label: managed},
			&rbacv1.RoleBinding{}:    {Label: managed},
			&corev1.ConfigMap{}:      {Label: configMaps},
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("creating the controller manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	r := &Reconciler{
		Client:        mgr.GetClient(),
		APIReader:     mgr.GetAPIReader(),
		AdapterImage:  opts.AdapterImage,
		RetryInterval: opts.RetryInterval,

		ClusterDomain:           opts.ClusterDomain,
		AllowCrossNamespaceRefs: opts.AllowCrossNamespaceRefs,
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return nil, err
	}
	return mgr, nil
}

// Run runs the controller until ctx ends; it returns nil then.
func Run(ctx context.Context, cfg *rest.Config, opts Options) error {
	mgr, err := NewManager(cfg, opts)
	if err != nil {
		return err
	}
	return mgr.Start(ctx)
}

// SetupWithManager registers the reconciler and its watches with mgr.
func (r *Reconciler) SetupWithManager(mgr manager.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.AWSDynamoDBSource{}, sinkRefIndex, indexSinkRef); err != nil {
		return fmt.Errorf("indexing sources by sink: %w", err)
	}
	// The adapter writes its checkpoints often: only the ConfigMap's
	// creation and deletion matter here (to adopt or recreate it). Its
	// status reports, at most one per replica per 10 s, are read.
	createdOrDeleted := predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectNew.GetLabels()[checkpoint.LabelComponent] == streamreport.ComponentStatus
		},
		GenericFunc: func(_ event.GenericEvent) bool { return false },
	}
	c, err := ctrl.NewControllerManagedBy(mgr).
		Named("awsdynamodbsource").
		For(&v1alpha1.AWSDynamoDBSource{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&appsv1.Deployment{}).
		Owns(&rbacv1.Role{}).
		Owns(&rbacv1.RoleBinding{}).
		Owns(&corev1.ConfigMap{}, builder.WithPredicates(createdOrDeleted)).
		// A shared ServiceAccount has a reference from each of its
		// sources, none of them its controller.
		Watches(&corev1.ServiceAccount{}, handler.EnqueueRequestForOwner(mgr.GetScheme(), mgr.GetRESTMapper(), &v1alpha1.AWSDynamoDBSource{})).
		Build(r)
	if err != nil {
		return fmt.Errorf("building the controller: %w", err)
	}
	r.ctrl = c
	r.cache = mgr.GetCache()
	r.mapper = mgr.GetRESTMapper()
	r.watched = map[schema.GroupVersionKind]bool{}
	return nil
}
