package source

import (
	"bytes"
	"os"
	"testing"

	"github.com/dynamodb-source/dynamodb-source/internal/filter"
)

// BenchmarkDecoder is the source's decoder on a page of 1,000 records (the
// sample page's four again and again), per data format, without and with a
// filter pattern: ns/op is the CPU per 1,000 events of reading them. With
// a pattern, the formats other than lambda render the page in Lambda's
// shape a second time, for matching.
func BenchmarkDecoder(b *testing.B) {
	text, err := os.ReadFile("../event/lambda/testdata/page.json")
	if err != nil {
		b.Fatal(err)
	}
	recs := bytes.TrimSpace(text[bytes.IndexByte(text, '[')+1 : bytes.LastIndexByte(text, ']')])
	all := bytes.Repeat(append(recs, ','), 250)
	body := append(append([]byte(`{"Records":[`), all[:len(all)-1]...), "]}"...)
	f, err := filter.Compile([]string{`{"dynamodb":{"NewImage":{"n":{"N":[{"numeric":[">",1]}]}}}}`})
	if err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{"triggermesh", "lambda", "document"} {
		for _, tc := range []struct {
			name string
			f    *filter.Filter
		}{{"nofilter", nil}, {"filter", f}} {
			b.Run(format+"/"+tc.name, func(b *testing.B) {
				decode := newDecoder(format, tc.f)
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := decode(body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
