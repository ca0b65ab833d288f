package filter

import (
	"errors"
	"strings"
	"testing"
)

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		name    string
		pattern string
		path    string   // want PatternError.Path
		want    []string // substrings of the message
	}{
		{"not JSON", `{"eventName": [INSERT]}`, "", []string{"is not valid JSON", "invalid character"}},
		{"text after the object", `{"a":["x"]} {}`, "", []string{"is not valid JSON (text after the object)"}},
		{"empty text", `  `, "", []string{"is empty"}},
		{"not an object", `["INSERT"]`, "", []string{"is a JSON array, not an object"}},
		{"object without fields", `{}`, "", []string{"has no fields", "give no pattern"}},
		{"nested object without fields", `{"dynamodb":{}}`, "dynamodb", []string{"has no fields"}},
		{"scalar instead of an array", `{"eventName":"INSERT"}`, "eventName", []string{"is a string", `e.g. ["INSERT"]`}},
		{"empty array", `{"eventName":[]}`, "eventName", []string{"the array is empty"}},
		{"nested array", `{"a":[["x"]]}`, "a", []string{"nest no arrays"}},
		{"unknown operator", `{"a":[{"begins-with":"x"}]}`, "a", []string{`unknown operator "begins-with"`, "prefix, suffix"}},
		{"two operators in one object", `{"a":[{"prefix":"x","suffix":"y"}]}`, "a", []string{"exactly one operator", "prefix, suffix"}},
		{"prefix operand not a string", `{"a":[{"prefix":1}]}`, "a", []string{"prefix needs a string, not a number"}},
		{"prefix with a bad object", `{"a":[{"prefix":{"x":"y"}}]}`, "a", []string{`{"equals-ignore-case": string}`}},
		{"suffix operand not a string", `{"a":[{"suffix":null}]}`, "a", []string{"suffix needs a string, not a null"}},
		{"equals-ignore-case operand not a string", `{"a":[{"equals-ignore-case":["x"]}]}`, "a", []string{"equals-ignore-case needs a string, not a array"}},
		{"exists operand not a boolean", `{"a":[{"exists":"true"}]}`, "a", []string{"exists needs true or false, not a string"}},
		{"wildcard operand not a string", `{"a":[{"wildcard":1}]}`, "a", []string{"wildcard needs a string"}},
		{"wildcard with consecutive stars", `{"a":[{"wildcard":"a**b"}]}`, "a", []string{"consecutive *"}},
		{"wildcard with a dangling backslash", `{"a":[{"wildcard":"a\\"}]}`, "a", []string{"backslash must be followed"}},
		{"anything-but empty array", `{"a":[{"anything-but":[]}]}`, "a", []string{"anything-but has an empty array"}},
		{"anything-but mixed types", `{"a":[{"anything-but":["x",1]}]}`, "a", []string{"all strings or all numbers"}},
		{"anything-but mixed types numbers first", `{"a":[{"anything-but":[1,"x"]}]}`, "a", []string{"all strings or all numbers"}},
		{"anything-but boolean", `{"a":[{"anything-but":true}]}`, "a", []string{"anything-but needs a string, a number"}},
		{"anything-but unknown inner operator", `{"a":[{"anything-but":{"numeric":[">",1]}}]}`, "a", []string{"anything-but takes one of prefix"}},
		{"anything-but inner operand wrong", `{"a":[{"anything-but":{"prefix":1}}]}`, "a", []string{"prefix needs a string"}},
		{"numeric not an array", `{"a":[{"numeric":5}]}`, "a", []string{`numeric needs ["=", n]`}},
		{"numeric odd length", `{"a":[{"numeric":[">",1,"<"]}]}`, "a", []string{`numeric needs ["=", n]`}},
		{"numeric operand a string", `{"a":[{"numeric":[">","5"]}]}`, "a", []string{`the operand of ">" must be a number, not a string`}},
		{"numeric unknown comparison", `{"a":[{"numeric":["!=",5]}]}`, "a", []string{`unknown comparison "!="`}},
		{"numeric comparison not a string", `{"a":[{"numeric":[5,5]}]}`, "a", []string{"5 is not a comparison"}},
		{"numeric two lower bounds", `{"a":[{"numeric":[">",1,">=",2]}]}`, "a", []string{"one lower"}},
		{"numeric equals in a range", `{"a":[{"numeric":["=",1,"<",2]}]}`, "a", []string{`"=" cannot be part of a range`}},
		{"numeric empty range", `{"a":[{"numeric":[">",5,"<",1]}]}`, "a", []string{"matches no number"}},
		{"numeric empty point range", `{"a":[{"numeric":[">",5,"<=",5]}]}`, "a", []string{"matches no number"}},
		{"$or not an array", `{"$or":{"a":["x"]}}`, "$or", []string{"$or needs a non-empty array"}},
		{"$or empty", `{"$or":[]}`, "$or", []string{"$or needs a non-empty array"}},
		{"$or alternative not an object", `{"$or":["x"]}`, "$or", []string{"must be a pattern object, not a string"}},
		{"error deep in a $or names its path", `{"dynamodb":{"$or":[{"NewImage":{"p":{"N":[{"numeric":[">"]}]}}}]}}`,
			"dynamodb.NewImage.p.N", []string{"numeric needs"}},
		{"too long", `{"a":["` + strings.Repeat("x", MaxPatternBytes) + `"]}`, "", []string{"bytes long; Lambda's limit is 4096"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile([]string{`{"eventName":["INSERT"]}`, tc.pattern})
			var pe *PatternError
			if !errors.As(err, &pe) {
				t.Fatalf("Compile error = %v, want a *PatternError", err)
			}
			if pe.Index != 1 || pe.Count != 2 || pe.Pattern != tc.pattern || pe.Path != tc.path {
				t.Errorf("PatternError{Index:%d Count:%d Path:%q}, want {1 2 %q}", pe.Index, pe.Count, pe.Path, tc.path)
			}
			msg := err.Error()
			want := append([]string{"filter pattern 2 of 2 "}, tc.want...)
			if len(tc.pattern) < quoteLimit && strings.TrimSpace(tc.pattern) != "" {
				want = append(want, "`"+tc.pattern+"`") // quoted as given
			}
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestCompileErrorQuotesMultilinePatternAsGoString(t *testing.T) {
	p := "{\n  \"a\": 1\n}"
	_, err := Compile([]string{p})
	if err == nil || !strings.Contains(err.Error(), `"{\n  \"a\": 1\n}"`) {
		t.Fatalf("error = %v, want the pattern Go-quoted", err)
	}
}

func TestCompileErrorCutsLongPattern(t *testing.T) {
	p := `{"a":"` + strings.Repeat("é", 300) + `"}`
	_, err := Compile([]string{p})
	if err == nil || !strings.Contains(err.Error(), "…`") || strings.Contains(err.Error(), strings.Repeat("é", 150)) {
		t.Fatalf("error = %v, want the pattern cut at %d bytes on a rune boundary", err, quoteLimit)
	}
}

func TestCompileAtMostTenPatterns(t *testing.T) {
	ten := make([]string, MaxPatterns)
	for i := range ten {
		ten[i] = `{"eventName":["INSERT"]}`
	}
	if _, err := Compile(ten); err != nil {
		t.Fatalf("Compile(10 patterns): %v", err)
	}
	_, err := Compile(append(ten, `{"eventName":["REMOVE"]}`))
	if !errors.Is(err, ErrTooManyPatterns) || !strings.Contains(err.Error(), "11 given, at most 10") {
		t.Fatalf("Compile(11 patterns) error = %v, want ErrTooManyPatterns saying 11 given, at most 10", err)
	}
}

func TestCompileAcceptsLambdaDocumentedPatterns(t *testing.T) {
	for _, p := range []string{
		`{"dynamodb":{"Keys":{"CustomerName":{"S":["AnyCompany Industries"]}}}}`,
		`{"dynamodb":{"NewImage":{"AccountManager":{"S":["Pat Candella"]}}}}`,
		`{"dynamodb":{"NewImage":{"AccountManager":{"S":["Pat Candella"]},"PaymentTerms":{"S":["60 days"]}}}}`,
		`{"dynamodb":{"NewImage":{"OrderNumber":{"S":[{"exists":false}]}}}}`,
		`{"data":{"Temperature":[{"numeric":[">",50,"<=",60]}]}}`,
		`{"Region":[{"prefix":"us-"}],"Weather":[{"anything-but":["Raining"]}],"UserID":[null],"LastName":[""]}`,
		`{"eventName":["INSERT","MODIFY"],"dynamodb":{"NewImage":{"id":{"BOOL":[true]}}}}`,
	} {
		if _, err := Compile([]string{p}); err != nil {
			t.Errorf("Compile(%s): %v", p, err)
		}
	}
}
