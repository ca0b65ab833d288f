package filter

import (
	"encoding/json"
	"sort"
	"strings"
)

const operatorList = "prefix, suffix, equals-ignore-case, anything-but, numeric, exists, wildcard"

// operator compiles one operator object such as {"prefix": "us-"}. absent
// is true for {"exists": false}, which has no matcher.
func operator(obj map[string]any, path []string) (m matcher, absent bool, err error) {
	if len(obj) != 1 {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return matcher{}, false, failAt(path, "an operator object must have exactly one operator, it has %d (%s); put each in its own object in the array",
			len(obj), strings.Join(keys, ", "))
	}
	for name, arg := range obj {
		switch name {
		case "prefix", "suffix":
			m, err := parseAffix(name, arg, path)
			return m, false, err
		case "equals-ignore-case":
			s, ok := arg.(string)
			if !ok {
				return matcher{}, false, failAt(path, "equals-ignore-case needs a string, not a %s", typeName(arg))
			}
			return matcher{op: opEqualsFold, b: []byte(s)}, false, nil
		case "wildcard":
			m, err := parseWildcard(arg, path)
			return m, false, err
		case "anything-but":
			m, err := parseAnythingBut(arg, path)
			return m, false, err
		case "numeric":
			m, err := parseNumeric(arg, path)
			return m, false, err
		case "exists":
			b, ok := arg.(bool)
			if !ok {
				return matcher{}, false, failAt(path, "exists needs true or false, not a %s", typeName(arg))
			}
			if !b {
				return matcher{}, true, nil
			}
			return matcher{op: opPresent}, false, nil
		default:
			return matcher{}, false, failAt(path, "unknown operator %q; the operators are %s", name, operatorList)
		}
	}
	panic("unreachable")
}

// parseAffix compiles prefix or suffix: a string, or {"equals-ignore-case": string}.
func parseAffix(name string, arg any, path []string) (matcher, error) {
	s, fold := "", false
	switch a := arg.(type) {
	case string:
		s = a
	case map[string]any:
		v, ok := a["equals-ignore-case"].(string)
		if len(a) != 1 || !ok {
			return matcher{}, failAt(path, "%s needs a string or {\"equals-ignore-case\": string}", name)
		}
		s, fold = v, true
	default:
		return matcher{}, failAt(path, "%s needs a string, not a %s", name, typeName(arg))
	}
	return matcher{op: opAffix, b: []byte(s), fold: fold, suffix: name == "suffix"}, nil
}

// parseWildcard splits a glob at its stars. A backslash escapes a star or a
// backslash; two stars in a row are refused, as EventBridge does.
func parseWildcard(arg any, path []string) (matcher, error) {
	s, ok := arg.(string)
	if !ok {
		return matcher{}, failAt(path, "wildcard needs a string, not a %s", typeName(arg))
	}
	var parts [][]byte
	var cur []byte
	prevStar := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return matcher{}, failAt(path, "wildcard %q: a backslash must be followed by * or \\", s)
			}
			i++
			cur = append(cur, s[i])
			prevStar = false
		case '*':
			if prevStar {
				return matcher{}, failAt(path, "wildcard %q has consecutive *; one * already matches any run of characters", s)
			}
			parts = append(parts, cur)
			cur = nil
			prevStar = true
		default:
			cur = append(cur, c)
			prevStar = false
		}
	}
	parts = append(parts, cur)
	return matcher{op: opWildcard, parts: parts}, nil
}

// parseAnythingBut compiles anything-but: one string or number, a non-empty
// array of strings or of numbers, or one of prefix, suffix,
// equals-ignore-case and wildcard.
func parseAnythingBut(arg any, path []string) (matcher, error) {
	switch a := arg.(type) {
	case string, json.Number:
		e, _ := literal(a, path)
		return matcher{op: opAnythingBut, values: []matcher{e}}, nil
	case []any:
		if len(a) == 0 {
			return matcher{}, failAt(path, "anything-but has an empty array; list at least one value")
		}
		m := matcher{op: opAnythingBut}
		for _, v := range a {
			_, isStr := v.(string)
			_, isNum := v.(json.Number)
			if !isStr && !isNum {
				return matcher{}, failAt(path, "anything-but values must be strings or numbers, not a %s", typeName(v))
			}
			if m.values != nil && isStr != (m.values[0].kind == kindString) {
				return matcher{}, failAt(path, "anything-but values must be all strings or all numbers")
			}
			e, _ := literal(v, path)
			m.values = append(m.values, e)
		}
		return m, nil
	case map[string]any:
		if len(a) == 1 {
			for name := range a {
				switch name {
				case "prefix", "suffix", "equals-ignore-case", "wildcard":
					inner, _, err := operator(a, path)
					if err != nil {
						return matcher{}, err
					}
					return matcher{op: opAnythingBut, inner: &inner}, nil
				}
			}
		}
		return matcher{}, failAt(path, "anything-but takes one of prefix, suffix, equals-ignore-case or wildcard inside an object")
	}
	return matcher{}, failAt(path, "anything-but needs a string, a number, an array of them or an operator object, not a %s", typeName(arg))
}

// parseNumeric compiles ["=", x], one comparison, or a range of a lower
// (">", ">=") and an upper ("<", "<=") comparison.
func parseNumeric(arg any, path []string) (matcher, error) {
	const shape = `numeric needs ["=", n], [">", n] (or >=, <, <=) or a range such as [">", 0, "<=", 5]`
	a, ok := arg.([]any)
	if !ok || (len(a) != 2 && len(a) != 4) {
		return matcher{}, failAt(path, "%s", shape)
	}
	m := matcher{op: opNumeric, strings: numberTyped(path)}
	for i := 0; i < len(a); i += 2 {
		op, ok := a[i].(string)
		if !ok {
			return matcher{}, failAt(path, "numeric: %s is not a comparison; %s", jsonText(a[i]), shape)
		}
		n, ok := a[i+1].(json.Number)
		if !ok {
			return matcher{}, failAt(path, "numeric: the operand of %q must be a number, not a %s", op, typeName(a[i+1]))
		}
		d, ok := parseDecimal([]byte(n))
		if !ok {
			return matcher{}, failAt(path, "numeric: %s is not a number", n)
		}
		var side *bound
		inclusive := false
		switch op {
		case "=":
			if len(a) != 2 {
				return matcher{}, failAt(path, "numeric: \"=\" cannot be part of a range")
			}
			m.lower = bound{set: true, inclusive: true, d: d}
			m.upper = m.lower
			return m, nil
		case ">=":
			side, inclusive = &m.lower, true
		case ">":
			side = &m.lower
		case "<=":
			side, inclusive = &m.upper, true
		case "<":
			side = &m.upper
		default:
			return matcher{}, failAt(path, "numeric: unknown comparison %q; use =, <, <=, > or >=", op)
		}
		if side.set {
			return matcher{}, failAt(path, "numeric: a range needs one lower (> or >=) and one upper (< or <=) bound; %s", shape)
		}
		*side = bound{set: true, inclusive: inclusive, d: d}
	}
	if m.lower.set && m.upper.set {
		c := cmpDecimal(m.lower.d, m.upper.d)
		if c > 0 || (c == 0 && !(m.lower.inclusive && m.upper.inclusive)) {
			return matcher{}, failAt(path, "numeric: the range %s matches no number; the lower bound must be below the upper", jsonText(arg))
		}
	}
	return m, nil
}

// numberTyped reports whether the path ends in a DynamoDB number type, whose
// values are strings in the record but compared as numbers.
func numberTyped(path []string) bool {
	if len(path) == 0 {
		return false
	}
	last := path[len(path)-1]
	return last == "N" || last == "NS"
}
