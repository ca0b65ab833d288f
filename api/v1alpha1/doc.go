// Package v1alpha1 holds the AWSDynamoDBSource API (group sources.triggermesh.io,
// version v1alpha1). Its spec is the single description of a source: the
// command line exposes every field as a flag named by its dotted JSON path
// (--auth.credentials.accessKeyID), the adapter environment is derived from it
// by one pure function (internal/adapterenv), and the CRD under config/crd is
// generated from these types by controller-gen. The TriggerMesh fields keep
// their wire names so that existing manifests apply unchanged; this project's
// extensions sit beside them.
//
// +kubebuilder:object:generate=true
// +groupName=sources.triggermesh.io
package v1alpha1
