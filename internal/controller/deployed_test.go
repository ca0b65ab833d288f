package controller

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDeployedCondition(t *testing.T) {
	dep := func(gen, observed int64, available int32, conds ...appsv1.DeploymentCondition) *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "awsdynamodbsource-sample", Namespace: "ns", Generation: gen},
			Spec:       appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/instance": "sample"}}},
			Status:     appsv1.DeploymentStatus{ObservedGeneration: observed, AvailableReplicas: available, Conditions: conds},
		}
	}
	cond := func(typ appsv1.DeploymentConditionType, s corev1.ConditionStatus, msg string) appsv1.DeploymentCondition {
		return appsv1.DeploymentCondition{Type: typ, Status: s, Message: msg}
	}
	tests := []struct {
		name       string
		dep        *appsv1.Deployment
		wantStatus metav1.ConditionStatus
		wantReason string
	}{
		{name: "no Deployment yet", dep: nil, wantStatus: metav1.ConditionFalse, wantReason: ReasonDeploymentUnavailable},
		{name: "available with a ready replica", dep: dep(1, 1, 1, cond(appsv1.DeploymentAvailable, corev1.ConditionTrue, "")),
			wantStatus: metav1.ConditionTrue, wantReason: ReasonDeploymentAvailable},
		{name: "a spec not yet seen by the Deployment controller is updating",
			dep:        dep(2, 1, 1, cond(appsv1.DeploymentAvailable, corev1.ConditionTrue, "")),
			wantStatus: metav1.ConditionFalse, wantReason: ReasonDeploymentUpdating},
		{name: "a pod that cannot be created is a failure",
			dep:        dep(1, 1, 0, cond(appsv1.DeploymentReplicaFailure, corev1.ConditionTrue, "pods forbidden: exceeded quota")),
			wantStatus: metav1.ConditionFalse, wantReason: ReasonDeploymentFailed},
		{name: "a progress deadline exceeded is a failure",
			dep:        dep(1, 1, 0, cond(appsv1.DeploymentProgressing, corev1.ConditionFalse, "ProgressDeadlineExceeded")),
			wantStatus: metav1.ConditionFalse, wantReason: ReasonDeploymentFailed},
		{name: "no available replica yet", dep: dep(1, 1, 0), wantStatus: metav1.ConditionFalse, wantReason: ReasonDeploymentUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := deployedCondition(tt.dep)
			if got.Status != tt.wantStatus || got.Reason != tt.wantReason || got.Message == "" {
				t.Errorf("Deployed = %s/%s (%q), want %s/%s", got.Status, got.Reason, got.Message, tt.wantStatus, tt.wantReason)
			}
		})
	}
}
