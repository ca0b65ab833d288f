// Package ops tests what operators install and run, against the real tools
// and binaries: the alert rules with `promtool test rules`, every alert's and
// dashboard panel's PromQL against the metric names the built binaries
// export, the Helm chart with `helm lint`, `helm template` and a server-side
// apply to envtest's kube-apiserver, and the Dockerfile's build stage (static
// binaries that run without libc).
//
// promtool, helm and promql-names come from hack/tools.sh (built once from
// the Go module proxy and cached); the tests are skipped with -short.
package ops
