package v1json

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the current output")

// TestGoldenEvents pins the whole event as consumers see it in structured
// mode, for every stream view type and operation: a diff in testdata/ is a
// contract change that a reviewer has to accept. The files are indented for
// review; the data itself is compact on the wire, which is checked here too.
func TestGoldenEvents(t *testing.T) {
	type tc struct {
		name string
		rec  types.Record
	}
	var cases []tc
	for _, view := range streamViewTypes {
		for _, op := range operations {
			cases = append(cases, tc{string(view) + "_" + string(op), testRecord(view, op)})
		}
	}
	cases = append(cases, tc{"NEW_AND_OLD_IMAGES_REMOVE_by_TTL", ttlRecord()})

	c := testConverter(t, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := convertRecord(c, tc.rec)
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			if err := e.Validate(); err != nil {
				t.Fatalf("Convert produced an invalid CloudEvent: %v", err)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, e.DataEncoded); err != nil || !bytes.Equal(compact.Bytes(), e.DataEncoded) {
				t.Errorf("data is not compact JSON (err %v)", err)
			}

			structured, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := json.Indent(&got, structured, "", "  "); err != nil {
				t.Fatal(err)
			}
			got.WriteByte('\n')

			path := filepath.Join("testdata", tc.name+".json")
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/event/v1json -run TestGoldenEvents -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("event differs from %s (if intended, rerun with -update and review the diff):\n%s",
					path, lineDiff(string(want), got.String()))
			}
		})
	}
}

// lineDiff lists the first differing lines, enough to see what changed.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out strings.Builder
	for i, shown := 0, 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&out, "line %d:\n- %s\n+ %s\n", i+1, wl, gl)
			shown++
		}
	}
	return out.String()
}
