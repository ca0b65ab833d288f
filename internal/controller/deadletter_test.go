package controller

import (
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
	"github.com/dynamodb-source/dynamodb-source/internal/adapterenv"
)

func TestDeadLetterSinkRef(t *testing.T) {
	h := start(t)
	h.installCRD("dlqs.example.dev", "v1", "DLQ", true)
	const apiVersion = "dlqs.example.dev/v1"
	h.create(newSource("orders", func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.Sink = v1alpha1.Destination{URI: "http://sink.example"}
		s.Spec.Delivery = &v1alpha1.DeliverySpec{DeadLetterSink: &v1alpha1.Destination{
			Ref: &v1alpha1.KReference{APIVersion: apiVersion, Kind: "DLQ", Name: "dead"}}}
	}))

	t.Run("a missing dead-letter sink says what to fix and nothing is deployed", func(t *testing.T) {
		h := h.on(t)
		src := h.waitCondition("orders", ConditionSinkProvided, metav1.ConditionFalse, ReasonSinkNotFound)
		c := findCond(src, ConditionSinkProvided)
		if !strings.Contains(c.Message, "dead-letter sink") || !strings.Contains(c.Message, "spec.delivery.deadLetterSink.ref") ||
			!strings.Contains(c.Message, h.ns+"/dead") {
			t.Errorf("message %q does not say which dead-letter sink to fix", c.Message)
		}
		if err := h.c.Get(h.ctx, h.key("awsdynamodbsource-orders"), &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
			t.Errorf("Deployment without its dead-letter sink: %v", err)
		}
	})
	t.Run("the resolved address is in the adapter's environment and followed", func(t *testing.T) {
		h := h.on(t)
		h.setAddress(apiVersion, "DLQ", h.ns, "dead", "http://user:pw@dead-1.example/in?key=k")
		h.waitCondition("orders", ConditionSinkProvided, metav1.ConditionTrue, ReasonSinkResolved)
		h.waitEnv("orders", adapterenv.EnvDeliveryDeadLetterSinkURI, "http://user:pw@dead-1.example/in?key=k")
		h.waitEnv("orders", "K_SINK", "http://sink.example")
		h.eventually("deadLetterSinkUri is redacted", func() error {
			if got := h.source("orders").Status.DeadLetterSinkURI; got != "http://dead-1.example/in?redacted" {
				return fmt.Errorf("deadLetterSinkUri = %q", got)
			}
			return nil
		})
		h.setAddress(apiVersion, "DLQ", h.ns, "dead", "http://dead-2.example")
		h.waitEnv("orders", adapterenv.EnvDeliveryDeadLetterSinkURI, "http://dead-2.example")
	})
}
