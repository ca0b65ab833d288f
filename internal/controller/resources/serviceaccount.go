package resources

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/checkpoint"
)

// Reasons a source may not use a ServiceAccount.
const (
	ReasonServiceAccountNotManaged   = "ServiceAccountNotManaged"
	ReasonServiceAccountRoleConflict = "ServiceAccountRoleConflict"
)

// Refusal says why a source may not use a ServiceAccount, as a condition's
// reason and message.
type Refusal struct {
	Reason  string
	Message string
}

// Managed reports whether this controller manages sa.
func Managed(sa *corev1.ServiceAccount) bool {
	return sa.Labels[LabelManagedBy] == ManagedBy
}

func notManaged(sa *corev1.ServiceAccount, field string) *Refusal {
	return &Refusal{
		Reason: ReasonServiceAccountNotManaged,
		Message: fmt.Sprintf("ServiceAccount %s/%s exists and is not managed by %s, which does not take it over: "+
			"%s, or label it %s=%s to hand it over", sa.Namespace, sa.Name, ManagedBy, field, LabelManagedBy, ManagedBy),
	}
}

// OwnServiceAccount decides the ServiceAccount generated for src alone, given
// the one of that name that exists (nil if none): ServiceAccount(src), or a
// Refusal when an unmanaged one is in the way.
func OwnServiceAccount(existing *corev1.ServiceAccount, src *v1alpha1.AWSDynamoDBSource) (*corev1.ServiceAccount, *Refusal) {
	if existing != nil && !Managed(existing) {
		return nil, notManaged(existing, "delete it, or name another in auth.iam.serviceAccount")
	}
	return ServiceAccount(src), nil
}

// JoinServiceAccount decides the ServiceAccount named in
// auth.iam.serviceAccount, given the one that exists (nil if none). A new
// one is created managed; a managed one is shared, with a reference from
// every source using it; an unmanaged one is refused. Sharers must agree on
// the IAM role: a source asking for another role than the one set by other
// sharers is refused (a source that asks for none uses the one set).
func JoinServiceAccount(existing *corev1.ServiceAccount, src *v1alpha1.AWSDynamoDBSource) (*corev1.ServiceAccount, *Refusal) {
	name := src.Spec.Auth.IAM.ServiceAccount
	role := RoleARN(src)
	if existing == nil {
		sa := &corev1.ServiceAccount{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
			ObjectMeta: metav1.ObjectMeta{
				Name:            name,
				Namespace:       src.Namespace,
				Labels:          SharedLabels(),
				OwnerReferences: []metav1.OwnerReference{SharerRef(src)},
			},
		}
		if role != "" {
			sa.Annotations = map[string]string{AnnotationRoleARN: role}
		}
		return sa, nil
	}
	if !Managed(existing) {
		return nil, notManaged(existing, "name another one in auth.iam.serviceAccount")
	}
	sa := existing.DeepCopy()
	others := 0
	mine := false
	for _, r := range sa.OwnerReferences {
		if r.UID == src.UID {
			mine = true
		} else {
			others++
		}
	}
	if cur := sa.Annotations[AnnotationRoleARN]; role != "" && cur != role {
		if others > 0 && cur != "" {
			return nil, &Refusal{
				Reason: ReasonServiceAccountRoleConflict,
				Message: fmt.Sprintf("ServiceAccount %s/%s is shared by %d other source(s) with IAM role %s, and this source asks for %s: "+
					"give the same auth.iam.roleArn, or name another ServiceAccount", sa.Namespace, sa.Name, others, cur, role),
			}
		}
		if sa.Annotations == nil {
			sa.Annotations = map[string]string{}
		}
		sa.Annotations[AnnotationRoleARN] = role
	}
	if !mine {
		sa.OwnerReferences = append(sa.OwnerReferences, SharerRef(src))
	}
	return sa, nil
}

// LeaveServiceAccount returns sa without the reference of the source whose
// UID is uid, and whether no source uses it any more (then it is deleted:
// the garbage collector would not, having no owner left to wait for).
func LeaveServiceAccount(sa *corev1.ServiceAccount, uid types.UID) (*corev1.ServiceAccount, bool) {
	out := sa.DeepCopy()
	out.OwnerReferences = nil
	for _, r := range sa.OwnerReferences {
		if r.UID != uid {
			out.OwnerReferences = append(out.OwnerReferences, r)
		}
	}
	return out, len(out.OwnerReferences) == 0
}

// SharedLabels are the labels of a shared ServiceAccount: it belongs to no
// one source.
func SharedLabels() map[string]string {
	return map[string]string{
		LabelPartOf:    checkpoint.PartOf,
		LabelManagedBy: ManagedBy,
	}
}
