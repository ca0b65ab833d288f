package controller

import (
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestReadyCondition(t *testing.T) {
	sinkOK := condition(ConditionSinkProvided, metav1.ConditionTrue, ReasonSinkResolved, "")
	depOK := condition(ConditionDeployed, metav1.ConditionTrue, ReasonDeploymentAvailable, "")
	sinkBad := condition(ConditionSinkProvided, metav1.ConditionFalse, ReasonSinkNotFound, "create it")
	depBad := condition(ConditionDeployed, metav1.ConditionFalse, ReasonDeploymentUnavailable, "wait")
	tests := []struct {
		name       string
		conds      []metav1.Condition
		specErr    error
		wantStatus metav1.ConditionStatus
		wantReason string
	}{
		{name: "ready when the sink resolves and the adapter is available", conds: []metav1.Condition{sinkOK, depOK},
			wantStatus: metav1.ConditionTrue, wantReason: ReasonReady},
		{name: "an invalid spec comes first", conds: []metav1.Condition{sinkOK, depOK}, specErr: errors.New("arn: bad"),
			wantStatus: metav1.ConditionFalse, wantReason: ReasonInvalidSpec},
		{name: "an unresolved sink comes before the deployment", conds: []metav1.Condition{sinkBad, depBad},
			wantStatus: metav1.ConditionFalse, wantReason: ReasonSinkNotFound},
		{name: "an unavailable deployment is not ready", conds: []metav1.Condition{sinkOK, depBad},
			wantStatus: metav1.ConditionFalse, wantReason: ReasonDeploymentUnavailable},
		{name: "a missing condition is unknown", conds: []metav1.Condition{sinkOK},
			wantStatus: metav1.ConditionUnknown, wantReason: "Reconciling"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readyCondition(tt.conds, tt.specErr)
			if got.Status != tt.wantStatus || got.Reason != tt.wantReason {
				t.Errorf("Ready = %s/%s (%s), want %s/%s", got.Status, got.Reason, got.Message, tt.wantStatus, tt.wantReason)
			}
		})
	}
}
