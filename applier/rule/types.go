package rule

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// The types a rule sees, one per kind of column (see the package doc):
//
//	integer                          int64
//	decimal                          *Decimal (exact; NaN, Infinity, -Infinity)
//	float                            float64 (NaN and ±Inf as IEEE 754 has them)
//	bool                             bool
//	date, timestamp, timestamptz     time.Time (UTC unless the value has an offset)
//	time                             time.Duration since midnight (24:00 is 24h)
//	text, uuid, interval, binary, json, and every other kind: string, as carried
//	array                            []any of the element kind's type
//	NULL                             nil
var (
	// Infinity and MinusInfinity are the times a rule sees for a date or
	// timestamp of infinity and -infinity: after and before every time a
	// database holds (PostgreSQL's range ends in 294276 and 4714 BC).
	Infinity      = time.Date(294277, 1, 1, 0, 0, 0, 0, time.UTC)
	MinusInfinity = time.Date(-4714, 1, 1, 0, 0, 0, 0, time.UTC)
)

// sample is a value of the type a rule sees for a column of c's kind, for
// the compiler's type checks; nil means any type.
func sample(c fsql.Column) any {
	switch c.Kind {
	case fsql.KindInteger:
		return int64(0)
	case fsql.KindDecimal:
		return (*Decimal)(nil)
	case fsql.KindFloat:
		return float64(0)
	case fsql.KindBool:
		return false
	case fsql.KindDate, fsql.KindTimestamp, fsql.KindTimestampTZ:
		return time.Time{}
	case fsql.KindTime:
		return time.Duration(0)
	case fsql.KindArray:
		return []any{}
	case "":
		return nil
	}
	return ""
}

// Value turns a column's value, as the change envelope carries it, into
// what a rule sees for a column of c's kind. A value that does not fit the
// kind is an error: the change is not what the column holds.
func Value(c fsql.Column, raw json.RawMessage) (any, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("column %s: %s is not JSON: %w", c.Name, raw, err)
	}
	if v == nil {
		return nil, nil
	}
	out, err := typed(c.Kind, c.Elem, raw, v)
	if err != nil {
		return nil, fmt.Errorf("column %s (%s): %w", c.Name, c.Kind, err)
	}
	return out, nil
}

func typed(kind, elem fsql.Kind, raw json.RawMessage, v any) (any, error) {
	s, isString := v.(string)
	text := string(raw)
	if isString {
		text = s
	}
	switch kind {
	case fsql.KindInteger:
		i, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not an integer", raw)
		}
		return i, nil
	case fsql.KindDecimal:
		return ParseDecimal(text)
	case fsql.KindFloat:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not a number", raw)
		}
		return f, nil
	case fsql.KindBool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%s is not a boolean", raw)
		}
		return b, nil
	case fsql.KindDate, fsql.KindTimestamp, fsql.KindTimestampTZ:
		if !isString {
			return nil, fmt.Errorf("%s is not a date or time", raw)
		}
		return parseTime(s)
	case fsql.KindTime:
		if !isString {
			return nil, fmt.Errorf("%s is not a time of day", raw)
		}
		return parseTimeOfDay(s)
	case fsql.KindArray:
		items, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s is not an array", raw)
		}
		var raws []json.RawMessage
		if err := json.Unmarshal(raw, &raws); err != nil {
			return nil, err
		}
		for i, item := range items {
			if item == nil {
				continue
			}
			t, err := typed(elem, "", raws[i], item)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i+1, err)
			}
			items[i] = t
		}
		return items, nil
	case "":
		return untyped(raw, v), nil
	}
	if !isString {
		return text, nil
	}
	return s, nil
}

// untyped is a value whose column the target does not have (the route
// drops it): what its JSON says, whole numbers as int64.
func untyped(raw json.RawMessage, v any) any {
	if f, ok := v.(float64); ok && f == float64(int64(f)) {
		if i, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			return i
		}
	}
	return v
}

// parseTime reads a date or timestamp in its neutral form (ISO 8601,
// astronomical years, an optional UTC offset and zone region), PostgreSQL's
// " BC" for years before 1, or infinity and -infinity.
func parseTime(s string) (time.Time, error) {
	switch s {
	case "infinity", "+infinity":
		return Infinity, nil
	case "-infinity":
		return MinusInfinity, nil
	}
	m, ok := fsql.ParseMoment([]byte(s))
	if !ok || !m.HasDate {
		return time.Time{}, fmt.Errorf("%q is not a date or time", s)
	}
	loc := time.UTC
	if m.HasOffset {
		loc = time.FixedZone("", m.Offset)
	}
	return time.Date(m.Year, time.Month(m.Month), m.Day, m.Hour, m.Minute, m.Sec, m.Nanos, loc), nil
}

// parseTimeOfDay reads hh:mm[:ss[.ffffff]], with an optional UTC offset
// that is not part of the value, as the time since midnight.
func parseTimeOfDay(s string) (time.Duration, error) {
	clock := s
	if i := strings.IndexAny(s, "+-"); i > 0 {
		clock = s[:i]
	}
	parts := strings.Split(clock, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	sec := 0.0
	var err3 error
	if len(parts) == 3 {
		sec, err3 = strconv.ParseFloat(parts[2], 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || h < 0 || h > 24 || m < 0 || m > 59 || sec < 0 || sec >= 61 {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	micros := int64(sec*1e6 + 0.5)
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(micros)*time.Microsecond, nil
}

// decimalOperators make decimals compare and compute exactly with each
// other and with number literals, whichever side they are on.
func decimalOperators() []expr.Option {
	var opts []expr.Option
	sigs := func(ret any) []any {
		switch ret.(type) {
		case bool:
			return []any{
				new(func(*Decimal, *Decimal) bool),
				new(func(*Decimal, int) bool), new(func(int, *Decimal) bool),
				new(func(*Decimal, int64) bool), new(func(int64, *Decimal) bool),
				new(func(*Decimal, float64) bool), new(func(float64, *Decimal) bool),
			}
		}
		return []any{
			new(func(*Decimal, *Decimal) *Decimal),
			new(func(*Decimal, int) *Decimal), new(func(int, *Decimal) *Decimal),
			new(func(*Decimal, int64) *Decimal), new(func(int64, *Decimal) *Decimal),
			new(func(*Decimal, float64) *Decimal), new(func(float64, *Decimal) *Decimal),
		}
	}
	for op, name := range map[string]string{"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"} {
		fn := "ferry_decimal_" + name
		opts = append(opts, expr.Function(fn, compare(op), sigs(true)...), expr.Operator(op, fn))
	}
	for op, name := range map[string]string{"+": "add", "-": "sub", "*": "mul", "/": "div"} {
		fn := "ferry_decimal_" + name
		opts = append(opts, expr.Function(fn, arith(op), sigs(&Decimal{})...), expr.Operator(op, fn))
	}
	// decimal("0.1") writes a decimal literal.
	opts = append(opts, expr.Function("decimal", func(p ...any) (any, error) {
		return ParseDecimal(p[0].(string))
	}, new(func(string) *Decimal)))
	return opts
}

func compare(op string) func(p ...any) (any, error) {
	return func(p ...any) (any, error) {
		a, aerr := decimalOf(p[0])
		b, berr := decimalOf(p[1])
		if aerr != nil || berr != nil {
			switch {
			case op == "==" && (isNil(p[0]) || isNil(p[1])):
				return isNil(p[0]) && isNil(p[1]), nil
			case op == "!=" && (isNil(p[0]) || isNil(p[1])):
				return isNil(p[0]) != isNil(p[1]), nil
			}
			return nil, fmt.Errorf("invalid operation: %s %s %s", operand(p[0]), op, operand(p[1]))
		}
		c := a.cmp(b)
		switch op {
		case "<":
			return c < 0, nil
		case "<=":
			return c <= 0, nil
		case ">":
			return c > 0, nil
		case ">=":
			return c >= 0, nil
		case "==":
			return c == 0, nil
		}
		return c != 0, nil
	}
}

func arith(op string) func(p ...any) (any, error) {
	return func(p ...any) (any, error) {
		a, aerr := decimalOf(p[0])
		b, berr := decimalOf(p[1])
		if aerr != nil || berr != nil {
			return nil, fmt.Errorf("invalid operation: %s %s %s", operand(p[0]), op, operand(p[1]))
		}
		return a.arith(op, b)
	}
}

func isNil(v any) bool {
	d, ok := v.(*Decimal)
	return v == nil || ok && d == nil
}

func operand(v any) string {
	if isNil(v) {
		return "<nil>"
	}
	return fmt.Sprintf("%T", v)
}
