package filter

// decimal is a view of a decimal number written in text (a JSON number or a
// DynamoDB N). It compares exactly at any length, so DynamoDB's 38-digit
// numbers are not rounded through float64, and it points into the text it
// was parsed from, so parsing a record's number allocates nothing.
//
// The value is 0.D × 10^point, where D is the concatenation of hi and lo with
// no leading and no trailing zeros, n digits long (n == 0 means zero).
type decimal struct {
	neg   bool
	hi    []byte
	lo    []byte
	n     int
	point int64
}

// maxExponent bounds a written exponent so that arithmetic on it cannot
// overflow; numbers beyond it compare as if written with it.
const maxExponent = 1 << 40

func (d decimal) digit(i int) byte {
	if i < len(d.hi) {
		return d.hi[i]
	}
	return d.lo[i-len(d.hi)]
}

// parseDecimal reads s as [+-]digits[.digits][(e|E)[+-]digits] (a leading or
// trailing "." is accepted, as in DynamoDB's number input). It reports false
// when s is not a number.
func parseDecimal(s []byte) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		d.neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[start:i]
	var frac []byte
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		frac = s[fs:i]
	}
	if len(intPart) == 0 && len(frac) == 0 {
		return decimal{}, false
	}
	var exp int64
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			eneg = s[i] == '-'
			i++
		}
		es := i
		for i < len(s) && isDigit(s[i]) {
			if exp < maxExponent {
				exp = exp*10 + int64(s[i]-'0')
			}
			i++
		}
		if i == es {
			return decimal{}, false
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return decimal{}, false
	}
	for len(intPart) > 0 && intPart[0] == '0' {
		intPart = intPart[1:]
	}
	if len(intPart) > 0 {
		d.hi, d.lo = intPart, frac
		d.point = int64(len(intPart)) + exp
	} else {
		z := 0
		for z < len(frac) && frac[z] == '0' {
			z++
		}
		d.hi = frac[z:]
		d.point = exp - int64(z)
	}
	d.n = len(d.hi) + len(d.lo)
	for d.n > 0 && d.digit(d.n-1) == '0' {
		d.n--
	}
	if d.n == 0 {
		d.neg = false
	}
	return d, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// cmpDecimal returns -1, 0 or +1 as a is less than, equal to or greater than b.
func cmpDecimal(a, b decimal) int {
	switch {
	case a.n == 0 && b.n == 0:
		return 0
	case a.n == 0:
		return neg(b.neg)
	case b.n == 0:
		return -neg(a.neg)
	case a.neg != b.neg:
		return -neg(a.neg)
	}
	m := cmpMagnitude(a, b)
	if a.neg {
		return -m
	}
	return m
}

// neg is +1 for a negative number and -1 for a positive one: the sign of
// "0 compared with it".
func neg(isNeg bool) int {
	if isNeg {
		return 1
	}
	return -1
}

func cmpMagnitude(a, b decimal) int {
	if a.point != b.point {
		if a.point < b.point {
			return -1
		}
		return 1
	}
	for i := 0; i < a.n && i < b.n; i++ {
		if x, y := a.digit(i), b.digit(i); x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	switch {
	case a.n < b.n:
		return -1
	case a.n > b.n:
		return 1
	}
	return 0
}
