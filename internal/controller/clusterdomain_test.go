package controller

import (
	"strings"
	"testing"

	"github.com/dynamodb-source/dynamodb-source/api/v1alpha1"
)

func TestClusterDomainFromResolvConf(t *testing.T) {
	tests := []struct {
		name, conf, want string
	}{
		{name: "the kubelet's search line gives the domain after svc.",
			conf: "search ns.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n", want: "cluster.local"},
		{name: "another cluster domain is found the same way",
			conf: "nameserver 10.0.0.10\nsearch team-a.svc.corp.example svc.corp.example corp.example\n", want: "corp.example"},
		{name: "a trailing dot is not part of the domain", conf: "search svc.corp.example.\n", want: "corp.example"},
		{name: "a search line from outside a cluster gives nothing", conf: "search home.example\nnameserver 192.168.1.1\n", want: ""},
		{name: "no search line gives nothing", conf: "nameserver 1.1.1.1\n", want: ""},
		{name: "a commented search line is not read", conf: "# search svc.wrong.example\n", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClusterDomainFromResolvConf(strings.NewReader(tt.conf)); got != tt.want {
				t.Errorf("ClusterDomainFromResolvConf() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestServiceURL(t *testing.T) {
	tests := []struct {
		name, domain, want string
	}{
		{name: "the Service is addressed in the cluster's domain", domain: "corp.example", want: "http://display.ns.svc.corp.example"},
		{name: "no domain is cluster.local", domain: "", want: "http://display.ns.svc.cluster.local"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := serviceURL("display", "ns", tt.domain); got != tt.want {
				t.Errorf("serviceURL() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRefNamespaceRefusal(t *testing.T) {
	src := &v1alpha1.AWSDynamoDBSource{}
	src.Namespace = "team-a"
	tests := []struct {
		name    string
		ns      string
		allow   bool
		refused bool
	}{
		{name: "no namespace is the source's own", ns: ""},
		{name: "the source's own namespace is allowed", ns: "team-a"},
		{name: "another namespace is refused by default", ns: "team-b", refused: true},
		{name: "another namespace is allowed when the controller allows it", ns: "team-b", allow: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := &v1alpha1.KReference{Kind: "Broker", Name: "default", Namespace: tt.ns}
			r := refNamespaceRefusal("spec.sink.ref", src, ref, tt.allow)
			if (r != nil) != tt.refused {
				t.Fatalf("refusal %+v, want refused=%v", r, tt.refused)
			}
			if r != nil {
				for _, want := range []string{"spec.sink.ref.namespace", "team-b", "team-a", "--allow-cross-namespace-refs"} {
					if !strings.Contains(r.Message, want) {
						t.Errorf("message %q does not name %s", r.Message, want)
					}
				}
				if r.Reason != ReasonRefNamespaceNotAllowed {
					t.Errorf("reason %s", r.Reason)
				}
			}
		})
	}
}
