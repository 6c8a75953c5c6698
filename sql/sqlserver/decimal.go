package sqlserver

import (
	"fmt"
	"strconv"
	"strings"
)

// number is an exact decimal number held as its digits, never as a float:
// what decimal, numeric and money values are, and what a JSON number says.
type number struct {
	Neg  bool
	Int  string // integer digits without leading zeros; "" for zero
	Frac string // fractional digits as written, trailing zeros kept
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseNumber reads a number in JSON's grammar, with an exponent or not
// ("1.50", "-0.001", "1e-05", "12E+3"), exactly. A plain decimal keeps its
// fractional digits as written, so "1.50" keeps its scale of 2.
func parseNumber(s string) (number, error) {
	var n number
	t := s
	if strings.HasPrefix(t, "-") {
		n.Neg, t = true, t[1:]
	}
	mant, exp, hasExp := strings.Cut(t, "e")
	if !hasExp {
		mant, exp, hasExp = strings.Cut(t, "E")
	}
	ip, fp, hasDot := strings.Cut(mant, ".")
	if ip == "" && hasDot { // ".5", as some tools print
		ip = "0"
	}
	if ip == "" || !allDigits(ip) || !allDigits(fp) || (hasDot && fp == "") {
		return n, fmt.Errorf("%q is not a decimal number", s)
	}
	n.Int, n.Frac = strings.TrimLeft(ip, "0"), fp
	if hasExp {
		e, err := strconv.Atoi(strings.TrimPrefix(exp, "+"))
		if err != nil || exp == "" || len(exp) > 6 {
			return n, fmt.Errorf("%q is not a decimal number", s)
		}
		n = n.shift(e)
	}
	if n.Int == "" && strings.Trim(n.Frac, "0") == "" {
		n.Neg = false // -0 and -0.00 are zero
	}
	return n, nil
}

// shift multiplies by 10^e, moving the point; digits are kept exactly.
func (n number) shift(e int) number {
	all := n.Int + n.Frac
	point := len(n.Int) + e
	switch {
	case point <= 0:
		all = strings.Repeat("0", -point) + all
		point = 0
	case point > len(all):
		all += strings.Repeat("0", point-len(all))
	}
	out := number{Neg: n.Neg, Int: strings.TrimLeft(all[:point], "0"), Frac: all[point:]}
	return out
}

// String is plain decimal notation: "-0.001", "12", "1.50".
func (n number) String() string {
	ip := n.Int
	if ip == "" {
		ip = "0"
	}
	s := ip
	if n.Frac != "" {
		s += "." + n.Frac
	}
	if n.Neg {
		s = "-" + s
	}
	return s
}

// scale is the number of fractional digits that matter (trailing zeros do not).
func (n number) scale() int { return len(strings.TrimRight(n.Frac, "0")) }

// withScale pads or trims trailing zeros to exactly s fractional digits;
// the caller has checked that no non-zero digit is dropped.
func (n number) withScale(s int) number {
	f := strings.TrimRight(n.Frac, "0")
	if len(f) < s {
		f += strings.Repeat("0", s-len(f))
	}
	n.Frac = f
	return n
}

// fits reports whether n is exactly a value of decimal(precision, scale).
func (n number) fits(precision, scale int) error {
	if s := n.scale(); s > scale {
		return fmt.Errorf("%s has %d fractional digits, more than the scale %d: SQL Server would round it", n, s, scale)
	}
	if len(n.Int) > precision-scale {
		return fmt.Errorf("%s has %d integer digits, more than decimal(%d,%d) holds", n, len(n.Int), precision, scale)
	}
	return nil
}
