package kubetest

import "strings"

// expand does to a literal env value what the kubelet does before it
// starts the container: `$(NAME)` becomes the value of NAME when NAME was
// defined earlier in the list (defined), else it stays as written; `$$`
// becomes one `$`, so `$$(NAME)` is the text `$(NAME)`; any other `$` stays.
// The controller escapes every `$` of a user's value as `$$`, so a test that
// hands AdapterEnv's result to a local adapter sees what the pod would.
func expand(s string, defined map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteByte('$')
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := defined[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
