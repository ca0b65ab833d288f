// Package terminal tests what the command line shows people, through the
// real binary: the progress lines on a terminal (a pseudo-terminal here) and
// their absence elsewhere, and the status command against a checkpoint file
// the binary wrote while reading DynamoDB Local and against a checkpoint
// ConfigMap on envtest's real kube-apiserver.
package terminal
