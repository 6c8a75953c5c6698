package oracle

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// duration is an ISO 8601 duration as PostgreSQL's intervalstyle iso_8601
// writes it: "P1Y2M3DT4H5M6.5S", each component optional and signed.
type duration struct {
	years, months, days, hours, minutes int64
	seconds                             decimal
}

// parseDuration reads "P[nY][nM][nW][nD][T[nH][nM][n.nS]]" with signed
// components, and Oracle's whole-sign form "-P...".
func parseDuration(s string) (duration, error) {
	var d duration
	orig := s
	negAll := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if !strings.HasPrefix(s, "P") || len(s) < 2 {
		return d, fmt.Errorf("%q is not an ISO 8601 duration", orig)
	}
	s = s[1:]
	inTime := false
	seen := map[string]bool{}
	for s != "" {
		if s[0] == 'T' {
			if inTime {
				return d, fmt.Errorf("%q is not an ISO 8601 duration", orig)
			}
			inTime, s = true, s[1:]
			continue
		}
		i := strings.IndexAny(s, "YMWDHS")
		if i <= 0 {
			return d, fmt.Errorf("%q is not an ISO 8601 duration", orig)
		}
		num, unit := s[:i], string(s[i])
		s = s[i+1:]
		key := unit
		if inTime {
			key = "T" + unit
		}
		if seen[key] {
			return d, fmt.Errorf("%q repeats a component", orig)
		}
		seen[key] = true
		if key == "TS" {
			v, err := parseDecimal(num, false)
			if err != nil {
				return d, fmt.Errorf("%q: seconds: %w", orig, err)
			}
			d.seconds = v
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return d, fmt.Errorf("%q: %w", orig, err)
		}
		switch key {
		case "Y":
			d.years = n
		case "M":
			d.months = n
		case "W":
			d.days += 7 * n
		case "D":
			d.days += n
		case "TH":
			d.hours = n
		case "TM":
			d.minutes = n
		default:
			return d, fmt.Errorf("%q is not an ISO 8601 duration", orig)
		}
	}
	if len(seen) == 0 || strings.HasSuffix(orig, "T") {
		return d, fmt.Errorf("%q is not an ISO 8601 duration", orig)
	}
	if negAll {
		d.years, d.months, d.days, d.hours, d.minutes = -d.years, -d.months, -d.days, -d.hours, -d.minutes
		if !d.seconds.isZero() {
			d.seconds.neg = !d.seconds.neg
		}
	}
	return d, nil
}

// String writes d as PostgreSQL's iso_8601 style does: zero components
// left out, "PT0S" for a zero duration.
func (d duration) String() string {
	var b strings.Builder
	b.WriteByte('P')
	for _, c := range []struct {
		n    int64
		unit string
	}{{d.years, "Y"}, {d.months, "M"}, {d.days, "D"}} {
		if c.n != 0 {
			b.WriteString(strconv.FormatInt(c.n, 10) + c.unit)
		}
	}
	if d.hours != 0 || d.minutes != 0 || !d.seconds.isZero() {
		b.WriteByte('T')
		if d.hours != 0 {
			b.WriteString(strconv.FormatInt(d.hours, 10) + "H")
		}
		if d.minutes != 0 {
			b.WriteString(strconv.FormatInt(d.minutes, 10) + "M")
		}
		if !d.seconds.isZero() {
			b.WriteString(d.seconds.plain(0) + "S")
		}
	}
	if b.Len() == 1 {
		return "PT0S"
	}
	return b.String()
}

// yearMonth checks that d is a whole number of months (INTERVAL YEAR TO
// MONTH holds nothing else) and returns Oracle's ISO text for it.
func (d duration) yearMonth(leading int) (string, error) {
	if d.days != 0 || d.hours != 0 || d.minutes != 0 || !d.seconds.isZero() {
		return "", fmt.Errorf("%s has days or a time part, which INTERVAL YEAR TO MONTH cannot hold: %w", d, errNotExact)
	}
	total := d.years*12 + d.months
	sign := ""
	if total < 0 {
		sign, total = "-", -total
	}
	if y := total / 12; len(strconv.FormatInt(y, 10)) > leading {
		return "", fmt.Errorf("%s has %d years; INTERVAL YEAR(%d) holds %d digits: %w", d, y, leading, leading, errNotExact)
	}
	return fmt.Sprintf("%sP%dY%dM", sign, total/12, total%12), nil
}

// daySecond checks that d has no months (a month has no fixed length, so
// INTERVAL DAY TO SECOND cannot hold one) and fits the column, and returns
// Oracle's ISO text with one sign for the whole: PostgreSQL's "P1DT-2H"
// is 22 hours. A day is 24 hours in Oracle's interval arithmetic.
func (d duration) daySecond(leading, scale int) (string, error) {
	if d.years != 0 || d.months != 0 {
		return "", fmt.Errorf("%s has years or months, which INTERVAL DAY TO SECOND cannot hold: %w", d, errNotExact)
	}
	if d.seconds.scale() > 9 {
		return "", fmt.Errorf("%s has more than nine fractional second digits: %w", d, errNotExact)
	}
	// Total nanoseconds, exactly.
	ns := big.NewInt(d.days)
	ns.Mul(ns, big.NewInt(24))
	ns.Add(ns, big.NewInt(d.hours))
	ns.Mul(ns, big.NewInt(60))
	ns.Add(ns, big.NewInt(d.minutes))
	ns.Mul(ns, big.NewInt(60_000_000_000))
	secNs, ok := new(big.Int).SetString(d.seconds.plainDigits(9), 10)
	if !ok {
		return "", fmt.Errorf("%s: bad seconds", d)
	}
	ns.Add(ns, secNs)
	sign := ""
	if ns.Sign() < 0 {
		sign = "-"
		ns.Neg(ns)
	}
	var rem big.Int
	perDay := big.NewInt(86_400_000_000_000)
	days, _ := new(big.Int).QuoRem(ns, perDay, &rem)
	r := rem.Int64()
	h, m, s, f := r/3_600_000_000_000, r/60_000_000_000%60, r/1_000_000_000%60, r%1_000_000_000
	// Zero days fit even INTERVAL DAY(0) TO SECOND, the natural target of
	// a time of day.
	if days.Sign() != 0 && len(days.String()) > leading {
		return "", fmt.Errorf("%s has %s days; INTERVAL DAY(%d) holds %d digits: %w", d, days, leading, leading, errNotExact)
	}
	frac := strings.TrimRight(fmt.Sprintf("%09d", f), "0")
	if len(frac) > scale {
		return "", fmt.Errorf("%s has %d fractional second digits; SECOND(%d) keeps %d: %w", d, len(frac), scale, scale, errNotExact)
	}
	out := fmt.Sprintf("%sP%sDT%dH%dM%d", sign, days, h, m, s)
	if frac != "" {
		out += "." + frac
	}
	return out + "S", nil
}

// plainDigits writes d scaled by 10^n as an integer (d must have at most n
// fractional digits).
func (d decimal) plainDigits(n int) string {
	if d.isZero() {
		return "0"
	}
	s := d.digits + strings.Repeat("0", d.exp+n)
	if d.neg {
		s = "-" + s
	}
	return s
}
