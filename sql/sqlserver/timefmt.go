package sqlserver

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// moment is a date, a time of day or both, with an optional UTC offset, as
// read from text: SQL Server's style 121 output or the envelope's ISO 8601
// forms. It keeps the fraction as digits, so that nothing passes through a
// float or a time.Time that might round it.
type moment struct {
	Year, Month, Day     int // Year is astronomical: 0 is 1 BC
	Hour, Minute, Second int
	// Frac is the fractional seconds' digits with trailing zeros removed.
	Frac string
	// HasOffset says Offset (minutes east of UTC) was given; Region is an
	// Oracle zone region ("Europe/Berlin") that followed it in brackets.
	HasOffset bool
	Offset    int
	Region    string
}

// Nanos is the fraction as nanoseconds; Frac has at most 9 digits.
func (m moment) Nanos() int {
	if m.Frac == "" {
		return 0
	}
	n, _ := strconv.Atoi(m.Frac + strings.Repeat("0", 9-len(m.Frac)))
	return n
}

func digits(s string, n int) (int, bool) {
	if len(s) != n {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseDate reads [-]YYYY-MM-DD (a sign only where signed is true; more than
// four year digits are refused: no database Ferry serves goes past 9999).
func parseDate(s string, signed bool) (m moment, err error) {
	neg := false
	if signed && strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	parts := strings.Split(s, "-")
	y, ok1 := digits(parts[0], 4)
	if len(parts) != 3 || !ok1 {
		return m, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	mo, ok2 := digits(parts[1], 2)
	d, ok3 := digits(parts[2], 2)
	if !ok2 || !ok3 {
		return m, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	if neg {
		y = -y
	}
	// time.Date normalises an impossible day; a date that comes back
	// different did not exist (Gregorian calendar, proleptic before 1582,
	// as SQL Server and PostgreSQL count).
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		return m, fmt.Errorf("%q is not a calendar date", s)
	}
	m.Year, m.Month, m.Day = y, mo, d
	return m, nil
}

// parseClock reads HH:MM:SS[.fffffffff] into m.
func parseClock(s string, m *moment) error {
	clock, frac, hasFrac := strings.Cut(s, ".")
	parts := strings.Split(clock, ":")
	if len(parts) != 3 {
		return fmt.Errorf("%q is not a time HH:MM:SS", s)
	}
	h, ok1 := digits(parts[0], 2)
	mi, ok2 := digits(parts[1], 2)
	sec, ok3 := digits(parts[2], 2)
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || sec > 59 {
		return fmt.Errorf("%q is not a time of day HH:MM:SS", s)
	}
	if hasFrac {
		if _, ok := digits(frac, len(frac)); !ok || frac == "" || len(frac) > 9 {
			return fmt.Errorf("%q: fractional seconds must be 1 to 9 digits", s)
		}
	}
	m.Hour, m.Minute, m.Second, m.Frac = h, mi, sec, strings.TrimRight(frac, "0")
	return nil
}

// parseOffset reads +HH:MM, -HH:MM or Z, then an optional [Region].
func parseOffset(s string, m *moment) error {
	if r, ok := strings.CutSuffix(s, "]"); ok {
		i := strings.LastIndexByte(r, '[')
		if i < 0 || i == len(r)-1 {
			return fmt.Errorf("%q: unbalanced zone region", s)
		}
		s, m.Region = r[:i], r[i+1:]
	}
	m.HasOffset = true
	if s == "Z" {
		return nil
	}
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return fmt.Errorf("%q is not a UTC offset +HH:MM", s)
	}
	h, ok1 := digits(s[1:3], 2)
	mi, ok2 := digits(s[4:6], 2)
	if !ok1 || !ok2 || mi > 59 || h > 18 {
		return fmt.Errorf("%q is not a UTC offset +HH:MM", s)
	}
	m.Offset = h*60 + mi
	if s[0] == '-' {
		m.Offset = -m.Offset
	}
	return nil
}

// parseTimestamp reads a date and a time separated by sep ('T' or ' '),
// then, where zoned, an offset, optionally after a space (style 121 writes
// "2024-01-02 13:45:00.1234567 +02:00").
func parseTimestamp(s string, sep byte, zoned, signed bool) (moment, error) {
	i := strings.IndexByte(s[min(1, len(s)):], sep) + min(1, len(s))
	if i <= 0 {
		return moment{}, fmt.Errorf("%q is not a timestamp", s)
	}
	m, err := parseDate(s[:i], signed)
	if err != nil {
		return m, err
	}
	rest := s[i+1:]
	if zoned {
		j := strings.IndexAny(rest, "+-Z")
		if j < 0 {
			return m, fmt.Errorf("%q has no UTC offset", s)
		}
		if err := parseOffset(rest[j:], &m); err != nil {
			return m, err
		}
		rest = strings.TrimSuffix(rest[:j], " ")
	}
	if err := parseClock(rest, &m); err != nil {
		return m, err
	}
	return m, nil
}

func (m moment) dateText() string {
	if m.Year < 0 {
		return fmt.Sprintf("-%04d-%02d-%02d", -m.Year, m.Month, m.Day)
	}
	return fmt.Sprintf("%04d-%02d-%02d", m.Year, m.Month, m.Day)
}

func (m moment) clockText() string {
	s := fmt.Sprintf("%02d:%02d:%02d", m.Hour, m.Minute, m.Second)
	if m.Frac != "" {
		s += "." + m.Frac
	}
	return s
}

func (m moment) offsetText() string {
	sign, off := '+', m.Offset
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%c%02d:%02d", sign, off/60, off%60)
}

// utc is the instant m names, as a time.Time in UTC.
func (m moment) utc() time.Time {
	return time.Date(m.Year, time.Month(m.Month), m.Day, m.Hour, m.Minute, m.Second, m.Nanos(), time.UTC).
		Add(-time.Duration(m.Offset) * time.Minute)
}
