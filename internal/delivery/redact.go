package delivery

import "regexp"

// A refusing sink's body goes into errors and logs (errorReason), and some
// sinks echo the request back: its Authorization header, the basic auth the
// sender made from the sink URL's userinfo, a key. These patterns find what
// looks like a secret there; redactBody replaces the secret, not the name,
// so the log still says what the sink complained about.
var (
	// scheme://user:password@ — the userinfo of any URL in the body.
	bodyUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/\s@"'<>]+@`)
	// A header or field whose value is a secret, as a header line
	// ("Authorization: Bearer x"), JSON ("authorization":["Bearer x"]), a
	// form or query ("api_key=x"). The value runs to the end of the line or
	// of the JSON string.
	bodySecretField = regexp.MustCompile(`(?i)((?:proxy-)?authorization|x-api-key|api[_-]?key|x-auth-token|` +
		`x-amz-security-token|(?:set-)?cookie|passwd|password|secret|access[_-]?token|refresh[_-]?token|token)` +
		`("?\s*[:=]\s*\[?\s*"?)([^"\r\n,}\]&<]+)`)
	// A credential after its scheme wherever it stands: "Bearer eyJ…".
	bodyCredential = regexp.MustCompile(`(?i)\b(bearer|basic|digest)\s+[A-Za-z0-9\-._~+/]+=*`)
)

// redactBody returns text with what looks like a secret replaced by
// "[redacted]".
func redactBody(text string) string {
	text = bodyUserinfo.ReplaceAllString(text, "${1}[redacted]@")
	text = bodySecretField.ReplaceAllString(text, "${1}${2}[redacted]")
	return bodyCredential.ReplaceAllString(text, "${1} [redacted]")
}
