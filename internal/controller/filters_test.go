package controller

import (
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

func withFilters(patterns ...string) func(*v1alpha1.AWSDynamoDBSource) {
	return func(s *v1alpha1.AWSDynamoDBSource) {
		s.Spec.FilterCriteria = &v1alpha1.FilterCriteria{}
		for _, p := range patterns {
			s.Spec.FilterCriteria.Filters = append(s.Spec.FilterCriteria.Filters, v1alpha1.Filter{Pattern: p})
		}
	}
}

// On a real kube-apiserver: the CRD refuses an eleventh pattern and an
// unknown dataFormat; a pattern the schema cannot judge is Ready=False with
// the reason and the pattern quoted; good ones reach the adapter as
// FILTER_CRITERIA_FILTERS and DATA_FORMAT.
func TestFiltersAndDataFormatOnKubernetes(t *testing.T) {
	h := start(t)
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = `{"eventName":["INSERT"]}`
	}
	t.Run("the CRD refuses an eleventh pattern", func(t *testing.T) {
		h := h.on(t)
		bad := newSource("eleven", withFilters(eleven...))
		bad.Namespace = h.ns
		if err := h.c.Create(h.ctx, bad); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "10") {
			t.Errorf("creating a source with 11 patterns: %v, want Invalid naming the limit", err)
		}
	})
	t.Run("the CRD refuses an unknown dataFormat", func(t *testing.T) {
		h := h.on(t)
		bad := newSource("avro", func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.DataFormat = "avro" })
		bad.Namespace = h.ns
		if err := h.c.Create(h.ctx, bad); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "document") {
			t.Errorf("creating a source with dataFormat avro: %v, want Invalid naming the choices", err)
		}
	})
	t.Run("a pattern that does not compile is Ready=False with the pattern quoted", func(t *testing.T) {
		h := h.on(t)
		h.create(newSource("badpattern", withFilters(`{"eventName":[{"startsWith":"IN"}]}`)))
		src := h.waitCondition("badpattern", ConditionReady, metav1.ConditionFalse, ReasonInvalidSpec)
		if c := findCond(src, ConditionReady); !strings.Contains(c.Message, "filterCriteria.filters: filter pattern 1 of 1 `{\"eventName\":[{\"startsWith\":\"IN\"}]}`") {
			t.Errorf("message %q does not quote the pattern", c.Message)
		}
	})
	t.Run("good patterns and a data format reach the adapter", func(t *testing.T) {
		h := h.on(t)
		h.create(newSource("good", withFilters(`{"eventName":["INSERT"]}`), func(s *v1alpha1.AWSDynamoDBSource) { s.Spec.DataFormat = "document" }))
		h.waitEnv("good", "DATA_FORMAT", "document")
		h.waitEnv("good", "FILTER_CRITERIA_FILTERS", `[{"pattern":"{\"eventName\":[\"INSERT\"]}"}]`)
	})
}
