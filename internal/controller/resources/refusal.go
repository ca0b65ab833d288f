package resources

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

// Reasons the controller refuses to deploy a source, besides the
// ServiceAccount ones.
const (
	// ReasonObjectNotManaged: an object of the name the controller would
	// make for the source exists, and the controller did not make it.
	ReasonObjectNotManaged = "ObjectNotManaged"
)

// Refusal says why a source may not have what it asks for, as a condition's
// reason and message. It is an error, so that it can travel as one.
type Refusal struct {
	Reason  string
	Message string
}

func (r *Refusal) Error() string { return r.Message }

// Claim decides whether the controller may apply its object of kind over
// existing (nil if there is none) for src. Applying with forced ownership
// would take over whatever holds the name, and the source's owner reference
// would then have Kubernetes' garbage collector delete it with the source;
// so only these are the controller's to write:
//   - an object controlled by src (made for it, before);
//   - an object with no controller that carries every label of handOver
//     (someone handing it over on purpose, or, for the checkpoint ConfigMap,
//     the command line's Kubernetes store having made it).
//
// Anything else is refused with a message naming the object and what to do.
func Claim(kind string, existing metav1.Object, src *v1alpha1.AWSDynamoDBSource, handOver map[string]string) *Refusal {
	if existing == nil {
		return nil
	}
	where := fmt.Sprintf("%s %s/%s", kind, existing.GetNamespace(), existing.GetName())
	if ref := metav1.GetControllerOf(existing); ref != nil {
		if ref.UID == src.UID {
			return nil
		}
		return &Refusal{
			Reason: ReasonObjectNotManaged,
			Message: fmt.Sprintf("%s exists and is controlled by %s %s, not by this source: the controller does not take it over; "+
				"delete it or rename this source", where, ref.Kind, ref.Name),
		}
	}
	labels := existing.GetLabels()
	var missing []string
	for k, v := range handOver {
		if labels[k] != v {
			missing = append(missing, k+"="+v)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return &Refusal{
		Reason: ReasonObjectNotManaged,
		Message: fmt.Sprintf("%s exists and was not made by %s for this source, which does not take it over (it would be deleted with the source): "+
			"delete or rename it, or rename this source; to hand it over, label it %s", where, ManagedBy, strings.Join(missing, ",")),
	}
}

// HandOver are the labels that hand an unowned adapter object (Deployment,
// Role, RoleBinding, credentials Secret) over to the controller.
func HandOver() map[string]string {
	return map[string]string{LabelManagedBy: ManagedBy}
}

// ReasonCheckpointStoreNotKept: checkpoint.store file on Kubernetes.
const ReasonCheckpointStoreNotKept = "CheckpointStoreNotKept"

// CheckSpec refuses what a source may ask for on the command line but not on
// Kubernetes: a file checkpoint store (it would live on the pod's emptyDir,
// lost whenever the pod is replaced, and the source would start again from
// startingPosition: skipping the changes made meanwhile with LATEST,
// repeating 24 hours of them with TRIM_HORIZON), and adapterOverrides.env
// entries CheckEnvOverrides refuses. Nil when there is nothing to refuse.
func CheckSpec(src *v1alpha1.AWSDynamoDBSource) *Refusal {
	if CheckpointStore(src) == v1alpha1.CheckpointStoreFile {
		return &Refusal{
			Reason: ReasonCheckpointStoreNotKept,
			Message: "spec.checkpoint.store file keeps progress on the adapter pod's own disk (an emptyDir), lost whenever the pod is " +
				"replaced, after which the source starts again from startingPosition, skipping or repeating changes: " +
				"drop spec.checkpoint (the kubernetes store, a ConfigMap beside the source, is the default here), or use memory",
		}
	}
	if ov := src.Spec.AdapterOverrides; ov != nil {
		return CheckEnvOverrides(ov.Env)
	}
	return nil
}
