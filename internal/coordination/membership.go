package coordination

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/dynamodb-source/dynamodb-source/internal/kname"
)

// Labels of every membership Lease.
const (
	LabelPartOf       = "app.kubernetes.io/part-of"
	LabelComponent    = "app.kubernetes.io/component"
	LabelInstance     = "app.kubernetes.io/instance"
	PartOf            = "dynamodb-source"
	ComponentReplicas = "replicas"
)

// Defaults of a Membership: a member renews its Lease every RenewInterval
// and is live for LeaseDuration after its last renewal, so a member that
// dies without leaving is seen gone within LeaseDuration.
const (
	RenewInterval = 2 * time.Second
	LeaseDuration = 10 * time.Second
)

// leaveTimeout bounds the deletion of the member's own Lease when Run ends.
const leaveTimeout = 5 * time.Second

// Leases is what a Membership needs of the API server: the Leases of one
// namespace. client-go's typed coordination/v1 LeaseInterface satisfies it.
type Leases interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*coordinationv1.Lease, error)
	List(ctx context.Context, opts metav1.ListOptions) (*coordinationv1.LeaseList, error)
	Create(ctx context.Context, l *coordinationv1.Lease, opts metav1.CreateOptions) (*coordinationv1.Lease, error)
	Update(ctx context.Context, l *coordinationv1.Lease, opts metav1.UpdateOptions) (*coordinationv1.Lease, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// Membership keeps the Lease of one member (a replica) of a source, named
// LeaseName(source, member), and tells which members of the source are
// live: those whose Lease's renewTime plus leaseDurationSeconds has not
// passed. It is not used by the adapter yet.
type Membership struct {
	leases Leases
	source string
	member string
	name   string
	// Renew and Duration default to RenewInterval and LeaseDuration; set
	// them before Run.
	Renew    time.Duration
	Duration time.Duration
	// Now defaults to time.Now.
	Now func() time.Time

	mu     sync.Mutex
	own    *coordinationv1.Lease
	expiry map[string]time.Time // member → end of its lease
}

// NewMembership returns the membership of member in source, through leases
// bound to the source's namespace. The adapter's ServiceAccount would need
// get, list, create, update and delete on Leases.
func NewMembership(leases Leases, source, member string) *Membership {
	return &Membership{
		leases: leases, source: source, member: member, name: LeaseName(source, member),
		Renew: RenewInterval, Duration: LeaseDuration, Now: time.Now,
	}
}

// LeaseName is the name of the Lease of member in source.
func LeaseName(source, member string) string { return kname.Child(source, "-"+member) }

// LeaseLabels are the labels of the Leases of source's members.
func LeaseLabels(source string) map[string]string {
	return map[string]string{LabelPartOf: PartOf, LabelComponent: ComponentReplicas, LabelInstance: kname.LabelValue(source)}
}

// Run renews the member's Lease and reads the others' every Renew, until
// ctx ends; then it deletes the member's Lease, so that the others see it
// gone at their next read instead of after Duration, and returns nil.
// Failed requests are logged and tried again at the next tick: a member
// that cannot renew drops out on its own when its Lease expires.
func (m *Membership) Run(ctx context.Context) error {
	t := time.NewTicker(m.Renew)
	defer t.Stop()
	for {
		if err := m.renew(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("renewing the replica lease failed", "lease", m.name, "error", err)
		}
		if err := m.refresh(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("listing the replica leases failed", "source", m.source, "error", err)
		}
		select {
		case <-ctx.Done():
			m.leave()
			return nil
		case <-t.C:
		}
	}
}

// Members returns the live members, sorted, as of the last read; itself
// included while its own Lease is live.
func (m *Membership) Members() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.Now()
	out := make([]string, 0, len(m.expiry))
	for member, end := range m.expiry {
		if now.Before(end) {
			out = append(out, member)
		}
	}
	sort.Strings(out)
	return out
}

func (m *Membership) renew(ctx context.Context) error {
	now := metav1.NewMicroTime(m.Now())
	secs := int32(m.Duration / time.Second)
	if secs < 1 {
		secs = 1
	}
	if m.own == nil {
		l, err := m.leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: m.name, Labels: LeaseLabels(m.source)},
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity: &m.member, LeaseDurationSeconds: &secs, AcquireTime: &now, RenewTime: &now,
			},
		}, metav1.CreateOptions{})
		if err == nil {
			m.own = l
			return nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating lease %s: %w", m.name, err)
		}
		// Left behind by this member's previous life: take it over.
		if m.own, err = m.leases.Get(ctx, m.name, metav1.GetOptions{}); err != nil {
			return fmt.Errorf("reading lease %s: %w", m.name, err)
		}
	}
	l := m.own.DeepCopy()
	l.Spec.HolderIdentity, l.Spec.LeaseDurationSeconds, l.Spec.RenewTime = &m.member, &secs, &now
	out, err := m.leases.Update(ctx, l, metav1.UpdateOptions{})
	if err != nil {
		m.own = nil // read or create it anew at the next tick
		return fmt.Errorf("renewing lease %s: %w", m.name, err)
	}
	m.own = out
	return nil
}

func (m *Membership) refresh(ctx context.Context) error {
	list, err := m.leases.List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(LeaseLabels(m.source)).String()})
	if err != nil {
		return fmt.Errorf("listing the leases of source %s: %w", m.source, err)
	}
	expiry := make(map[string]time.Time, len(list.Items))
	for _, l := range list.Items {
		s := l.Spec
		if s.HolderIdentity == nil || s.RenewTime == nil || s.LeaseDurationSeconds == nil {
			continue
		}
		end := s.RenewTime.Add(time.Duration(*s.LeaseDurationSeconds) * time.Second)
		if end.After(expiry[*s.HolderIdentity]) {
			expiry[*s.HolderIdentity] = end
		}
	}
	m.mu.Lock()
	m.expiry = expiry
	m.mu.Unlock()
	return nil
}

// leave deletes the member's own Lease.
func (m *Membership) leave() {
	ctx, cancel := context.WithTimeout(context.Background(), leaveTimeout)
	defer cancel()
	err := m.leases.Delete(ctx, m.name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		slog.Warn("deleting the replica lease failed", "lease", m.name, "error", err)
	}
	m.mu.Lock()
	delete(m.expiry, m.member)
	m.mu.Unlock()
	m.own = nil
}
