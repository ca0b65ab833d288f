package filter

import "testing"

func TestCmpDecimal(t *testing.T) {
	cases := []struct {
		name string
		a, b string
		want int
	}{
		{"same integer", "300", "300", 0},
		{"trailing fraction zeros are the same number", "300", "300.000", 0},
		{"exponent form is the same number", "3.0e2", "300", 0},
		{"negative exponent", "1E-2", "0.01", 0},
		{"leading zeros ignored", "007", "7", 0},
		{"zero signs are equal", "-0", "0.0", 0},
		{"larger magnitude", "1000", "999.999", 1},
		{"negative below positive", "-1", "0.5", -1},
		{"more negative is smaller", "-10", "-9", -1},
		{"fraction digits", "0.12", "0.119", 1},
		{"38 digits differ in the last", "12345678901234567890123456789012345678", "12345678901234567890123456789012345679", -1},
		{"tiny against zero", "1e-130", "0", 1},
		{"huge exponents are clamped, not overflowed", "1e99999999999999999999", "1e999", 1},
		{"plus sign accepted", "+5", "5", 0},
		{"leading dot", ".5", "0.5", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, okA := parseDecimal([]byte(tc.a))
			b, okB := parseDecimal([]byte(tc.b))
			if !okA || !okB {
				t.Fatalf("parseDecimal(%q)=%v, (%q)=%v", tc.a, okA, tc.b, okB)
			}
			if got := cmpDecimal(a, b); got != tc.want {
				t.Errorf("cmp(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
			if got := cmpDecimal(b, a); got != -tc.want {
				t.Errorf("cmp(%s, %s) = %d, want %d", tc.b, tc.a, got, -tc.want)
			}
		})
	}
}

func TestParseDecimalRejectsNonNumbers(t *testing.T) {
	for _, s := range []string{"", "-", ".", "1e", "1e+", "abc", "1.2.3", "0x10", "1 ", "NaN", "Infinity"} {
		if _, ok := parseDecimal([]byte(s)); ok {
			t.Errorf("parseDecimal(%q) accepted a non-number", s)
		}
	}
}
