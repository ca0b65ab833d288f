package controller

import (
	"errors"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dynamodb-source/dynamodb-source/internal/controller/resources"
)

// Condition types of an AWSDynamoDBSource.
const (
	// ConditionReady is True when the sink is resolved and the adapter runs.
	ConditionReady = "Ready"
	// ConditionSinkProvided is True when the sink has an address.
	ConditionSinkProvided = "SinkProvided"
	// ConditionDeployed is True when the adapter's Deployment is available.
	ConditionDeployed = "Deployed"
)

// Reasons of the conditions. Each False reason comes with a message saying
// what to do.
const (
	ReasonReady       = "AdapterReady"
	ReasonInvalidSpec = "InvalidSpec"

	ReasonSinkResolved       = "SinkResolved"
	ReasonSinkMissing        = "SinkMissing"
	ReasonSinkRefInvalid     = "SinkRefInvalid"
	ReasonSinkKindUnknown    = "SinkKindUnknown"
	ReasonSinkNotFound       = "SinkNotFound"
	ReasonSinkForbidden      = "SinkForbidden"
	ReasonSinkNotAddressable = "SinkNotAddressable"
	// ReasonRefNamespaceNotAllowed: a reference to another namespace, which
	// the controller was not started to allow.
	ReasonRefNamespaceNotAllowed = "RefNamespaceNotAllowed"

	ReasonDeploymentAvailable   = "DeploymentAvailable"
	ReasonDeploymentUnavailable = "DeploymentUnavailable"
	ReasonDeploymentUpdating    = "DeploymentUpdating"
	ReasonDeploymentFailed      = "DeploymentFailed"
	ReasonWaitingForSink        = "WaitingForSink"
	// Refusals use the reasons of package resources: ServiceAccountNotManaged,
	// ServiceAccountNotShared, ServiceAccountRoleConflict, ObjectNotManaged
	// (Deployed), AdapterEnvRefused and CheckpointStoreNotKept (Ready).
)

func condition(typ string, status metav1.ConditionStatus, reason, message string) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: message}
}

// readyCondition summarises the others: Ready is True only when the spec is
// valid and both SinkProvided and Deployed are True; otherwise it carries
// the reason and message of the first thing in the way, so `kubectl get`
// shows what to fix.
func readyCondition(conds []metav1.Condition, specErr error) metav1.Condition {
	var refusal *resources.Refusal
	switch {
	case errors.As(specErr, &refusal):
		return condition(ConditionReady, metav1.ConditionFalse, refusal.Reason, refusal.Message)
	case specErr != nil:
		return condition(ConditionReady, metav1.ConditionFalse, ReasonInvalidSpec, specErr.Error())
	}
	for _, typ := range []string{ConditionSinkProvided, ConditionDeployed} {
		c := meta.FindStatusCondition(conds, typ)
		switch {
		case c == nil:
			return condition(ConditionReady, metav1.ConditionUnknown, "Reconciling", typ+" is not known yet")
		case c.Status != metav1.ConditionTrue:
			return condition(ConditionReady, c.Status, c.Reason, c.Message)
		}
	}
	return condition(ConditionReady, metav1.ConditionTrue, ReasonReady, "the adapter is running and delivering to the sink")
}
