package oracle

import (
	"fmt"
	"strconv"
	"strings"
)

// dateTime is a wall-clock date and time: an astronomical year, and the
// fraction of a second as up to nine digits without trailing zeros.
type dateTime struct {
	a, m, d    int
	hh, mi, ss int
	frac       string
	hasTime    bool
}

// parseImageDateTime reads the trigger's form "Y-M-DTHH:MI:SS[.FFFFFFFFF]",
// where Y, M and D come from EXTRACT (Oracle's year numbering, no zero
// padding) and the time from TO_CHAR(x, 'HH24:MI:SS.FF9'). Neither depends
// on the session's NLS settings: EXTRACT reads the stored fields and the
// time-of-day format elements have no language or calendar.
func parseImageDateTime(s string) (dateTime, error) {
	var t dateTime
	datePart, timePart, ok := strings.Cut(s, "T")
	if !ok {
		return t, fmt.Errorf("%q is not the trigger's date-time form", s)
	}
	neg := strings.HasPrefix(datePart, "-")
	fields := strings.Split(strings.TrimPrefix(datePart, "-"), "-")
	if len(fields) != 3 {
		return t, fmt.Errorf("%q is not the trigger's date-time form", s)
	}
	y, err1 := strconv.Atoi(fields[0])
	m, err2 := strconv.Atoi(fields[1])
	d, err3 := strconv.Atoi(fields[2])
	if err1 != nil || err2 != nil || err3 != nil || y == 0 {
		return t, fmt.Errorf("%q is not the trigger's date-time form", s)
	}
	if neg {
		y = -y
	}
	t.a, t.m, t.d = astronomical(y), m, d
	if err := parseClock(timePart, &t); err != nil {
		return t, fmt.Errorf("%q: %w", s, err)
	}
	return t, nil
}

// parseClock reads "HH:MM:SS[.fffffffff]".
func parseClock(s string, t *dateTime) error {
	clock, frac, _ := strings.Cut(s, ".")
	parts := strings.Split(clock, ":")
	if len(parts) != 3 || len(parts[0]) != 2 || len(parts[1]) != 2 || len(parts[2]) != 2 || len(frac) > 9 || !allDigits(frac) {
		return fmt.Errorf("time %q is not HH:MM:SS[.fffffffff]", s)
	}
	var err error
	vals := make([]int, 3)
	for i, p := range parts {
		if vals[i], err = strconv.Atoi(p); err != nil || !allDigits(p) {
			return fmt.Errorf("time %q is not HH:MM:SS[.fffffffff]", s)
		}
	}
	if vals[0] > 23 || vals[1] > 59 || vals[2] > 59 {
		return fmt.Errorf("time %q is out of range", s)
	}
	t.hh, t.mi, t.ss = vals[0], vals[1], vals[2]
	t.frac = strings.TrimRight(frac, "0")
	t.hasTime = true
	return nil
}

// addMinutes moves t by a number of minutes, across days in Oracle's calendar.
func (t dateTime) addMinutes(n int) dateTime {
	secs := t.hh*3600 + t.mi*60 + t.ss + n*60
	days := secs / 86400
	secs %= 86400
	if secs < 0 {
		secs += 86400
		days--
	}
	if days != 0 {
		t.a, t.m, t.d = fromJDN(jdn(t.a, t.m, t.d) + days)
	}
	t.hh, t.mi, t.ss = secs/3600, secs/60%60, secs%60
	return t
}

// date writes the neutral date: "YYYY-MM-DD".
func (t dateTime) date() string { return fmt.Sprintf("%s-%02d-%02d", formatYear(t.a), t.m, t.d) }

// timestamp writes the neutral timestamp: "YYYY-MM-DDTHH:MM:SS[.f]".
func (t dateTime) timestamp() string {
	s := fmt.Sprintf("%sT%02d:%02d:%02d", t.date(), t.hh, t.mi, t.ss)
	if t.frac != "" {
		s += "." + t.frac
	}
	return s
}

// oracleText writes t for TO_DATE/TO_TIMESTAMP with 'SYYYY-MM-DD
// HH24:MI:SS.FF9' (Oracle's year numbering, nine fractional digits).
func (t dateTime) oracleText(withFrac bool) string {
	y := oracleYear(t.a)
	sign := ""
	if y < 0 {
		sign, y = "-", -y
	}
	s := fmt.Sprintf("%s%04d-%02d-%02d %02d:%02d:%02d", sign, y, t.m, t.d, t.hh, t.mi, t.ss)
	if withFrac {
		s += "." + t.frac + strings.Repeat("0", 9-len(t.frac))
	}
	return s
}

// parseOffset reads "+HH:MM" or "-HH:MM" (and "Z") into minutes east of UTC.
func parseOffset(s string) (int, error) {
	if s == "Z" {
		return 0, nil
	}
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !allDigits(s[1:3]) || !allDigits(s[4:6]) {
		return 0, fmt.Errorf("offset %q is not +HH:MM", s)
	}
	h, _ := strconv.Atoi(s[1:3])
	m, _ := strconv.Atoi(s[4:6])
	if h > 15 || m > 59 {
		return 0, fmt.Errorf("offset %q is out of range", s)
	}
	n := h*60 + m
	if s[0] == '-' {
		n = -n
	}
	return n, nil
}

// formatOffset writes minutes east of UTC as "+HH:MM".
func formatOffset(n int) string {
	sign := "+"
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%02d:%02d", sign, n/60, n%60)
}

// parseNeutralDateTime reads a neutral date ("YYYY-MM-DD"), timestamp
// ("YYYY-MM-DDTHH:MM:SS[.f]") or timestamptz (the same with "+HH:MM",
// optionally followed by "[Region]"), checking that the day exists in
// Oracle's calendar.
func parseNeutralDateTime(s string) (t dateTime, offset *int, region string, err error) {
	if s == "infinity" || s == "-infinity" {
		return t, nil, "", fmt.Errorf("%q has no Oracle equivalent", s)
	}
	if i := strings.IndexByte(s, '['); i >= 0 {
		if !strings.HasSuffix(s, "]") {
			return t, nil, "", fmt.Errorf("%q: unterminated zone region", s)
		}
		region, s = s[i+1:len(s)-1], s[:i]
		if region == "" || strings.ContainsAny(region, "'\"") {
			return t, nil, "", fmt.Errorf("zone region %q is not a region name", region)
		}
	}
	neg := strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+")
	rest := s
	sign := 1
	if neg {
		if s[0] == '-' {
			sign = -1
		}
		rest = s[1:]
	}
	datePart, timePart, hasTime := strings.Cut(rest, "T")
	fields := strings.Split(datePart, "-")
	if len(fields) != 3 || len(fields[1]) != 2 || len(fields[2]) != 2 || !allDigits(fields[0]) || !allDigits(fields[1]) || !allDigits(fields[2]) {
		return t, nil, "", fmt.Errorf("%q is not YYYY-MM-DD", s)
	}
	y, err := parseYear(fields[0])
	if err != nil {
		return t, nil, "", err
	}
	t.a = sign * y
	t.m, _ = strconv.Atoi(fields[1])
	t.d, _ = strconv.Atoi(fields[2])
	if err := validDate(t.a, t.m, t.d); err != nil {
		return t, nil, "", err
	}
	if !hasTime {
		if region != "" {
			return t, nil, "", fmt.Errorf("%q: a date has no zone", s)
		}
		return t, nil, "", nil
	}
	clock := timePart
	if i := strings.IndexAny(timePart, "+-Z"); i >= 0 {
		clock = timePart[:i]
		off, err := parseOffset(timePart[i:])
		if err != nil {
			return t, nil, "", fmt.Errorf("%q: %w", s, err)
		}
		offset = &off
	}
	if err := parseClock(clock, &t); err != nil {
		return t, nil, "", fmt.Errorf("%q: %w", s, err)
	}
	if region != "" && offset == nil {
		return t, nil, "", fmt.Errorf("%q: a zone region needs an offset too", s)
	}
	return t, offset, region, nil
}
