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
