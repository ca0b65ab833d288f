package filter

import (
	"strings"
	"testing"
)

// matchCase is one documented behaviour: a pattern, a record, and whether
// Lambda would send the record.
type matchCase struct {
	name    string
	pattern string
	record  string
	want    bool
}

func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Compile([]string{tc.pattern})
			if err != nil {
				t.Fatalf("Compile(%s): %v", tc.pattern, err)
			}
			if got := f.Match([]byte(tc.record)); got != tc.want {
				t.Errorf("Match = %v, want %v\npattern: %s\nrecord:  %s", got, tc.want, tc.pattern, tc.record)
			}
		})
	}
}

// newImage is a Lambda-shaped MODIFY record whose NewImage holds attrs (the
// DynamoDB JSON of its attributes, without braces).
func newImage(attrs string) string {
	return `{"eventID":"1","eventName":"MODIFY","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"eu-west-1",` +
		`"dynamodb":{"ApproximateCreationDateTime":1678831218,"Keys":{"CustomerName":{"S":"AnyCompany Industries"}},` +
		`"NewImage":{` + attrs + `},"SequenceNumber":"111","SizeBytes":26,"StreamViewType":"NEW_IMAGE"}}`
}

// top is a record with one top-level field added to an otherwise minimal record.
func top(field string) string {
	return `{"eventSource":"aws:dynamodb",` + field + `}`
}

// newImagePattern wraps a leaf rule for NewImage.<attr>.<type>.
func newImagePattern(attr, typ, rule string) string {
	return `{"dynamodb":{"NewImage":{"` + attr + `":{"` + typ + `":` + rule + `}}}}`
}

func mustCompile(t testing.TB, patterns ...string) *Filter {
	t.Helper()
	f, err := Compile(patterns)
	if err != nil {
		t.Fatalf("Compile(%s): %v", strings.Join(patterns, ", "), err)
	}
	return f
}
