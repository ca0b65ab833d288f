package filter

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Filter is a compiled list of patterns. It is immutable and safe for
// concurrent use. A nil *Filter, like one compiled from no patterns, matches
// every record.
type Filter struct {
	root     *node
	conds    []cond
	patterns []*expr
}

// node is one step of a path in the pattern trie shared by all patterns.
type node struct {
	children map[string]*node
	conds    []int // conditions on the leaf values at this path
}

// cond is one field of a pattern: the values of its array, ORed.
type cond struct {
	ms     []matcher
	absent bool // the array holds {"exists": false}
}

// expr is one pattern object: all its conditions and all its $or groups must
// hold (AND); a $or group holds when one of its alternatives does.
type expr struct {
	conds []int
	ors   [][]*expr
}

// Compile checks and compiles Lambda FilterCriteria patterns (each the text
// of one Filter.Pattern). An error is a *PatternError naming the pattern and
// what is wrong in it, or wraps ErrTooManyPatterns.
func Compile(patterns []string) (*Filter, error) {
	if len(patterns) > MaxPatterns {
		return nil, fmt.Errorf("%w: %d given, at most %d allowed (Lambda's quota per event source); merge some with \"$or\" or by listing more values in one array",
			ErrTooManyPatterns, len(patterns), MaxPatterns)
	}
	f := &Filter{root: &node{}}
	for i, p := range patterns {
		e, err := f.compileOne(p)
		if err != nil {
			pe := &PatternError{Index: i, Count: len(patterns), Pattern: p, Reason: err.Error()}
			var re *reasonError
			if errors.As(err, &re) {
				pe.Path, pe.Reason = re.path, re.reason
			}
			return nil, pe
		}
		f.patterns = append(f.patterns, e)
	}
	return f, nil
}

// Len is the number of patterns compiled.
func (f *Filter) Len() int {
	if f == nil {
		return 0
	}
	return len(f.patterns)
}

const exampleHint = `a pattern is a JSON object such as {"eventName": ["INSERT"]}`

func (f *Filter) compileOne(p string) (*expr, error) {
	if len(p) > MaxPatternBytes {
		return nil, fmt.Errorf("is %d bytes long; Lambda's limit is %d", len(p), MaxPatternBytes)
	}
	if strings.TrimSpace(p) == "" {
		return nil, errors.New("is empty; " + exampleHint)
	}
	dec := json.NewDecoder(strings.NewReader(p))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("is not valid JSON (%v); %s", err, exampleHint)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("is not valid JSON (text after the object); " + exampleHint)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("is a JSON %s, not an object; %s", typeName(v), exampleHint)
	}
	return f.object(obj, f.root, nil)
}

func (f *Filter) object(obj map[string]any, n *node, path []string) (*expr, error) {
	if len(obj) == 0 {
		if len(path) == 0 {
			return nil, errors.New("has no fields; to send every change give no pattern at all")
		}
		return nil, failAt(path, "the object has no fields; give a field with an array of values, or remove it")
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e := &expr{}
	for _, k := range keys {
		if k == "$or" {
			group, err := f.or(obj[k], n, path)
			if err != nil {
				return nil, err
			}
			e.ors = append(e.ors, group)
			continue
		}
		child := n.child(k)
		at := append(path[:len(path):len(path)], k)
		switch v := obj[k].(type) {
		case map[string]any:
			sub, err := f.object(v, child, at)
			if err != nil {
				return nil, err
			}
			e.conds = append(e.conds, sub.conds...)
			e.ors = append(e.ors, sub.ors...)
		case []any:
			c, err := values(v, at)
			if err != nil {
				return nil, err
			}
			f.conds = append(f.conds, c)
			id := len(f.conds) - 1
			child.conds = append(child.conds, id)
			e.conds = append(e.conds, id)
		default:
			return nil, failAt(at, "the value is a %s; it must be an array of values to match (e.g. [%s]) or an object of nested fields", typeName(v), jsonText(v))
		}
	}
	return e, nil
}

func (f *Filter) or(v any, n *node, path []string) ([]*expr, error) {
	at := append(path[:len(path):len(path)], "$or")
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, failAt(at, "$or needs a non-empty array of pattern objects, e.g. [{\"a\": [1]}, {\"b\": [2]}]")
	}
	group := make([]*expr, 0, len(arr))
	for _, alt := range arr {
		obj, ok := alt.(map[string]any)
		if !ok {
			return nil, failAt(at, "each $or alternative must be a pattern object, not a %s", typeName(alt))
		}
		e, err := f.object(obj, n, path)
		if err != nil {
			return nil, err
		}
		group = append(group, e)
	}
	return group, nil
}

func (n *node) child(k string) *node {
	if n.children == nil {
		n.children = map[string]*node{}
	}
	c, ok := n.children[k]
	if !ok {
		c = &node{}
		n.children[k] = c
	}
	return c
}

// values compiles a pattern's leaf array: its values are ORed.
func values(arr []any, path []string) (cond, error) {
	if len(arr) == 0 {
		return cond{}, failAt(path, "the array is empty; list at least one value to match")
	}
	var c cond
	for _, v := range arr {
		switch v := v.(type) {
		case map[string]any:
			m, absent, err := operator(v, path)
			if err != nil {
				return cond{}, err
			}
			if absent {
				c.absent = true
				continue
			}
			c.ms = append(c.ms, m)
		case []any:
			return cond{}, failAt(path, "a value to match is an array; nest no arrays, list the values in the one array")
		default:
			m, err := literal(v, path)
			if err != nil {
				return cond{}, err
			}
			c.ms = append(c.ms, m)
		}
	}
	return c, nil
}

func literal(v any, path []string) (matcher, error) {
	switch v := v.(type) {
	case string:
		return matcher{op: opExact, kind: kindString, b: []byte(v)}, nil
	case json.Number:
		return matcher{op: opExact, kind: kindNumber, b: []byte(v)}, nil
	case bool:
		if v {
			return matcher{op: opExact, kind: kindTrue}, nil
		}
		return matcher{op: opExact, kind: kindFalse}, nil
	case nil:
		return matcher{op: opExact, kind: kindNull}, nil
	}
	return matcher{}, failAt(path, "a value to match is a %s", typeName(v))
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// jsonText shows a pattern value in an error, cut short when long.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "…"
	}
	if len(b) > 40 {
		n := 37
		for n > 0 && !utf8Boundary(string(b), n) {
			n--
		}
		return string(b[:n]) + "…"
	}
	return string(b)
}
