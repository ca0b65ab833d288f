// Package kname derives the names and label values of the Kubernetes objects
// made for a source. Object names of this project stay within 63 characters
// (a DNS label, the strictest limit any of them meets), and so do label
// values; a longer result is cut and given a hash of the whole, so distinct
// sources never share a child.
package kname
