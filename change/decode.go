package change

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// DecodeValue turns one value of an envelope's before or after into the Go
// value a database driver takes without loss; elem is an array's element
// kind. JSON null is nil, whatever the kind.
//
//   - decimal: string, the exact digits (or "NaN", "Infinity", "-Infinity");
//     a JSON number, as other producers write, is taken by its text too;
//   - integer: int64;
//   - float: float64 for a number, parsed from its exact text; the string
//     "NaN", "Infinity" or "-Infinity" for those. PostgreSQL writes the
//     shortest text that reads back as the same value, so for a double
//     precision column the float64 is the source's value exactly. For a
//     real column it is exact too, with two exceptions: the shortest
//     float4 text read as a float64 and then rounded to float4 (what the
//     server does with a float8 parameter) gives the source value for
//     every float4 but ±7.038531e-26, which come out one bit off (double
//     rounding; checked over all 2^32 values). A target that knows the
//     column is real and must be exact parses the text with
//     strconv.ParseFloat(s, 32) instead, or hands the server the text;
//   - binary: []byte from base64, empty but not nil for an empty value;
//   - json: string, the JSON text;
//   - bool: bool;
//   - array: []any of elements decoded by elem, []any again for each
//     further dimension, nil for a NULL element;
//   - text, date, time, timestamp, timestamptz, interval, uuid: string, in
//     the text form the source wrote.
func DecodeValue(kind fsql.Kind, elem fsql.Kind, raw json.RawMessage) (any, error) {
	b := raw
	i := skipSpace(b, 0)
	end, err := scanValue(b, i, 0)
	if err == nil && skipSpace(b, end) != len(b) {
		err = errAt(b, skipSpace(b, end), "after top-level value")
	}
	if err != nil {
		return nil, fmt.Errorf("decode %s value: %w", kind, err)
	}
	v, err := decode(kind, elem, b[i:end], 0)
	if err != nil {
		return nil, fmt.Errorf("decode %s value: %w", kind, err)
	}
	return v, nil
}

// decode decodes the valid JSON value v.
func decode(kind, elem fsql.Kind, v []byte, depth int) (any, error) {
	if v[0] == 'n' {
		return nil, nil
	}
	c := v[0]
	isString := c == '"'
	isNumber := c == '-' || isDigit(c)
	switch kind {
	case fsql.KindDecimal:
		switch {
		case isNumber:
			return string(v), nil
		case isString:
			if s := appendUnquoted(nil, v); isDecimalText(s) {
				return string(s), nil
			}
		}
	case fsql.KindInteger:
		if isNumber {
			if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
				return n, nil
			}
		}
	case fsql.KindFloat:
		switch {
		case isNumber:
			if f, err := strconv.ParseFloat(string(v), 64); err == nil {
				return f, nil
			}
		case isString:
			if s := appendUnquoted(nil, v); isSpecialFloat(s) {
				return string(s), nil
			}
		}
	case fsql.KindBinary:
		if isString {
			s := appendUnquoted(nil, v)
			out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
			n, err := strictBase64.Decode(out, s)
			if err == nil {
				return out[:n], nil
			}
		}
	case fsql.KindBool:
		switch c {
		case 't':
			return true, nil
		case 'f':
			return false, nil
		}
	case fsql.KindJSON, fsql.KindText, fsql.KindDate, fsql.KindTime, fsql.KindTimestamp,
		fsql.KindTimestampTZ, fsql.KindInterval, fsql.KindUUID:
		if isString {
			return string(appendUnquoted(nil, v)), nil
		}
	case fsql.KindArray:
		if c == '[' {
			return decodeArray(elem, v, depth+1)
		}
	default:
		return nil, fmt.Errorf("unknown kind %q", string(kind))
	}
	return nil, notFit(v, string(kind))
}

// decodeArray decodes the valid JSON array v; a nested array is a further
// dimension.
func decodeArray(elem fsql.Kind, v []byte, depth int) ([]any, error) {
	if elem == fsql.KindArray {
		return nil, fmt.Errorf("array of kind %q", string(elem))
	}
	out := []any{}
	i := skipSpace(v, 1)
	if v[i] == ']' {
		return out, nil
	}
	for {
		end, _ := scanValue(v, i, depth)
		var x any
		var err error
		if v[i] == '[' {
			x, err = decodeArray(elem, v[i:end], depth+1)
		} else {
			x, err = decode(elem, "", v[i:end], depth)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, x)
		i = skipSpace(v, end)
		if v[i] == ']' {
			return out, nil
		}
		i = skipSpace(v, i+1)
	}
}

// strictBase64 refuses padding bits that are not zero, so that one value
// has one text.
var strictBase64 = base64.StdEncoding.Strict()
