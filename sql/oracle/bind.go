package oracle

import (
	"bytes"
	stdsql "database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	go_ora "github.com/sijms/go-ora/v2"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// BindOptions change how neutral values become Oracle binds.
type BindOptions struct {
	// EmptyStringAsNull accepts an empty string (or empty binary) for a
	// VARCHAR2, CHAR, NVARCHAR2, NCHAR or RAW column and stores NULL, which
	// is what Oracle itself does with ''. Off by default: the envelope
	// keeps '' and NULL apart, and Oracle cannot, so by default such a
	// value is an error naming table, column and key. CLOB, NCLOB and BLOB
	// hold an empty value distinct from NULL and need no option.
	EmptyStringAsNull bool
}

// ValueError is a value that a target column cannot hold exactly.
type ValueError = fsql.ValueError

// errEmptyString is the refusal of ” where Oracle would store NULL.
var errEmptyString = errors.New("Oracle stores an empty string in this column as NULL, so it cannot be kept apart from NULL " +
	"(set the target's empty_string_as_null to accept that)")

// binder turns the neutral values of one target column into go-ora binds
// and wraps their placeholders in the SQL that converts them. Every value
// it returns is typed, NULL included (sql.NullString, go_ora.Clob{}, a nil
// []byte...): with array binding, go-ora v2.8.24 takes a parameter's
// character set from the last element it encodes, so an untyped nil in the
// last row could change how every row's text is read.
type binder struct {
	col  string
	t    oraType
	opts BindOptions
}

// newBinder returns the binder for a target column, or why Ferry cannot
// write it.
func newBinder(c fsql.Column, opts BindOptions) (binder, error) {
	t := parseType(c.Type)
	if err := checkType(c); err != nil {
		return binder{}, err
	}
	return binder{col: c.Name, t: t, opts: opts}, nil
}

// width is how many placeholders the column takes.
func (b binder) width() int {
	switch b.t.Base {
	case "TIMESTAMP WITH TIME ZONE", "CLOB", "NCLOB", "BLOB":
		return 2
	}
	return 1
}

// Formats of the text binds. 'S' lets the year carry Oracle's BC sign.
const (
	fmtDate        = "'SYYYY-MM-DD HH24:MI:SS'"
	fmtTimestamp   = "'SYYYY-MM-DD HH24:MI:SS.FF9'"
	fmtTimestampTZ = "'SYYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM'"
)

// expr is the SQL for the column's value from its placeholders (width()
// of them).
func (b binder) expr(ph []string) string {
	switch b.t.Base {
	case "NUMBER", "FLOAT":
		return "TO_NUMBER(" + ph[0] + ")"
	case "BINARY_FLOAT":
		return "UTL_RAW.CAST_TO_BINARY_FLOAT(" + ph[0] + ")"
	case "BINARY_DOUBLE":
		return "UTL_RAW.CAST_TO_BINARY_DOUBLE(" + ph[0] + ")"
	case "DATE":
		return "TO_DATE(" + ph[0] + ", " + fmtDate + ")"
	case "TIMESTAMP":
		return "TO_TIMESTAMP(" + ph[0] + ", " + fmtTimestamp + ")"
	case "TIMESTAMP WITH TIME ZONE":
		// The instant from the offset, then the zone it was written in:
		// exact even in a DST overlap, where a wall clock and a region
		// alone would be ambiguous.
		return "(TO_TIMESTAMP_TZ(" + ph[0] + ", " + fmtTimestampTZ + ") AT TIME ZONE " + ph[1] + ")"
	case "TIMESTAMP WITH LOCAL TIME ZONE":
		return "TO_TIMESTAMP_TZ(" + ph[0] + ", " + fmtTimestampTZ + ")"
	case "INTERVAL YEAR TO MONTH":
		return "TO_YMINTERVAL(" + ph[0] + ")"
	case "INTERVAL DAY TO SECOND":
		return "TO_DSINTERVAL(" + ph[0] + ")"
	case "CLOB":
		// go-ora binds an empty CLOB or BLOB as NULL; the flag keeps it empty.
		return "CASE WHEN " + ph[1] + " = 1 THEN EMPTY_CLOB() ELSE " + ph[0] + " END"
	case "NCLOB":
		return "CASE WHEN " + ph[1] + " = 1 THEN TO_NCLOB(EMPTY_CLOB()) ELSE " + ph[0] + " END"
	case "BLOB":
		return "CASE WHEN " + ph[1] + " = 1 THEN EMPTY_BLOB() ELSE " + ph[0] + " END"
	case "BOOLEAN":
		return "TO_BOOLEAN(" + ph[0] + ")"
	}
	return ph[0]
}

// jsonValue is a decoded neutral value.
type jsonValue struct {
	null, isString, isNumber, isBool, boolean bool
	text                                      string
}

func decodeNeutral(raw json.RawMessage) (jsonValue, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return jsonValue{null: true}, nil
	case string(raw) == "true", string(raw) == "false":
		return jsonValue{isBool: true, boolean: string(raw) == "true"}, nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return jsonValue{}, err
		}
		return jsonValue{isString: true, text: s}, nil
	case raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9':
		if !json.Valid(raw) {
			return jsonValue{}, fmt.Errorf("%.40s is not a JSON number", raw)
		}
		return jsonValue{isNumber: true, text: string(raw)}, nil
	}
	return jsonValue{}, fmt.Errorf("%.40s: arrays and objects have no Oracle column type", raw)
}

// bind returns the values for the column's placeholders.
func (b binder) bind(raw json.RawMessage) ([]any, error) {
	v, err := decodeNeutral(raw)
	if err != nil {
		return nil, err
	}
	switch b.t.Base {
	case "NUMBER", "FLOAT":
		if v.null {
			return []any{stdsql.NullString{}}, nil
		}
		var d decimal
		switch {
		case v.isNumber:
			d, err = parseDecimal(v.text, true)
		case v.isString && (v.text == "NaN" || v.text == "Infinity" || v.text == "-Infinity"):
			return nil, fmt.Errorf("%s has no %s: %w", b.t.text(), v.text, errNotExact)
		case v.isString:
			d, err = parseDecimal(v.text, false)
		case v.isBool && v.boolean:
			d = decimal{digits: "1"}
		case v.isBool:
		}
		if err != nil {
			return nil, err
		}
		s, err := numberBind(d, b.t)
		if err != nil {
			return nil, err
		}
		return []any{stdsql.NullString{String: s, Valid: true}}, nil

	case "BINARY_FLOAT", "BINARY_DOUBLE":
		if v.null {
			return []any{[]byte(nil)}, nil
		}
		bits := 64
		if b.t.Base == "BINARY_FLOAT" {
			bits = 32
		}
		f, err := exactFloat(v, bits)
		if err != nil {
			return nil, err
		}
		if bits == 32 {
			return []any{binary.BigEndian.AppendUint32(nil, math.Float32bits(float32(f)))}, nil
		}
		return []any{binary.BigEndian.AppendUint64(nil, math.Float64bits(f))}, nil

	case "DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE":
		return b.bindTime(v)

	case "INTERVAL YEAR TO MONTH", "INTERVAL DAY TO SECOND":
		if v.null {
			return []any{stdsql.NullString{}}, nil
		}
		if !v.isString {
			return nil, fmt.Errorf("%s needs an ISO 8601 duration string", b.t.Base)
		}
		d, err := parseDuration(v.text)
		if err != nil {
			// A time of day ("13:45:00.5") fits an INTERVAL DAY TO SECOND.
			var t dateTime
			if b.t.Base != "INTERVAL DAY TO SECOND" || parseClock(v.text, &t) != nil {
				return nil, err
			}
			frac, _ := parseDecimal(strconv.Itoa(t.ss)+"."+t.frac, false)
			d = duration{hours: int64(t.hh), minutes: int64(t.mi), seconds: frac}
		}
		var s string
		if b.t.Base == "INTERVAL YEAR TO MONTH" {
			s, err = d.yearMonth(b.t.Precision)
		} else {
			s, err = d.daySecond(b.t.Precision, b.t.Scale)
		}
		if err != nil {
			return nil, err
		}
		return []any{stdsql.NullString{String: s, Valid: true}}, nil

	case "VARCHAR2", "CHAR", "NVARCHAR2", "NCHAR":
		s, err := b.text(v)
		if err != nil {
			return nil, err
		}
		if !v.null && s == "" && !b.opts.EmptyStringAsNull {
			return nil, errEmptyString
		}
		if b.t.Base == "NVARCHAR2" || b.t.Base == "NCHAR" {
			return []any{go_ora.NullNVarChar{NVarChar: go_ora.NVarChar(s), Valid: s != ""}}, nil
		}
		return []any{stdsql.NullString{String: s, Valid: s != ""}}, nil

	case "CLOB", "NCLOB", "JSON":
		s, err := b.text(v)
		if err != nil {
			return nil, err
		}
		if b.t.Base == "JSON" {
			if !v.null && !json.Valid([]byte(s)) {
				return nil, fmt.Errorf("the value is not JSON text: %w", errNotExact)
			}
			return []any{go_ora.Clob{String: s, Valid: !v.null}}, nil
		}
		empty := int64(0)
		if !v.null && s == "" {
			empty = 1
		}
		if b.t.Base == "NCLOB" {
			return []any{go_ora.NClob{String: s, Valid: !v.null && s != ""}, empty}, nil
		}
		return []any{go_ora.Clob{String: s, Valid: !v.null && s != ""}, empty}, nil

	case "RAW", "BLOB":
		var data []byte
		switch {
		case v.null:
		case v.isString && isUUID(v.text) && b.t.Base == "RAW" && b.t.Length == 16:
			data, _ = hex.DecodeString(strings.ReplaceAll(v.text, "-", ""))
		case v.isString:
			if data, err = base64.StdEncoding.Strict().DecodeString(v.text); err != nil {
				return nil, fmt.Errorf("%s needs base64: %w", b.t.Base, err)
			}
			if data == nil {
				data = []byte{}
			}
		default:
			return nil, fmt.Errorf("%s needs a base64 string", b.t.Base)
		}
		if b.t.Base == "BLOB" {
			empty := int64(0)
			if data != nil && len(data) == 0 {
				empty = 1
			}
			if len(data) == 0 {
				data = nil
			}
			return []any{go_ora.Blob{Data: data}, empty}, nil
		}
		if data != nil && len(data) == 0 {
			if !b.opts.EmptyStringAsNull {
				return nil, errEmptyString
			}
			data = nil
		}
		return []any{data}, nil

	case "BOOLEAN":
		switch {
		case v.null:
			return []any{stdsql.NullInt64{}}, nil
		case v.isBool && v.boolean:
			return []any{stdsql.NullInt64{Int64: 1, Valid: true}}, nil
		case v.isBool:
			return []any{stdsql.NullInt64{Int64: 0, Valid: true}}, nil
		}
		return nil, fmt.Errorf("BOOLEAN needs true or false")
	}
	return nil, fmt.Errorf("type %s cannot be written by Ferry", b.t.Base)
}

// text is the text a character column takes: a string, or a number's
// text; "" for NULL.
func (b binder) text(v jsonValue) (string, error) {
	switch {
	case v.null:
		return "", nil
	case v.isString, v.isNumber:
		return v.text, nil
	}
	return "", fmt.Errorf("%s cannot hold a boolean; map it in the route", b.t.Base)
}

// bindTime binds the datetime types as text for explicit TO_DATE /
// TO_TIMESTAMP / TO_TIMESTAMP_TZ conversions, never as time.Time: the
// driver's time encoding has had zone bugs (go-ora #419, #422, #447, and
// #687 in v2.9.0), and text with an explicit format has none.
func (b binder) bindTime(v jsonValue) ([]any, error) {
	tz := b.t.Base == "TIMESTAMP WITH TIME ZONE"
	if v.null {
		if tz {
			return []any{stdsql.NullString{}, stdsql.NullString{}}, nil
		}
		return []any{stdsql.NullString{}}, nil
	}
	if !v.isString {
		return nil, fmt.Errorf("%s needs a date-time string", b.t.Base)
	}
	t, offset, region, err := parseNeutralDateTime(v.text)
	if err != nil {
		return nil, err
	}
	switch b.t.Base {
	case "DATE", "TIMESTAMP":
		if offset != nil {
			return nil, fmt.Errorf("%q is an instant with a zone; %s keeps only the wall clock, so the zone would be lost: %w", v.text, b.t.Base, errNotExact)
		}
		if b.t.Base == "DATE" {
			if t.frac != "" {
				return nil, fmt.Errorf("%q has fractions of a second, which DATE does not keep: %w", v.text, errNotExact)
			}
			return []any{stdsql.NullString{String: t.oracleText(false), Valid: true}}, nil
		}
	default:
		if offset == nil {
			return nil, fmt.Errorf("%q has no zone, so it names no instant for %s: %w", v.text, b.t.Base, errNotExact)
		}
	}
	if len(t.frac) > b.t.Precision {
		return nil, fmt.Errorf("%q has %d fractional second digits; %s keeps %d: %w", v.text, len(t.frac), b.t.Base, b.t.Precision, errNotExact)
	}
	text := t.oracleText(true)
	if offset == nil {
		return []any{stdsql.NullString{String: text, Valid: true}}, nil
	}
	text += " " + formatOffset(*offset)
	if !tz {
		return []any{stdsql.NullString{String: text, Valid: true}}, nil
	}
	zone := region
	if zone == "" {
		zone = formatOffset(*offset)
	}
	return []any{stdsql.NullString{String: text, Valid: true}, stdsql.NullString{String: zone, Valid: true}}, nil
}

// exactFloat reads a neutral float (or decimal) value for a float column
// of the given width, refusing text that is not the shortest form of a
// value of that width: such text has digits the column would round away.
func exactFloat(v jsonValue, bits int) (float64, error) {
	if v.isString {
		switch v.text {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
	}
	if !v.isNumber && !v.isString {
		return 0, fmt.Errorf("a float column needs a number")
	}
	want, err := parseDecimal(v.text, true)
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(v.text, bits)
	if err != nil {
		return 0, fmt.Errorf("%s does not fit a %d-bit float: %w", v.text, bits, errNotExact)
	}
	got, _ := parseDecimal(strconv.FormatFloat(f, 'g', -1, bits), true)
	if got.neg != want.neg || got.digits != want.digits || got.exp != want.exp {
		return 0, fmt.Errorf("%s is not a %d-bit float (the nearest is %s): %w", v.text, bits, strconv.FormatFloat(f, 'g', -1, bits), errNotExact)
	}
	if want.isZero() && strings.HasPrefix(v.text, "-") {
		f = math.Copysign(0, -1)
	}
	return f, nil
}

func isUUID(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	_, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	return err == nil
}
