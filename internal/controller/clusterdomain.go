package controller

import (
	"bufio"
	"io"
	"os"
	"strings"
)

// DefaultClusterDomain is the cluster domain when none is given or found.
const DefaultClusterDomain = "cluster.local"

// ClusterDomainFromResolvConf finds the cluster domain in a pod's
// resolv.conf, as Knative does: the kubelet writes a search line of
// "<namespace>.svc.<domain> svc.<domain> <domain>", so the domain is what
// follows "svc." in its first entry that starts so. "" when there is none.
func ClusterDomainFromResolvConf(r io.Reader) string {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || fields[0] != "search" {
			continue
		}
		for _, f := range fields[1:] {
			if d, ok := strings.CutPrefix(f, "svc."); ok && d != "" {
				return strings.TrimSuffix(d, ".")
			}
		}
	}
	return ""
}

// DetectClusterDomain is the cluster domain of the pod the controller runs
// in, from /etc/resolv.conf, else DefaultClusterDomain.
func DetectClusterDomain() string {
	f, err := os.Open("/etc/resolv.conf")
	if err != nil {
		return DefaultClusterDomain
	}
	defer f.Close()
	if d := ClusterDomainFromResolvConf(f); d != "" {
		return d
	}
	return DefaultClusterDomain
}

// serviceURL is the address of a core Service in the cluster.
func serviceURL(name, namespace, domain string) string {
	if domain == "" {
		domain = DefaultClusterDomain
	}
	return "http://" + name + "." + namespace + ".svc." + domain
}
