package postgres

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// JSONTexts names the member an image may start with: an object giving the
// exact text of json columns whose value in the image is not exact (a JSON
// null, which the image cannot tell from SQL NULL; white space around the
// value), as a JSON string, which is the neutral form. No captured column
// may have this name (Check refuses it).
const JSONTexts = "ferry:json"

// Values turns the values of PostgreSQL's images (row_to_json of a row,
// under the settings the capture pins) into the neutral forms (package
// sql, values.go):
//
//   - integer: a JSON integer within int64 (an oid, which the image has as
//     a string, too);
//   - decimal: the number's exact digits as a string, "NaN", "Infinity" or
//     "-Infinity";
//   - float: the number's shortest exact text (extra_float_digits 1), or
//     "NaN", "Infinity", "-Infinity";
//   - binary: base64 of the bytes, read from the hex form "\\x00ff";
//   - json: a string holding the JSON text exactly as the column has it;
//     where the image's value is not the exact text, the image gives it
//     first, in its member JSONTexts;
//   - array: elements in their element kind's form, nested for each
//     further dimension; an array whose lower bounds are not all 1 keeps
//     its text form with the bounds ("[0:2]={7,8,9}");
//   - timestamptz: the same instant in UTC ("2024-06-30T18:29:59.654321+00:00"),
//     whatever offset the session printed;
//   - date, timestamp, timestamptz: years before 1 in astronomical numbering
//     with a sign ("0044-03-15 BC" is "-0043-03-15"); infinity kept;
//   - time: timetz's offset as +HH:MM ("+05" is "+05:00");
//   - bool, text, interval (iso_8601), uuid (lower case): unchanged.
type Values struct{}

var _ fsql.NeutralOverrides = Values{}

// Values turns PostgreSQL images into neutral forms.
func (Dialect) Values() fsql.Values { return Values{} }

// OverrideMember is JSONTexts.
func (Values) OverrideMember() string { return JSONTexts }

// AppendNeutral appends the neutral form of v, the image's value of c.
func (Values) AppendNeutral(dst []byte, c *fsql.Column, v []byte) ([]byte, error) {
	return appendNeutral(dst, c.Kind, c.Elem, v)
}

// fitError is a value that does not fit its column's kind.
type fitError struct{ msg string }

func (e *fitError) Error() string { return e.msg }

// maxShown bounds how much of a value an error message quotes.
const maxShown = 64

func notFit(v []byte, kind fsql.Kind) error {
	s := string(v)
	if len(s) > maxShown {
		s = string(bytes.ToValidUTF8(v[:maxShown], nil)) + "…"
	}
	return &fitError{"value " + s + " does not fit " + string(kind)}
}

func appendNeutral(dst []byte, kind, elem fsql.Kind, v []byte) ([]byte, error) {
	k := jsontext.Value(v).Kind()
	switch kind {
	case fsql.KindInteger:
		if k == jsontext.KindString && len(v) > 2 && isInteger(v[1:len(v)-1]) {
			v = v[1 : len(v)-1] // oid: row_to_json writes it as a string
		}
		if !isInteger(v) {
			return dst, notFit(v, kind)
		}
		return append(dst, v...), nil

	case fsql.KindDecimal:
		switch k {
		case jsontext.KindNumber:
			dst = append(dst, '"')
			dst = append(dst, v...)
			return append(dst, '"'), nil
		case jsontext.KindString:
			return special(dst, v, kind, fsql.IsDecimalText)
		}

	case fsql.KindFloat:
		switch k {
		case jsontext.KindNumber:
			if _, err := strconv.ParseFloat(string(v), 64); err != nil {
				return dst, notFit(v, kind)
			}
			return append(dst, v...), nil
		case jsontext.KindString:
			return special(dst, v, kind, fsql.IsSpecialFloat)
		}

	case fsql.KindBinary:
		if k == jsontext.KindString {
			return binary(dst, v)
		}

	case fsql.KindJSON:
		dst, _ = jsontext.AppendQuote(dst, v)
		return dst, nil

	case fsql.KindBool:
		if k == jsontext.KindTrue || k == jsontext.KindFalse {
			return append(dst, v...), nil
		}

	case fsql.KindTimestampTZ, fsql.KindDate, fsql.KindTimestamp, fsql.KindTime:
		if k == jsontext.KindString {
			return moment(dst, v, kind)
		}

	case fsql.KindText, fsql.KindInterval, fsql.KindUUID:
		if k == jsontext.KindString {
			return append(dst, v...), nil
		}

	case fsql.KindArray:
		switch k {
		case jsontext.KindBeginArray:
			return array(dst, v, elem)
		case jsontext.KindString:
			// An array whose bounds do not start at 1, which the trigger
			// writes as its text form, bounds included.
			return append(dst, v...), nil
		}

	default:
		return append(dst, v...), nil
	}
	// A value of the wrong JSON type for kind.
	return dst, notFit(v, kind)
}

// special appends the string value v if ok accepts its text.
func special(dst, v []byte, kind fsql.Kind, ok func([]byte) bool) ([]byte, error) {
	if bytes.IndexByte(v, '\\') < 0 {
		if !ok(v[1 : len(v)-1]) {
			return dst, notFit(v, kind)
		}
		return append(dst, v...), nil
	}
	s, err := jsontext.AppendUnquote(nil, v)
	if err != nil || !ok(s) {
		return dst, notFit(v, kind)
	}
	dst, _ = jsontext.AppendQuote(dst, s)
	return dst, nil
}

// binary appends the base64 form of the string value v, a bytea value in
// PostgreSQL's hex output form, "\\x" and two hex digits a byte.
func binary(dst, v []byte) ([]byte, error) {
	var digits []byte
	if len(v) >= 5 && string(v[:4]) == `"\\x` && bytes.IndexByte(v[4:], '\\') < 0 {
		digits = v[4 : len(v)-1] // the usual text: only the leading backslash is escaped
	} else {
		s, err := jsontext.AppendUnquote(nil, v)
		if err != nil || len(s) < 2 || s[0] != '\\' || s[1] != 'x' {
			return dst, notFit(v, fsql.KindBinary)
		}
		digits = s[2:]
	}
	if len(digits)%2 != 0 {
		return dst, notFit(v, fsql.KindBinary)
	}
	n := len(dst)
	dst = append(dst, '"')
	// Decoded in pieces on the stack: no allocation for the bytes.
	var buf [384]byte
	for len(digits) > 0 {
		chunk := digits[:min(len(digits), 2*len(buf))]
		b, err := hex.AppendDecode(buf[:0], chunk)
		if err != nil {
			return dst[:n], notFit(v, fsql.KindBinary)
		}
		dst = base64.StdEncoding.AppendEncode(dst, b)
		digits = digits[len(chunk):]
	}
	return append(dst, '"'), nil
}

// moment appends a date, time, timestamp or timestamptz in neutral form.
// Most values need no change: only timestamptz (to UTC), years before 1
// (" BC") and timetz offsets of hours only or with seconds are rewritten.
func moment(dst, v []byte, kind fsql.Kind) ([]byte, error) {
	s := v[1 : len(v)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		u, err := jsontext.AppendUnquote(nil, v)
		if err != nil {
			return dst, notFit(v, kind)
		}
		s = u
	}
	if bytes.IndexByte(bytes.TrimSuffix(s, []byte(" BC")), ' ') >= 0 {
		return dst, notFit(v, kind) // row_to_json writes the T
	}
	if string(s) == "infinity" || string(s) == "-infinity" {
		if kind == fsql.KindTime {
			return dst, notFit(v, kind)
		}
		return quoted(dst, s), nil
	}
	if kind != fsql.KindTimestampTZ && !bytes.HasSuffix(s, []byte(" BC")) {
		if kind != fsql.KindTime || !needsOffsetRewrite(s) {
			return quoted(dst, s), nil
		}
	}
	m, ok := fsql.ParseMoment(s)
	offsetOK := m.HasOffset == (kind == fsql.KindTimestampTZ) || kind == fsql.KindTime // timetz has one
	if !ok || m.HasDate != (kind != fsql.KindTime) || m.HasClock != (kind != fsql.KindDate) || !offsetOK {
		return dst, notFit(v, kind)
	}
	if kind == fsql.KindTimestampTZ {
		m = m.UTC().Trim()
	}
	dst = append(dst, '"')
	dst = m.AppendNeutral(dst)
	return append(dst, '"'), nil
}

// quoted appends s, which needs no escapes, as a JSON string.
func quoted(dst, s []byte) []byte {
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// needsOffsetRewrite reports whether a timetz text's offset is not +HH:MM.
func needsOffsetRewrite(s []byte) bool {
	i := bytes.LastIndexAny(s, "+-")
	return i > 0 && len(s)-i != 6
}

// array appends the JSON array v with its elements in neutral form; a
// nested array is a further dimension, except in a json array, where each
// element is one JSON value.
func array(dst, v []byte, elem fsql.Kind) ([]byte, error) {
	d := decoders.Get().(*arrayDecoder)
	defer decoders.Put(d)
	d.src.Reset()
	d.src.Write(v)
	d.dec.Reset(&d.src, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	dst, err := d.array(dst, elem)
	if err != nil {
		var fe *fitError
		if errors.As(err, &fe) {
			return dst, err
		}
		return dst, notFit(v, fsql.KindArray)
	}
	return dst, nil
}

type arrayDecoder struct {
	src bytes.Buffer
	dec jsontext.Decoder
}

var decoders = sync.Pool{New: func() any { return new(arrayDecoder) }}

func (d *arrayDecoder) array(dst []byte, elem fsql.Kind) ([]byte, error) {
	if _, err := d.dec.ReadToken(); err != nil { // '['
		return dst, err
	}
	dst = append(dst, '[')
	var fit error
	for n := 0; ; n++ {
		k := d.dec.PeekKind()
		if k == jsontext.KindEndArray {
			if _, err := d.dec.ReadToken(); err != nil {
				return dst, err
			}
			return append(dst, ']'), fit
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		if k == jsontext.KindBeginArray && elem != fsql.KindJSON {
			var err error
			if dst, err = d.array(dst, elem); err != nil {
				if _, ok := err.(*fitError); !ok {
					return dst, err
				}
				fit = cmpErr(fit, err)
			}
			continue
		}
		v, err := d.dec.ReadValue()
		if err != nil {
			return dst, err
		}
		if v.Kind() == jsontext.KindNull {
			dst = append(dst, "null"...)
			continue
		}
		m := len(dst)
		if dst, err = appendNeutral(dst, elem, "", v); err != nil {
			dst = append(dst[:m], v...)
			fit = cmpErr(fit, err)
		}
	}
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isInteger accepts a JSON integer within int64.
func isInteger(s []byte) bool {
	if len(s) == 0 || (s[0] != '-' && !isDigit(s[0])) {
		return false
	}
	_, err := strconv.ParseInt(string(s), 10, 64)
	return err == nil
}
