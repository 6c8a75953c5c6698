package applier

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Values in the change envelope's forms, compared as ferry verify compares
// a source row, mapped through its route, with the target's row: by the
// value each form stands for, in the kind of the target's column. Both
// sides come in the envelope's forms, whichever database they were read
// from, so nothing here knows a vendor.

// sameValue reports whether two envelope values of a column of kind
// (elem for an array's elements) stand for the same value.
func sameValue(kind, elem fsql.Kind, a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	an, bn := string(a) == "null", string(b) == "null"
	if an || bn {
		return an == bn
	}
	switch kind {
	case fsql.KindInteger, fsql.KindDecimal:
		x, xok := decimal(a)
		y, yok := decimal(b)
		if xok && yok {
			return x.Cmp(y) == 0
		}
		return text(a) == text(b) // NaN and the infinities
	case fsql.KindFloat:
		x, xerr := strconv.ParseFloat(text(a), 64)
		y, yerr := strconv.ParseFloat(text(b), 64)
		if xerr == nil && yerr == nil {
			return x == y || math.IsNaN(x) && math.IsNaN(y)
		}
	case fsql.KindTimestampTZ:
		x, xerr := instant(text(a))
		y, yerr := instant(text(b))
		if xerr == nil && yerr == nil {
			return x.Equal(y)
		}
	case fsql.KindJSON:
		return sameJSON(text(a), text(b))
	case fsql.KindArray:
		var xs, ys []json.RawMessage
		if json.Unmarshal(a, &xs) != nil || json.Unmarshal(b, &ys) != nil || len(xs) != len(ys) {
			return false
		}
		for i := range xs {
			k := elem
			if len(xs[i]) > 0 && xs[i][0] == '[' && elem != fsql.KindJSON {
				k = fsql.KindArray // a further dimension
			}
			if !sameValue(k, elem, xs[i], ys[i]) {
				return false
			}
		}
		return true
	}
	return text(a) == text(b)
}

// text is a JSON string's content, or any other JSON value's text.
func text(v json.RawMessage) string {
	if len(v) > 0 && v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return string(v)
}

// decimal reads an exact number from a JSON number or a string holding one.
func decimal(v json.RawMessage) (*big.Rat, bool) {
	return new(big.Rat).SetString(text(v))
}

// instant reads a timestamp with its offset, as the envelope carries one
// (a zone region after it names where, not when).
func instant(s string) (time.Time, error) {
	m, ok := fsql.ParseMoment([]byte(s))
	if !ok || !m.HasDate || !m.HasClock || !m.HasOffset {
		return time.Time{}, fmt.Errorf("%q is not a timestamp with an offset", s)
	}
	return asTime(m.UTC()), nil
}

// asTime is a moment's date and clock as a time in UTC, its offset
// dropped: callers convert to UTC first where the offset counts.
func asTime(m fsql.Moment) time.Time {
	return time.Date(m.Year, time.Month(m.Month), m.Day, m.Hour, m.Minute, m.Sec, m.Nanos, time.UTC)
}

// sameJSON compares two JSON texts as values: a jsonb target reorders keys
// and drops whitespace that a json source keeps.
func sameJSON(a, b string) bool {
	var x, y any
	da, db := json.NewDecoder(strings.NewReader(a)), json.NewDecoder(strings.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&x) != nil || db.Decode(&y) != nil {
		return a == b
	}
	return reflect.DeepEqual(x, y)
}

// compareKey orders two keys, each the key columns' envelope values in
// key order, the way both databases were asked to order them: numbers by
// value, strings by code point (ReadSpec.CodePointOrder), binary by byte,
// instants by time. ok is false when a value cannot be ordered so.
func compareKey(kinds []fsql.Kind, a, b []json.RawMessage) (c int, ok bool) {
	for i, k := range kinds {
		if c, ok = compareValue(k, a[i], b[i]); !ok || c != 0 {
			return c, ok
		}
	}
	return 0, true
}

func compareValue(kind fsql.Kind, a, b json.RawMessage) (int, bool) {
	switch kind {
	case fsql.KindInteger, fsql.KindDecimal, fsql.KindFloat:
		if x, err := strconv.ParseInt(string(a), 10, 64); err == nil {
			if y, err := strconv.ParseInt(string(b), 10, 64); err == nil {
				return cmp.Compare(x, y), true
			}
		}
		x, xok := decimal(a)
		y, yok := decimal(b)
		if xok && yok {
			return x.Cmp(y), true
		}
		ra, aok := specialRank[text(a)]
		rb, bok := specialRank[text(b)]
		return cmp.Compare(ra, rb), (aok || xok) && (bok || yok)
	case fsql.KindBinary:
		x, xerr := base64.StdEncoding.DecodeString(text(a))
		y, yerr := base64.StdEncoding.DecodeString(text(b))
		return bytes.Compare(x, y), xerr == nil && yerr == nil
	case fsql.KindTimestampTZ, fsql.KindDate, fsql.KindTimestamp:
		return compareTime(kind, text(a), text(b))
	case fsql.KindBool, fsql.KindText, fsql.KindUUID, fsql.KindTime:
		return cmp.Compare(text(a), text(b)), true
	}
	return 0, false
}

// specialRank places the numbers' special values around the numbers (rank
// 0): -Infinity, the numbers, Infinity, then NaN, as PostgreSQL orders
// them, and Oracle its BINARY_DOUBLE.
var specialRank = map[string]int{"-Infinity": -1, "Infinity": 1, "NaN": 2}

// compareTime orders two dates, timestamps or timestamptz values in time:
// "-infinity" before all, "infinity" after, and years as numbers, so that
// a year before 1 ("-0043-03-15") or after 9999 ("10000-01-01") sorts
// where the database sorts it, which the text does not.
func compareTime(kind fsql.Kind, a, b string) (int, bool) {
	x, xok := pointInTime(kind, a)
	y, yok := pointInTime(kind, b)
	return x.compare(y), xok && yok
}

// point is a point in time with the infinities: end is -1 for
// "-infinity", 1 for "infinity", 0 for a time, which t then holds.
type point struct {
	end int
	t   time.Time
}

func (p point) compare(o point) int {
	if c := cmp.Compare(p.end, o.end); c != 0 || p.end != 0 {
		return c
	}
	return p.t.Compare(o.t)
}

// pointInTime reads a value of kind in the envelope's form: an instant for
// timestamptz, a wall clock (taken as UTC) for date and timestamp.
func pointInTime(kind fsql.Kind, s string) (point, bool) {
	switch s {
	case "-infinity":
		return point{end: -1}, true
	case "infinity":
		return point{end: 1}, true
	}
	if kind == fsql.KindTimestampTZ {
		t, err := instant(s)
		return point{t: t}, err == nil
	}
	m, ok := fsql.ParseMoment([]byte(s))
	if !ok || !m.HasDate || m.HasOffset || m.HasClock != (kind == fsql.KindTimestamp) {
		return point{}, false
	}
	return point{t: asTime(m)}, true
}
