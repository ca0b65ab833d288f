package resources

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/dynamodb-source/dynamodb-source/internal/adapterenv"
)

// ReasonAdapterEnvRefused: adapterOverrides.env sets a variable the adapter,
// the Go runtime's debugging or the AWS SDK reads, or takes a value from
// somewhere (valueFrom).
const ReasonAdapterEnvRefused = "AdapterEnvRefused"

// reservedPrefixes and reservedNames are the variables adapterOverrides.env
// may not set, besides the adapter's own (adapterenv.Names). Each is read by
// something that decides where the adapter's credentials or events go, so a
// source's author could otherwise send them elsewhere or print them:
//   - AWS_*: the AWS SDK's credentials, role, endpoints and CA bundle
//     (AWS_CA_BUNDLE, AWS_ENDPOINT_URL_*, AWS_CONTAINER_CREDENTIALS_FULL_URI
//     sends the pod's credentials requests to any host);
//   - *_PROXY, in any case: every HTTP request, to AWS and to the sink,
//     through a host of the author's choice;
//   - SSL_CERT_FILE, SSL_CERT_DIR: the roots TLS trusts, so a proxy above
//     could read the traffic;
//   - K_*: the Knative adapter contract (K_SINK, K_CA_CERTS, K_CE_OVERRIDES);
//   - GODEBUG: http2debug=2 logs every request header, Authorization
//     included, and other settings weaken TLS.
//
// GOGC and GOMEMLIMIT stay allowed: they tune the collector of the source's
// own pod only, and docs/benchmarks.md tells operators to set them there.
var (
	reservedPrefixes = []string{"AWS_", "K_", "SSL_CERT_"}
	reservedSuffixes = []string{"_PROXY"} // compared in upper case
	reservedNames    = []string{"GODEBUG"}
)

// ReservedEnv reports whether adapterOverrides.env may not set the variable
// name, and why.
func ReservedEnv(name string) (bool, string) {
	upper := strings.ToUpper(name)
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(name, p) {
			return true, p + "* is read by the AWS SDK, the adapter or TLS"
		}
	}
	for _, s := range reservedSuffixes {
		if strings.HasSuffix(upper, s) {
			return true, "*" + s + " (any case) routes the adapter's requests through a proxy"
		}
	}
	if slices.Contains(reservedNames, name) {
		return true, name + " changes how the Go runtime logs and checks TLS"
	}
	if slices.Contains(adapterenv.Names(), name) {
		return true, name + " is the adapter's own: set the spec field it comes from"
	}
	return false, ""
}

// CheckEnvOverrides refuses adapterOverrides.env entries that set a reserved
// variable (ReservedEnv) or use valueFrom: a Secret, ConfigMap or field
// reference would let a source's author read into the adapter what the
// adapter's ServiceAccount can read, or print it through a reserved name.
// Nil when there is nothing to refuse.
func CheckEnvOverrides(env []corev1.EnvVar) *Refusal {
	var problems []string
	for _, e := range env {
		if e.ValueFrom != nil {
			problems = append(problems, fmt.Sprintf("%s uses valueFrom (give a literal value)", e.Name))
			continue
		}
		if reserved, why := ReservedEnv(e.Name); reserved {
			problems = append(problems, fmt.Sprintf("%s may not be set (%s)", e.Name, why))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &Refusal{
		Reason: ReasonAdapterEnvRefused,
		Message: "spec.adapterOverrides.env: " + strings.Join(problems, "; ") +
			": remove these entries; the AWS, sink and adapter settings are spec fields (see docs/kubernetes.md)",
	}
}

// escapeEnv returns env with every literal value's "$" doubled. The kubelet
// expands $(NAME) in a variable's value from the variables before it, so a
// value with $(AWS_SECRET_ACCESS_KEY) in it (an endpoint.url, a sink URL, an
// extension attribute) would carry the secret to wherever it is sent; "$$"
// is the kubelet's escape for a literal "$".
func escapeEnv(env []corev1.EnvVar) []corev1.EnvVar {
	for i := range env {
		if env[i].ValueFrom == nil {
			env[i].Value = strings.ReplaceAll(env[i].Value, "$", "$$")
		}
	}
	return env
}
