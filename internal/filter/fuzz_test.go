package filter

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
)

// FuzzCompileAndMatch checks that no pattern and no record make Compile or
// Match panic, that a refused pattern is refused with a *PatternError, and
// that a match survives what must not change it: the record gaining a field
// no pattern names, and the record re-indented.
func FuzzCompileAndMatch(f *testing.F) {
	for _, s := range [][2]string{
		{`{"eventName":["INSERT"]}`, top(`"eventName":"INSERT"`)},
		{newImagePattern("qty", "N", `[{"numeric":[">",0,"<=",5]}]`), newImage(`"qty":{"N":"3"}`)},
		{newImagePattern("OrderNumber", "S", `[{"exists":false}]`), `{}`},
		{`{"$or":[{"a":[{"prefix":"x"}]},{"b":[{"anything-but":{"suffix":"y"}}]}]}`, top(`"a":["xa",{"b":"q"}]`)},
		{`{"a":[{"wildcard":"*\\**"},{"equals-ignore-case":"ÉTÉ"},null,""]}`, top(`"a":"\u00e9t\u00e9"`)},
		{`{"a":{"b":[{"anything-but":[1,2]}]}}`, `{"a":[{"b":3.0e2},[[{"b":"s"}]]]}`},
		{`{"k\u00e9y":["<\ud83d\ude00>"]}`, `{"kéy":"\u003c😀\u003e","x":{"y":[1,{"z":"\\\""}]}}`},
	} {
		f.Add(s[0], []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, pattern string, record []byte) {
		flt, err := Compile([]string{pattern})
		if err != nil {
			var pe *PatternError
			if !errors.As(err, &pe) || pe.Pattern != pattern {
				t.Fatalf("Compile(%q) error %v is not a *PatternError quoting the pattern", pattern, err)
			}
			return
		}
		checkAgainstTree(t, flt, record)
		if !flt.Match(record) {
			return
		}
		if wider := withUnrelatedField(flt, record); !flt.Match(wider) {
			t.Fatalf("pattern %s matches %s but not, with an unrelated field, %s", pattern, record, wider)
		}
		var indented bytes.Buffer
		if json.Indent(&indented, record, "", "\t") == nil && !flt.Match(indented.Bytes()) {
			t.Fatalf("pattern %s matches %s but not the same record indented", pattern, record)
		}
	})
}

// withUnrelatedField adds, as the record's first field, one whose name no
// pattern uses and whose value nests every JSON type.
func withUnrelatedField(f *Filter, record []byte) []byte {
	name := "unrelated"
	for i := 0; f.root.children[name] != nil; i++ {
		name = "unrelated" + strconv.Itoa(i)
	}
	open := bytes.IndexByte(record, '{')
	rest := bytes.TrimLeft(record[open+1:], " \t\r\n")
	field := `"` + name + `":{"N":"5","a":[1,-2.5e3,"s\"}",true,false,null,{"b":[]}]}`
	if len(rest) == 0 || rest[0] != '}' {
		field += ","
	}
	out := append([]byte{}, record[:open+1]...)
	out = append(out, field...)
	return append(out, rest...)
}

// checkAgainstTree decides the record a second way — decoded by
// encoding/json and walked as a tree — and fails when Match, given the same
// record re-encoded by encoding/json, decides otherwise. It checks the byte
// scanner (strings, escapes, numbers, arrays, skipping) against the standard
// decoder; the operators themselves are checked by the table tests.
func checkAgainstTree(t *testing.T, f *Filter, record []byte) {
	dec := json.NewDecoder(bytes.NewReader(record))
	dec.UseNumber()
	var tree any
	if dec.Decode(&tree) != nil || dec.More() {
		return
	}
	obj, ok := tree.(map[string]any)
	if !ok || depth(obj) > maxDepth/2 {
		return
	}
	canonical, err := json.Marshal(obj)
	if err != nil {
		return
	}
	words := (len(f.conds) + 63) / 64
	ref := scanner{f: f, seen: make([]uint64, words), hit: make([]uint64, words)}
	ref.walk(f.root, obj)
	want := false
	for _, e := range f.patterns {
		want = want || ref.eval(e)
	}
	if got := f.Match(canonical); got != want {
		t.Fatalf("Match(%s) = %v, the decoded tree says %v", canonical, got, want)
	}
}

// walk visits the leaves of a decoded value at the path of n, as Match does.
func (s *scanner) walk(n *node, v any) {
	switch v := v.(type) {
	case map[string]any:
		s.mark(n)
		for k, child := range v {
			if c := n.children[k]; c != nil {
				s.walk(c, child)
			}
		}
	case []any:
		for _, e := range v {
			s.walk(n, e)
		}
	case string:
		s.visit(n, &leaf{kind: kindString, b: []byte(v)})
	case json.Number:
		s.visit(n, &leaf{kind: kindNumber, b: []byte(v)})
	case bool:
		if v {
			s.visit(n, &leaf{kind: kindTrue})
		} else {
			s.visit(n, &leaf{kind: kindFalse})
		}
	case nil:
		s.visit(n, &leaf{kind: kindNull})
	}
}

func depth(v any) int {
	d := 0
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			d = max(d, depth(e))
		}
	case []any:
		for _, e := range v {
			d = max(d, depth(e))
		}
	default:
		return 0
	}
	return d + 1
}
