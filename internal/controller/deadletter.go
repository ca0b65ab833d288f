package controller

import (
	"context"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/safeurl"
)

// withDeadLetterSink resolves spec.delivery.deadLetterSink the way the sink
// is resolved (a uri as given; a ref to the address of the object, watched
// so that a change of it comes back here) and returns the source to deploy:
// a copy whose dead-letter sink is the resolved uri, for the adapter's
// environment. It records the address in status.deadLetterSinkUri. When the
// dead-letter sink cannot be resolved it returns sink as a failure that says
// what to fix: the adapter is not deployed without it, since it would drop
// what the user asked to keep.
func (r *Reconciler) withDeadLetterSink(ctx context.Context, src *v1alpha1.AWSDynamoDBSource, sink sinkResult) (*v1alpha1.AWSDynamoDBSource, sinkResult, error) {
	dl := src.Spec.GetDeadLetterSink()
	if dl == nil {
		src.Status.DeadLetterSinkURI = ""
		return src, sink, nil
	}
	// resolveSink reads spec.sink: hand it the dead-letter sink as one.
	probe := src.DeepCopy()
	probe.Spec.Sink = *dl.DeepCopy()
	probe.Spec.Delivery = nil
	res, err := r.resolveSink(ctx, probe)
	if err != nil {
		return nil, sink, err
	}
	if res.uri == "" {
		src.Status.DeadLetterSinkURI = ""
		msg := strings.ReplaceAll(res.cond.Message, "spec.sink", "spec.delivery.deadLetterSink")
		msg = strings.Replace(msg, "sink ", "dead-letter sink ", 1)
		res.cond = condition(ConditionSinkProvided, metav1.ConditionFalse, res.cond.Reason, "dead-letter sink: "+msg)
		return nil, res, nil
	}
	src.Status.DeadLetterSinkURI = safeurl.RedactString(res.uri)
	deploy := src.DeepCopy()
	deploy.Spec.Delivery.DeadLetterSink = &v1alpha1.Destination{URI: res.uri, CACerts: dl.CACerts}
	if res.retry {
		sink.retry = true
	}
	return deploy, sink, nil
}

// deadLetterRefKey is the sinkRefIndex value of src's dead-letter sink ref,
// "" when it has none, so that a change of that object's address finds src.
func deadLetterRefKey(src *v1alpha1.AWSDynamoDBSource) string {
	dl := src.Spec.GetDeadLetterSink()
	if dl == nil || dl.Ref == nil {
		return ""
	}
	probe := src.DeepCopy()
	probe.Spec.Sink = *dl.DeepCopy()
	probe.Spec.Delivery = nil // the probe's own dead-letter sink would lead back here
	keys := indexSinkRef(probe)
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}
