package controller

import (
	"fmt"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/controller/resources"
)

// refNamespaceRefusal decides whether src may point at ref, found at field
// (spec.sink.ref; the dead-letter sink's ref goes through it too): an object
// in another namespace only when the controller was started with
// --allow-cross-namespace-refs. A source's author may write any namespace,
// and the controller, which reads every namespace, would resolve it and have
// the source's events delivered to another tenant's sink (or that tenant's
// sink's address shown in this source's status). Nil when allowed.
func refNamespaceRefusal(field string, src *v1alpha1.AWSDynamoDBSource, ref *v1alpha1.KReference, allowCrossNamespace bool) *resources.Refusal {
	if ref == nil || ref.Namespace == "" || ref.Namespace == src.Namespace || allowCrossNamespace {
		return nil
	}
	return &resources.Refusal{
		Reason: ReasonRefNamespaceNotAllowed,
		Message: fmt.Sprintf("%s.namespace %s is not the source's namespace %s, and this controller allows only same-namespace references: "+
			"point at an object in %s (drop %s.namespace), or have the cluster's administrator start the controller with --allow-cross-namespace-refs",
			field, ref.Namespace, src.Namespace, src.Namespace, field),
	}
}
