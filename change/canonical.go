package change

import (
	"bytes"
	"strconv"
	"time"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Canonical forms (design.md, trap 6). A value's text must not depend on
// the session that wrote it, and a key's text must be one per row: equal
// values that print differently would give one row several Kafka keys, on
// different partitions, and its changes would lose their order.

// appendUTC appends the timestamptz text s (unquoted) as the same instant
// in UTC, in PostgreSQL's JSON form for a session in UTC: row_to_json
// prints the session's TimeZone offset, "2024-07-01T00:14:59.654321+05:45"
// or, before time zones were standard, "1850-01-01T05:41:16+05:41:16", and
// years before 1 with " BC". It reports false for a text of another form;
// "infinity" and "-infinity" are kept by the caller.
func appendUTC(dst, s []byte) ([]byte, bool) {
	bc := bytes.HasSuffix(s, []byte(" BC"))
	if bc {
		s = s[:len(s)-3]
	}
	dash := bytes.IndexByte(s, '-')
	if dash < 4 {
		return dst, false
	}
	year, ok := digits(s[:dash])
	if !ok {
		return dst, false
	}
	s = s[dash:]
	// -MM-DDTHH:MM:SS
	if len(s) < 15 || s[0] != '-' || s[3] != '-' || s[6] != 'T' || s[9] != ':' || s[12] != ':' {
		return dst, false
	}
	month, ok1 := digits(s[1:3])
	day, ok2 := digits(s[4:6])
	hour, ok3 := digits(s[7:9])
	minute, ok4 := digits(s[10:12])
	sec, ok5 := digits(s[13:15])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return dst, false
	}
	s = s[15:]
	nanos := 0
	if len(s) > 0 && s[0] == '.' {
		n := 1
		for n < len(s) && isDigit(s[n]) {
			n++
		}
		if n == 1 || n > 10 {
			return dst, false
		}
		frac, _ := digits(s[1:n])
		for i := n - 1; i < 9; i++ {
			frac *= 10
		}
		nanos, s = frac, s[n:]
	}
	// The offset: +HH, +HH:MM or +HH:MM:SS.
	if len(s) < 3 || (s[0] != '+' && s[0] != '-') {
		return dst, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	offset := 0
	for i, unit := 1, 3600; i < len(s); i, unit = i+3, unit/60 {
		if unit == 0 || i+2 > len(s) || (i > 1 && s[i-1] != ':') {
			return dst, false
		}
		v, ok := digits(s[i : i+2])
		if !ok {
			return dst, false
		}
		offset += v * unit
	}
	if bc {
		year = 1 - year // astronomical: 1 BC is year 0
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC).Add(-time.Duration(sign*offset) * time.Second)

	y := t.Year()
	bc = y <= 0
	if bc {
		y = 1 - y
	}
	if y < 1000 {
		dst = append(dst, "000"[:4-len(strconv.Itoa(y))]...)
	}
	dst = strconv.AppendInt(dst, int64(y), 10)
	dst = append(dst, '-')
	dst = two(dst, int(t.Month()))
	dst = append(dst, '-')
	dst = two(dst, t.Day())
	dst = append(dst, 'T')
	dst = two(dst, t.Hour())
	dst = append(dst, ':')
	dst = two(dst, t.Minute())
	dst = append(dst, ':')
	dst = two(dst, t.Second())
	if us := t.Nanosecond() / 1000; us > 0 {
		frac := []byte(strconv.Itoa(1_000_000 + us))[1:]
		dst = append(dst, '.')
		dst = append(dst, bytes.TrimRight(frac, "0")...)
	}
	dst = append(dst, "+00:00"...)
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst, true
}

// digits reads a run of ASCII digits.
func digits(s []byte) (int, bool) {
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

// appendKeyValue appends the normalised value v of a key column in the one
// text its value has: numerics without trailing zeros (1.0 and 1.00 are one
// value in a unique index), floats without the sign of zero (-0 = 0).
// Every other kind the dialect allows in a key prints one value one way
// once normalised (timestamptz in UTC, bytea in base64).
func appendKeyValue(dst, v []byte, kind fsql.Kind) []byte {
	switch kind {
	case fsql.KindDecimal:
		// v is a JSON string of digits, or NaN or an infinity.
		if s := v[1 : len(v)-1]; bytes.IndexByte(s, '.') >= 0 && !bytes.ContainsAny(s, "eE") {
			s = bytes.TrimRight(s, "0")
			s = bytes.TrimSuffix(s, []byte("."))
			if string(s) == "-0" {
				s = s[1:]
			}
			dst = append(dst, '"')
			dst = append(dst, s...)
			return append(dst, '"')
		}
	case fsql.KindFloat:
		if f, err := strconv.ParseFloat(string(v), 64); err == nil && f == 0 {
			return append(dst, '0')
		}
	}
	return appendCanonical(dst, v)
}
