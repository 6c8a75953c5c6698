package oracle

import (
	"fmt"
	"strconv"
)

// Oracle's calendar is Julian before 15 October 1582 and Gregorian from
// then on; 5 to 14 October 1582 do not exist. Its years count 4712 BC as
// -4712 and have no year 0, so Oracle's year -44 (44 BC) is the
// astronomical year -43. The envelope writes astronomical years (ISO 8601,
// as PostgreSQL reads them), so Ferry converts the year number and keeps
// the day's label: an Oracle date of 1500-03-01 (Julian) travels as
// "1500-03-01". PostgreSQL and SQL Server read that label in their
// proleptic Gregorian calendar, which names a day ten days later; the
// label, not the day count, is what round-trips through Oracle exactly.

// gregorianStart is the Julian Day Number of 1582-10-15 (Gregorian).
const gregorianStart = 2299161

const (
	oracleMinYear = -4712
	oracleMaxYear = 9999
)

// astronomical turns an Oracle year into an astronomical one.
func astronomical(y int) int {
	if y < 0 {
		return y + 1
	}
	return y
}

// oracleYear turns an astronomical year into Oracle's numbering.
func oracleYear(a int) int {
	if a <= 0 {
		return a - 1
	}
	return a
}

// jdn is the Julian Day Number of an astronomical date labelled in Oracle's
// calendar (Julian before 1582-10-15).
func jdn(a, m, d int) int {
	if a < 1582 || a == 1582 && (m < 10 || m == 10 && d < 15) {
		return 367*a - (7*(a+5001+(m-9)/7))/4 + (275*m)/9 + d + 1729777
	}
	return (1461*(a+4800+(m-14)/12))/4 + (367*(m-2-12*((m-14)/12)))/12 - (3*((a+4900+(m-14)/12)/100))/4 + d - 32075
}

// fromJDN is the astronomical date a Julian Day Number has in Oracle's
// calendar (E. G. Richards' algorithm, Julian or Gregorian by the day).
func fromJDN(j int) (a, m, d int) {
	f := j + 1401
	if j >= gregorianStart {
		f += (((4*j+274277)/146097)*3)/4 - 38
	}
	e := 4*f + 3
	g := (e % 1461) / 4
	h := 5*g + 2
	d = (h%153)/5 + 1
	m = (h/153+2)%12 + 1
	a = e/1461 - 4716 + (12+2-m)/12
	return a, m, d
}

// validDate reports whether an astronomical date exists in Oracle's
// calendar and range.
func validDate(a, m, d int) error {
	y := oracleYear(a)
	if y < oracleMinYear || y > oracleMaxYear {
		return fmt.Errorf("year %s is outside Oracle's range (4712 BC to 9999 AD)", formatYear(a))
	}
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return fmt.Errorf("%s-%02d-%02d is not a date", formatYear(a), m, d)
	}
	if a2, m2, d2 := fromJDN(jdn(a, m, d)); a2 != a || m2 != m || d2 != d {
		if a == 1582 && m == 10 && d >= 5 && d <= 14 {
			return fmt.Errorf("1582-10-%02d does not exist in Oracle's calendar, which goes from 1582-10-04 (Julian) to 1582-10-15 (Gregorian)", d)
		}
		return fmt.Errorf("%s-%02d-%02d is not a date", formatYear(a), m, d)
	}
	return nil
}

// formatYear writes an astronomical year as ISO 8601 does: four digits,
// with a minus sign before 1 BC's year 0.
func formatYear(a int) string {
	if a < 0 {
		return fmt.Sprintf("-%04d", -a)
	}
	return fmt.Sprintf("%04d", a)
}

// parseYear reads an ISO 8601 year: [+-]digits.
func parseYear(s string) (int, error) {
	if len(s) < 4 {
		return 0, fmt.Errorf("year %q needs four digits", s)
	}
	return strconv.Atoi(s)
}
