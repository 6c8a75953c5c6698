package sql

import (
	"strconv"
	"time"
)

// Moment is a date, time of day or timestamp taken apart: what the neutral
// forms of the date, time, timestamp and timestamptz kinds hold, and what
// dialects read their own forms into. Years are astronomical (1 BC is 0).
type Moment struct {
	HasDate, HasClock bool
	Year              int
	Month, Day        int
	Hour, Minute, Sec int
	Nanos             int
	// Frac is how many fractional digits the text had (0 to 9).
	Frac int
	// HasOffset says the text had a UTC offset: Offset seconds east.
	HasOffset bool
	Offset    int
	// Region is a zone region given after the offset ("Europe/Berlin").
	Region string
}

// ParseMoment reads a neutral date, time or timestamp, and also the forms
// PostgreSQL's JSON writes: a space instead of the T, an offset of hours
// only or with seconds ("+05", "+05:41:16"), "Z", and years before 1 as
// " BC". It reports false for anything else, "infinity" included.
func ParseMoment(s []byte) (Moment, bool) {
	var m Moment
	bc := false
	if n := len(s); n > 3 && string(s[n-3:]) == " BC" {
		bc, s = true, s[:n-3]
	}
	if n := len(s); n > 2 && s[n-1] == ']' {
		i := n - 2
		for i >= 0 && s[i] != '[' {
			i--
		}
		if i < 0 || i == n-2 {
			return m, false
		}
		m.Region, s = string(s[i+1:n-1]), s[:i]
	}
	if len(s) >= 3 && s[2] == ':' {
		rest, ok := m.clock(s)
		if !ok {
			return m, false
		}
		if rest, ok = m.offset(rest); !ok || len(rest) > 0 || bc {
			return m, false
		}
		return m, true
	}
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < 4 || i > 9 || len(s) < i+6 || s[i] != '-' || s[i+3] != '-' {
		return m, false
	}
	m.Year, _ = atoi(s[:i])
	if neg {
		m.Year = -m.Year
	}
	var ok1, ok2 bool
	m.Month, ok1 = atoi(s[i+1 : i+3])
	m.Day, ok2 = atoi(s[i+4 : i+6])
	if !ok1 || !ok2 || m.Month < 1 || m.Month > 12 || m.Day < 1 || m.Day > 31 {
		return m, false
	}
	m.HasDate = true
	s = s[i+6:]
	if len(s) > 0 && (s[0] == 'T' || s[0] == ' ') {
		var ok bool
		if s, ok = m.clock(s[1:]); !ok {
			return m, false
		}
		if s, ok = m.offset(s); !ok {
			return m, false
		}
	}
	if len(s) > 0 || (m.Region != "" && !m.HasOffset) {
		return m, false
	}
	if bc {
		if neg || m.Year < 1 {
			return m, false
		}
		m.Year = 1 - m.Year
	}
	return m, true
}

// clock reads HH:MM:SS[.fffffffff] (seconds may be left out, as PostgreSQL
// never does but others might).
func (m *Moment) clock(s []byte) ([]byte, bool) {
	if len(s) < 5 || s[2] != ':' {
		return s, false
	}
	var ok1, ok2, ok3 bool
	m.Hour, ok1 = atoi(s[0:2])
	m.Minute, ok2 = atoi(s[3:5])
	s, ok3 = s[5:], true
	if len(s) >= 3 && s[0] == ':' {
		m.Sec, ok3 = atoi(s[1:3])
		s = s[3:]
	}
	if !ok1 || !ok2 || !ok3 || m.Hour > 24 || m.Minute > 59 || m.Sec > 60 {
		return s, false
	}
	if len(s) > 0 && s[0] == '.' {
		n := 1
		for n < len(s) && isDigit(s[n]) {
			n++
		}
		if n == 1 || n > 10 {
			return s, false
		}
		m.Nanos, _ = atoi(s[1:n])
		m.Frac = n - 1
		for i := m.Frac; i < 9; i++ {
			m.Nanos *= 10
		}
		s = s[n:]
	}
	m.HasClock = true
	return s, true
}

// offset reads Z, +HH, +HH:MM or +HH:MM:SS, if there is one.
func (m *Moment) offset(s []byte) ([]byte, bool) {
	if len(s) == 0 {
		return s, true
	}
	if s[0] == 'Z' {
		m.HasOffset = true
		return s[1:], true
	}
	if s[0] != '+' && s[0] != '-' {
		return s, true
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	off := 0
	i := 1
	for unit := 3600; unit > 0 && i+2 <= len(s); unit /= 60 {
		if unit < 3600 {
			if s[i] != ':' {
				break
			}
			i++
			if i+2 > len(s) {
				return s, false
			}
		}
		v, ok := atoi(s[i : i+2])
		if !ok {
			return s, false
		}
		off += v * unit
		i += 2
	}
	if i == 1 {
		return s, false
	}
	m.HasOffset, m.Offset = true, sign*off
	return s[i:], true
}

// UTC is the same instant with offset +00:00 and no region. A moment
// without an offset is returned as it is.
func (m Moment) UTC() Moment {
	if !m.HasOffset || !m.HasDate {
		m.Region = ""
		return m
	}
	t := time.Date(m.Year, time.Month(m.Month), m.Day, m.Hour, m.Minute, m.Sec, m.Nanos, time.UTC).
		Add(-time.Duration(m.Offset) * time.Second)
	m.Year, m.Month, m.Day = t.Year(), int(t.Month()), t.Day()
	m.Hour, m.Minute, m.Sec, m.Nanos = t.Hour(), t.Minute(), t.Second(), t.Nanosecond()
	m.Offset, m.Region = 0, ""
	return m
}

// Trim drops trailing zeros of the fraction: one text per value.
func (m Moment) Trim() Moment {
	n := m.Nanos
	digits := 9
	for digits > 0 && n%10 == 0 {
		n /= 10
		digits--
	}
	m.Frac = digits
	return m
}

// AppendDate appends the date in neutral form: YYYY-MM-DD, astronomical years.
func (m Moment) AppendDate(dst []byte) []byte {
	y := m.Year
	if y < 0 {
		dst = append(dst, '-')
		y = -y
	}
	if y < 1000 {
		dst = append(dst, "000"[:4-len(strconv.Itoa(y))]...)
	}
	dst = strconv.AppendInt(dst, int64(y), 10)
	dst = append(dst, '-')
	dst = two(dst, m.Month)
	dst = append(dst, '-')
	return two(dst, m.Day)
}

// AppendClock appends HH:MM:SS and Frac fractional digits.
func (m Moment) AppendClock(dst []byte) []byte {
	dst = two(dst, m.Hour)
	dst = append(dst, ':')
	dst = two(dst, m.Minute)
	dst = append(dst, ':')
	dst = two(dst, m.Sec)
	if m.Frac > 0 {
		dst = append(dst, '.')
		f := strconv.Itoa(1_000_000_000 + m.Nanos)
		dst = append(dst, f[1:1+m.Frac]...)
	}
	return dst
}

// AppendOffset appends +HH:MM (or +HH:MM:SS for an offset with seconds) and
// the region in brackets, if any.
func (m Moment) AppendOffset(dst []byte) []byte {
	off := m.Offset
	if off < 0 {
		dst = append(dst, '-')
		off = -off
	} else {
		dst = append(dst, '+')
	}
	dst = two(dst, off/3600)
	dst = append(dst, ':')
	dst = two(dst, off/60%60)
	if off%60 != 0 {
		dst = append(dst, ':')
		dst = two(dst, off%60)
	}
	if m.Region != "" {
		dst = append(dst, '[')
		dst = append(dst, m.Region...)
		dst = append(dst, ']')
	}
	return dst
}

// AppendNeutral appends the moment in its neutral form: the date, then
// "T" and the clock, then the offset, whichever it has.
func (m Moment) AppendNeutral(dst []byte) []byte {
	if m.HasDate {
		dst = m.AppendDate(dst)
		if m.HasClock {
			dst = append(dst, 'T')
		}
	}
	if m.HasClock {
		dst = m.AppendClock(dst)
	}
	if m.HasOffset {
		dst = m.AppendOffset(dst)
	}
	return dst
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func atoi(s []byte) (int, bool) {
	if len(s) == 0 || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func two(dst []byte, n int) []byte { return append(dst, byte('0'+n/10), byte('0'+n%10)) }
