package change

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"

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
//     further dimension, nil for a NULL element; an array with bounds other
//     than 1 is a string, its PostgreSQL text form;
//   - text, date, time, timestamp, timestamptz, interval, uuid: string, in
//     the text form the source wrote.
func DecodeValue(kind fsql.Kind, elem fsql.Kind, raw json.RawMessage) (any, error) {
	r := readers.Get().(*reader)
	defer func() {
		r.reset(nil)
		readers.Put(r)
	}()
	r.reset(raw)
	v, err := r.value()
	if err == nil {
		err = r.end()
	}
	if err != nil {
		return nil, fmt.Errorf("decode %s value: %w", kind, err)
	}
	x, err := decode(r, kind, elem, v)
	if err != nil {
		return nil, fmt.Errorf("decode %s value: %w", kind, err)
	}
	return x, nil
}

var readers = sync.Pool{New: func() any { return new(reader) }}

// decode decodes the valid JSON value v; r reads an array's elements.
func decode(r *reader, kind, elem fsql.Kind, v jsontext.Value) (any, error) {
	k := v.Kind()
	if k == jsontext.KindNull {
		return nil, nil
	}
	isString := k == jsontext.KindString
	isNumber := k == jsontext.KindNumber
	switch kind {
	case fsql.KindDecimal:
		switch {
		case isNumber:
			return string(v), nil
		case isString:
			if s := appendUnquoted(nil, v); fsql.IsDecimalText(s) {
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
			if s := appendUnquoted(nil, v); fsql.IsSpecialFloat(s) {
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
		switch k {
		case jsontext.KindTrue:
			return true, nil
		case jsontext.KindFalse:
			return false, nil
		}
	case fsql.KindJSON, fsql.KindText, fsql.KindDate, fsql.KindTime, fsql.KindTimestamp,
		fsql.KindTimestampTZ, fsql.KindInterval, fsql.KindUUID:
		if isString {
			return string(appendUnquoted(nil, v)), nil
		}
	case fsql.KindArray:
		if isString {
			return string(appendUnquoted(nil, v)), nil // bounds other than 1: the text form
		}
		if k == jsontext.KindBeginArray {
			// v was read whole, so it is valid: read it again by element.
			r.reset(v)
			return decodeArray(r, elem)
		}
	default:
		return nil, fmt.Errorf("unknown kind %q", string(kind))
	}
	return nil, notFit(v, string(kind))
}

// decodeArray decodes the valid JSON array that r has next; a nested array
// is a further dimension.
func decodeArray(r *reader, elem fsql.Kind) ([]any, error) {
	if elem == fsql.KindArray {
		return nil, fmt.Errorf("array of kind %q", string(elem))
	}
	if err := r.delim(); err != nil {
		return nil, err
	}
	out := []any{}
	for {
		var x any
		var err error
		switch r.dec.PeekKind() {
		case jsontext.KindEndArray:
			return out, r.delim()
		case jsontext.KindBeginArray:
			x, err = decodeArray(r, elem)
		default:
			var v jsontext.Value
			if v, err = r.value(); err == nil {
				x, err = decode(r, elem, "", v)
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
}

// strictBase64 refuses padding bits that are not zero, so that one value
// has one text.
var strictBase64 = base64.StdEncoding.Strict()
