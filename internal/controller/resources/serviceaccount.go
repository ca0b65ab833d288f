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
	// ReasonServiceAccountNotShared: the ServiceAccount is not one made for
	// sharing (it was generated for one source alone), or, for a generated
	// one, it is shared.
	ReasonServiceAccountNotShared = "ServiceAccountNotShared"
)

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
// Refusal when one that is not src's is in the way: one not managed here,
// one generated for another source, or one shared by sources naming it
// (taking it would put src's controller reference and IAM role on the
// others' account).
func OwnServiceAccount(existing *corev1.ServiceAccount, src *v1alpha1.AWSDynamoDBSource) (*corev1.ServiceAccount, *Refusal) {
	if existing == nil {
		return ServiceAccount(src), nil
	}
	if !Managed(existing) {
		return nil, notManaged(existing, "delete it, or name another in auth.iam.serviceAccount")
	}
	where := existing.Namespace + "/" + existing.Name
	if ref := metav1.GetControllerOf(existing); ref != nil && ref.UID != src.UID {
		return nil, &Refusal{Reason: ReasonServiceAccountNotShared, Message: fmt.Sprintf(
			"ServiceAccount %s is generated for %s %s alone, and this source would run as it: rename this source, or name another ServiceAccount in auth.iam.serviceAccount",
			where, ref.Kind, ref.Name)}
	}
	if n := len(sharers(existing)); n > 0 && metav1.GetControllerOf(existing) == nil {
		return nil, &Refusal{Reason: ReasonServiceAccountNotShared, Message: fmt.Sprintf(
			"ServiceAccount %s is shared by %d source(s) naming it in auth.iam.serviceAccount, and this source's generated one has the same name: "+
				"rename this source, or name it in auth.iam.serviceAccount (with the same auth.iam.roleArn) to share it", where, n)}
	}
	return ServiceAccount(src), nil
}

// sharers are the sources referring to sa, none of them its controller.
func sharers(sa *corev1.ServiceAccount) []metav1.OwnerReference {
	var out []metav1.OwnerReference
	for _, r := range sa.OwnerReferences {
		if r.Kind == "AWSDynamoDBSource" && (r.Controller == nil || !*r.Controller) {
			out = append(out, r)
		}
	}
	return out
}

// JoinServiceAccount decides the ServiceAccount named in
// auth.iam.serviceAccount, given the one that exists (nil if none). A new
// one is created managed, made for sharing; a managed one made for sharing
// is shared, with a reference from every source using it; an unmanaged one
// is refused, and so is one generated for a source alone (its name,
// awsdynamodbsource-<source>, is easy to guess: naming it would run as the
// other source's IAM role). Sharers must ask for the same IAM role: a source
// asking for another one, or for none when the others have one, is refused,
// since a sharer's role is every sharer's.
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
	if ref := metav1.GetControllerOf(existing); ref != nil {
		whose := fmt.Sprintf("%s %s", ref.Kind, ref.Name)
		if ref.UID == src.UID {
			whose = "this source"
		}
		return nil, &Refusal{Reason: ReasonServiceAccountNotShared, Message: fmt.Sprintf(
			"ServiceAccount %s/%s is generated for %s alone and cannot be shared: a source may share only a ServiceAccount made for sharing "+
				"(one named in auth.iam.serviceAccount by its sources, with the same auth.iam.roleArn): name another ServiceAccount, or drop auth.iam.serviceAccount",
			existing.Namespace, existing.Name, whose)}
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
	if cur := sa.Annotations[AnnotationRoleARN]; cur != role {
		if others > 0 {
			return nil, &Refusal{
				Reason: ReasonServiceAccountRoleConflict,
				Message: fmt.Sprintf("ServiceAccount %s/%s is shared by %d other source(s) with IAM role %s, and this source asks for %s: "+
					"give the same auth.iam.roleArn, or name another ServiceAccount", sa.Namespace, sa.Name, others, orNone(cur), orNone(role)),
			}
		}
		// The only user: its spec decides.
		if role == "" {
			delete(sa.Annotations, AnnotationRoleARN)
		} else {
			if sa.Annotations == nil {
				sa.Annotations = map[string]string{}
			}
			sa.Annotations[AnnotationRoleARN] = role
		}
	}
	if !mine {
		sa.OwnerReferences = append(sa.OwnerReferences, SharerRef(src))
	}
	return sa, nil
}

func orNone(role string) string {
	if role == "" {
		return "none"
	}
	return role
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
