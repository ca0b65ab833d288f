package controller

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/internal/controller/resources"
)

// deployedCondition reads the adapter's Deployment (nil when it does not
// exist yet) into the Deployed condition.
func deployedCondition(dep *appsv1.Deployment) metav1.Condition {
	if dep == nil {
		return condition(ConditionDeployed, metav1.ConditionFalse, ReasonDeploymentUnavailable, "the adapter's Deployment is being created")
	}
	pods := fmt.Sprintf("see `kubectl -n %s describe pods -l %s=%s`", dep.Namespace,
		resources.LabelInstance, dep.Spec.Selector.MatchLabels[resources.LabelInstance])
	if dep.Generation > dep.Status.ObservedGeneration {
		return condition(ConditionDeployed, metav1.ConditionFalse, ReasonDeploymentUpdating,
			fmt.Sprintf("Deployment %s is being updated", dep.Name))
	}
	var available, progressing, failure *appsv1.DeploymentCondition
	for i := range dep.Status.Conditions {
		c := &dep.Status.Conditions[i]
		switch c.Type {
		case appsv1.DeploymentAvailable:
			available = c
		case appsv1.DeploymentProgressing:
			progressing = c
		case appsv1.DeploymentReplicaFailure:
			failure = c
		}
	}
	switch {
	case failure != nil && failure.Status == corev1.ConditionTrue:
		return condition(ConditionDeployed, metav1.ConditionFalse, ReasonDeploymentFailed,
			fmt.Sprintf("Deployment %s cannot create the adapter's pod: %s", dep.Name, failure.Message))
	case progressing != nil && progressing.Status == corev1.ConditionFalse:
		return condition(ConditionDeployed, metav1.ConditionFalse, ReasonDeploymentFailed,
			fmt.Sprintf("Deployment %s is stuck: %s; %s", dep.Name, progressing.Message, pods))
	case available != nil && available.Status == corev1.ConditionTrue && dep.Status.AvailableReplicas > 0:
		return condition(ConditionDeployed, metav1.ConditionTrue, ReasonDeploymentAvailable,
			fmt.Sprintf("Deployment %s is available", dep.Name))
	}
	return condition(ConditionDeployed, metav1.ConditionFalse, ReasonDeploymentUnavailable,
		fmt.Sprintf("waiting for the adapter of Deployment %s to be ready (%d of 1 available); if it does not start, %s",
			dep.Name, dep.Status.AvailableReplicas, pods))
}
