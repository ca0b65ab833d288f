// Package kubetest runs the Kubernetes tests of this project against a real
// kube-apiserver and etcd (controller-runtime's envtest), with the
// AWSDynamoDBSource CRD from config/crd/bases installed. The binaries come
// from KUBEBUILDER_ASSETS or, when it is unset, from hack/envtest.sh, which
// builds them from the Go module proxy into a cache folder (minutes the
// first time). Tests are skipped only when DYNAMODB_SOURCE_SKIP_ENVTEST=1 or
// in -short mode, and then loudly: a control plane that cannot start fails
// them, it never lets them pass silently.
package kubetest
