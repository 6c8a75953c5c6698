package oracle

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// decimal is a number as significant digits and a power of ten:
// (-1)^neg × digits × 10^exp. digits has no leading or trailing zeros and
// is empty for zero.
type decimal struct {
	neg    bool
	digits string
	exp    int
}

// parseDecimal reads a decimal number: an optional minus sign, digits with
// an optional point (".5" and "5." too), and, when allowExp is set, an
// exponent ("1.5E-130", "1e+21"). Anything else is an error.
func parseDecimal(s string, allowExp bool) (decimal, error) {
	var d decimal
	orig := s
	if strings.HasPrefix(s, "-") {
		d.neg, s = true, s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if !allowExp {
			return d, fmt.Errorf("%q is in exponent notation, not plain decimal notation", orig)
		}
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || s[i+1:] == "" || e > 1_000_000 || e < -1_000_000 {
			return d, fmt.Errorf("%q is not a number", orig)
		}
		exp, s = e, s[:i]
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) || (hasPoint && strings.Contains(frac, ".")) {
		return d, fmt.Errorf("%q is not a number", orig)
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	exp -= len(frac)
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	d.digits, d.exp = trimmed, exp
	if d.digits == "" {
		d.neg, d.exp = false, 0
	}
	return d, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isZero reports whether d is zero.
func (d decimal) isZero() bool { return d.digits == "" }

// scale is the number of digits after the point in d's shortest plain form.
func (d decimal) scale() int { return max(0, -d.exp) }

// intDigits is the number of digits before the point.
func (d decimal) intDigits() int { return max(0, len(d.digits)+d.exp) }

// leading is the power of ten of d's first significant digit.
func (d decimal) leading() int { return len(d.digits) - 1 + d.exp }

// plain writes d in plain decimal notation with at least minScale digits
// after the point: "1.5", "-0.001", "100", "1.50" (minScale 2).
func (d decimal) plain(minScale int) string {
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	digits, exp := d.digits, d.exp
	if digits == "" {
		digits = "0"
	}
	if exp >= 0 {
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", exp))
		if minScale > 0 {
			b.WriteByte('.')
			b.WriteString(strings.Repeat("0", minScale))
		}
		return b.String()
	}
	frac := -exp
	if len(digits) > frac {
		b.WriteString(digits[:len(digits)-frac])
		b.WriteByte('.')
		b.WriteString(digits[len(digits)-frac:])
	} else {
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", frac-len(digits)))
		b.WriteString(digits)
	}
	if minScale > frac {
		b.WriteString(strings.Repeat("0", minScale-frac))
	}
	return b.String()
}

// NUMBER's range: 1.0e-130 up to but not including 1.0e126, at most 38
// significant digits guaranteed (SQL Language Reference, "NUMBER Data Type").
const (
	numberMinLeading = -130
	numberMaxLeading = 125
	numberMaxDigits  = 38
)

// numberFromImage turns the trigger's TO_CHAR(x, 'TM9') text into the
// neutral decimal form: plain notation, with the column's scale kept
// ("1.50" for NUMBER(12,2)), since Oracle does not store trailing zeros.
// TM9 writes ".5" for 0.5 and switches to "1.5E-100" beyond 64
// characters; '~' and '-~' are NUMBER's infinities.
func numberFromImage(s string, t oraType) (string, error) {
	switch s {
	case "~":
		return "Infinity", nil
	case "-~":
		return "-Infinity", nil
	}
	d, err := parseDecimal(s, true)
	if err != nil {
		return "", err
	}
	minScale := 0
	if t.Base == "NUMBER" && t.HasScale && t.Scale > 0 {
		minScale = t.Scale
	}
	return d.plain(minScale), nil
}

// errNotExact marks values a target column cannot hold exactly.
var errNotExact = errors.New("the target column cannot hold the value exactly")

// numberBind checks that d fits a NUMBER or FLOAT column exactly and
// returns the plain decimal text Ferry binds for it (converted by
// TO_NUMBER in the statement, under the session's pinned
// NLS_NUMERIC_CHARACTERS '.,'). Oracle rounds a value with more fractional
// digits than the scale, or more digits than a FLOAT holds, without any
// error; Ferry refuses instead.
func numberBind(d decimal, t oraType) (string, error) {
	if d.isZero() {
		return "0", nil
	}
	if d.leading() > numberMaxLeading {
		return "", fmt.Errorf("%s is too large for NUMBER (at most 10^126 exclusive): %w", d.plain(0), errNotExact)
	}
	if d.leading() < numberMinLeading {
		return "", fmt.Errorf("%s is too small for NUMBER (at least 1e-130 in magnitude, or zero): %w", d.plain(0), errNotExact)
	}
	if len(d.digits) > numberMaxDigits {
		return "", fmt.Errorf("%s has %d significant digits; NUMBER holds %d: %w", d.plain(0), len(d.digits), numberMaxDigits, errNotExact)
	}
	switch t.Base {
	case "FLOAT":
		// FLOAT(b) keeps ceil(b × log10 2) significant digits (SQL Language
		// Reference, "FLOAT Data Type": FLOAT(5) stores 123.45 as 120).
		keep := (t.Precision*30103 + 99999) / 100000
		if len(d.digits) > keep {
			return "", fmt.Errorf("%s has %d significant digits; %s keeps %d: %w", d.plain(0), len(d.digits), t.text(), keep, errNotExact)
		}
	case "NUMBER":
		if t.HasScale && (t.Scale >= 0 && d.scale() > t.Scale || t.Scale < 0 && d.exp < -t.Scale) {
			return "", fmt.Errorf("%s has more fractional digits than %s keeps (scale %d): %w", d.plain(0), t.text(), t.Scale, errNotExact)
		}
		p := t.Precision
		if p == 0 && t.HasScale {
			p = numberMaxDigits
		}
		if p > 0 && d.intDigits() > p-t.Scale {
			return "", fmt.Errorf("%s has %d integer digits; %s allows %d: %w", d.plain(0), d.intDigits(), t.text(), p-t.Scale, errNotExact)
		}
	}
	return d.plain(0), nil
}

// text prints t back, for messages.
func (t oraType) text() string {
	switch t.Base {
	case "NUMBER":
		switch {
		case !t.HasScale:
			return "NUMBER"
		case t.Precision == 0:
			return fmt.Sprintf("NUMBER(*,%d)", t.Scale)
		case t.Scale == 0:
			return fmt.Sprintf("NUMBER(%d)", t.Precision)
		}
		return fmt.Sprintf("NUMBER(%d,%d)", t.Precision, t.Scale)
	case "FLOAT":
		return fmt.Sprintf("FLOAT(%d)", t.Precision)
	}
	return t.Base
}
