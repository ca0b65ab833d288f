package controller

import (
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

func TestSinkRef(t *testing.T) {
	h := start(t)
	h.installCRD("things.example.dev", "v1", "Thing", true)
	const apiVersion = "things.example.dev/v1"
	h.create(newSource("orders", func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.Sink = v1alpha1.Destination{Ref: &v1alpha1.KReference{APIVersion: apiVersion, Kind: "Thing", Name: "broker"}}
	}))

	t.Run("a missing object is SinkNotFound and nothing is deployed", func(t *testing.T) {
		h := h.on(t)
		src := h.waitCondition("orders", ConditionSinkProvided, metav1.ConditionFalse, ReasonSinkNotFound)
		if c := findCond(src, ConditionSinkProvided); !strings.Contains(c.Message, h.ns+"/broker") {
			t.Errorf("message %q does not name the sink", c.Message)
		}
		if err := h.c.Get(h.ctx, h.key("awsdynamodbsource-orders"), &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
			t.Errorf("Deployment without a sink: %v", err)
		}
	})
	t.Run("an object without an address is SinkNotAddressable", func(t *testing.T) {
		h := h.on(t)
		h.setAddress(apiVersion, "Thing", h.ns, "broker", "")
		h.waitCondition("orders", ConditionSinkProvided, metav1.ConditionFalse, ReasonSinkNotAddressable)
	})
	t.Run("the namespace defaults to the source's and the address is followed", func(t *testing.T) {
		h := h.on(t)
		h.setAddress(apiVersion, "Thing", h.ns, "broker", "http://broker-1.example")
		h.waitCondition("orders", ConditionSinkProvided, metav1.ConditionTrue, ReasonSinkResolved)
		h.waitEnv("orders", "K_SINK", "http://broker-1.example")
		h.setAddress(apiVersion, "Thing", h.ns, "broker", "http://broker-2.example")
		h.waitEnv("orders", "K_SINK", "http://broker-2.example")
		h.eventually("sinkUri follows", func() error {
			if got := h.source("orders").Status.SinkURI; got != "http://broker-2.example" {
				return fmt.Errorf("sinkUri = %q", got)
			}
			return nil
		})
	})
	t.Run("a ref to another namespace is refused by default", func(t *testing.T) {
		h := h.on(t)
		other := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "ddbsrc-other-"}}
		if err := h.c.Create(h.ctx, other); err != nil {
			t.Fatal(err)
		}
		h.setAddress(apiVersion, "Thing", other.Name, "broker", "http://other-ns.example")
		h.update("orders", func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.Sink.Ref.Namespace = other.Name })
		src := h.waitCondition("orders", ConditionReady, metav1.ConditionFalse, ReasonRefNamespaceNotAllowed)
		if c := findCond(src, ConditionReady); !strings.Contains(c.Message, other.Name) || !strings.Contains(c.Message, "--allow-cross-namespace-refs") {
			t.Errorf("message %q does not say what to do", c.Message)
		}
		if src.Status.SinkURI != "" {
			t.Errorf("sinkUri = %q: another namespace's address is shown", src.Status.SinkURI)
		}
		h.consistently("the adapter keeps the old sink", time.Second, func() error {
			if got := envOf(h.deployment("orders"))["K_SINK"].Value; got != "http://broker-2.example" {
				return fmt.Errorf("K_SINK = %q", got)
			}
			return nil
		})
		h.update("orders", func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.Sink.Ref.Namespace = "" })
		h.waitEnv("orders", "K_SINK", "http://broker-2.example")
	})
	t.Run("a Service is addressed by its cluster-local name", func(t *testing.T) {
		h := h.on(t)
		h.create(&corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "display"},
			Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}},
		})
		h.update("orders", func(s *v1alpha1.AWSDynamoDBSource) {
			s.Spec.Sink.Ref = &v1alpha1.KReference{Kind: "Service", Name: "display"}
		})
		h.waitEnv("orders", "K_SINK", "http://display."+h.ns+".svc.cluster.local")
	})
	t.Run("a ref without apiVersion is SinkRefInvalid", func(t *testing.T) {
		h := h.on(t)
		h.update("orders", func(s *v1alpha1.AWSDynamoDBSource) {
			s.Spec.Sink.Ref = &v1alpha1.KReference{Kind: "Thing", Name: "broker"}
		})
		h.waitCondition("orders", ConditionSinkProvided, metav1.ConditionFalse, ReasonSinkRefInvalid)
	})
	t.Run("no sink at all is SinkMissing", func(t *testing.T) {
		h := h.on(t)
		h.update("orders", func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.Sink = v1alpha1.Destination{} })
		src := h.waitCondition("orders", ConditionReady, metav1.ConditionFalse, ReasonSinkMissing)
		if src.Status.SinkURI != "" {
			t.Errorf("sinkUri = %q after the sink went", src.Status.SinkURI)
		}
	})
}

// A controller started with --allow-cross-namespace-refs resolves a sink in
// another namespace.
func TestSinkRefToAnotherNamespaceWhenAllowed(t *testing.T) {
	h := start(t, func(o *Options) { o.AllowCrossNamespaceRefs = true })
	h.installCRD("widgets.example.dev", "v1", "Widget", true)
	other := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "ddbsrc-other-"}}
	if err := h.c.Create(h.ctx, other); err != nil {
		t.Fatal(err)
	}
	h.setAddress("widgets.example.dev/v1", "Widget", other.Name, "broker", "http://other-ns.example")
	h.create(newSource("orders", func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.Sink = v1alpha1.Destination{Ref: &v1alpha1.KReference{APIVersion: "widgets.example.dev/v1", Kind: "Widget", Name: "broker", Namespace: other.Name}}
	}))
	h.waitEnv("orders", "K_SINK", "http://other-ns.example")
}

// A kind the controller may not read is reported, and picked up once a
// ClusterRole labelled addressable grants it.
func TestSinkForbiddenUntilGranted(t *testing.T) {
	h := start(t)
	h.installCRD("gadgets.example.dev", "v1", "Gadget", false)
	h.setAddress("gadgets.example.dev/v1", "Gadget", h.ns, "g", "http://gadget.example")
	h.create(newSource("orders", func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.Sink = v1alpha1.Destination{Ref: &v1alpha1.KReference{APIVersion: "gadgets.example.dev/v1", Kind: "Gadget", Name: "g"}}
	}))
	src := h.waitCondition("orders", ConditionSinkProvided, metav1.ConditionFalse, ReasonSinkForbidden)
	if c := findCond(src, ConditionSinkProvided); !strings.Contains(c.Message, "duck.knative.dev/addressable=true") {
		t.Errorf("message %q does not say how to grant it", c.Message)
	}
	h.grantAddressable("gadgets.example.dev", "gadgets")
	h.waitEnv("orders", "K_SINK", "http://gadget.example")
}
