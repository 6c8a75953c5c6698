package postgres

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// The target's side of the neutral forms: each value becomes the JSON
// value that json_populate_recordset reads into the column with the type's
// own input function. Most neutral forms are PostgreSQL's input forms
// already; the others are rewritten here:
//
//   - binary: base64 becomes the hex form "\\x00ff";
//   - json: the string holding the JSON text stays a string, checked, which
//     the statement casts to the column's type (populated): as a JSON value,
//     JSON null would read as SQL NULL; an array of json elements is
//     written in its text form for the same reason (jsonArray);
//   - date, timestamp, timestamptz: a year before 1 becomes " BC"
//     ("-0043-03-15" is "0044-03-15 BC"); a zone region is dropped (the
//     offset says the instant, which is what timestamptz keeps);
//   - array: each element as its kind's.
//
// A value the column would round is refused with a *fsql.ValueError
// (PostgreSQL rounds numeric and fractional seconds to the column's scale
// and a float to real without a word): digits beyond a numeric's scale,
// fractional seconds beyond a time's, timestamp's or interval's precision,
// a float that no real holds exactly, an offset into a time without zone.
// What PostgreSQL refuses itself (a number too large, text too long) it
// refuses as usual.

// inputValue appends the input form of the neutral value v of column c.
func inputValue(dst []byte, c *fsql.Column, v []byte) ([]byte, error) {
	if len(v) == 0 || string(v) == "null" {
		return append(dst, "null"...), nil
	}
	if c.Kind == fsql.KindJSON {
		if _, err := input(nil, c.Kind, "", c, v); err != nil {
			return dst, err
		}
		// The checked string as it came; or a JSON value, which a Debezium
		// producer may send, and the cast reads as its text.
		return append(dst, v...), nil
	}
	return input(dst, c.Kind, c.Elem, c, v)
}

func input(dst []byte, kind, elem fsql.Kind, c *fsql.Column, v []byte) ([]byte, error) {
	k := jsontext.Value(v).Kind()
	switch kind {
	case fsql.KindBinary:
		if k != jsontext.KindString {
			break
		}
		b, err := base64.StdEncoding.Strict().AppendDecode(nil, v[1:len(v)-1])
		if err != nil {
			return dst, fmt.Errorf("binary value %.40s is not base64", v)
		}
		dst = append(dst, `"\\x`...)
		dst = hex.AppendEncode(dst, b)
		return append(dst, '"'), nil

	case fsql.KindJSON:
		if k != jsontext.KindString {
			return append(dst, v...), nil // a JSON value already (a Debezium producer may send one)
		}
		s, err := jsontext.AppendUnquote(nil, v)
		if err != nil || !json.Valid(s) {
			return dst, fmt.Errorf("json value %.40s is not JSON text", v)
		}
		return append(dst, s...), nil

	case fsql.KindDecimal:
		if k == jsontext.KindString {
			if err := decimalFits(v[1:len(v)-1], c); err != nil {
				return dst, err
			}
		}

	case fsql.KindFloat:
		if k == jsontext.KindNumber && c != nil && c.Limits && c.Precision == 24 {
			if err := float32Fits(v); err != nil {
				return dst, err
			}
		}

	case fsql.KindDate, fsql.KindTimestamp, fsql.KindTimestampTZ, fsql.KindTime:
		if k == jsontext.KindString {
			return moments(dst, kind, c, v)
		}

	case fsql.KindInterval:
		if k == jsontext.KindString && c != nil && c.Limits && c.Scale >= 0 {
			if err := intervalFits(v[1:len(v)-1], c.Scale); err != nil {
				return dst, err
			}
		}

	case fsql.KindArray:
		if k == jsontext.KindBeginArray && elem == fsql.KindJSON {
			return jsonArray(dst, v)
		}
		if k == jsontext.KindBeginArray && needsInput(elem) {
			return inputArray(dst, elem, v)
		}
	}
	return append(dst, v...), nil
}

// needsInput reports whether elements of kind may need rewriting.
func needsInput(kind fsql.Kind) bool {
	switch kind {
	case fsql.KindBinary, fsql.KindJSON, fsql.KindDate, fsql.KindTimestamp, fsql.KindTimestampTZ:
		return true
	}
	return false
}

func inputArray(dst []byte, elem fsql.Kind, v []byte) ([]byte, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(v, &items); err != nil {
		return dst, fmt.Errorf("array value %.40s: %w", v, err)
	}
	dst = append(dst, '[')
	for i, it := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		switch {
		case string(it) == "null":
			dst = append(dst, "null"...)
		case len(it) > 0 && it[0] == '[' && elem != fsql.KindJSON:
			dst, err = inputArray(dst, elem, it)
		default:
			dst, err = input(dst, elem, "", nil, it)
		}
		if err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// jsonArray writes an array of json or jsonb elements as a JSON string of
// its text form, {"null",NULL}, which the statement reads with the array
// type's input function: read as a JSON array, an element that is JSON
// null would become SQL NULL, and a json element would lose its outer
// white space. An element null is SQL NULL; any other is the JSON text of
// its neutral form (or a JSON value, as a Debezium producer may send),
// quoted for the array's text form.
func jsonArray(dst, v []byte) ([]byte, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(v, &items); err != nil {
		return dst, fmt.Errorf("array value %.40s: %w", v, err)
	}
	text := []byte{'{'}
	for i, it := range items {
		if i > 0 {
			text = append(text, ',')
		}
		if string(it) == "null" {
			text = append(text, "NULL"...)
			continue
		}
		elem, err := input(nil, fsql.KindJSON, "", nil, it)
		if err != nil {
			return dst, err
		}
		text = append(text, '"')
		for _, b := range elem {
			if b == '"' || b == '\\' {
				text = append(text, '\\')
			}
			text = append(text, b)
		}
		text = append(text, '"')
	}
	text = append(text, '}')
	return jsontext.AppendQuote(dst, text)
}

// moments rewrites what PostgreSQL reads otherwise: years before 1, a
// region, digits beyond the column's precision.
func moments(dst []byte, kind fsql.Kind, c *fsql.Column, v []byte) ([]byte, error) {
	s := v[1 : len(v)-1]
	if string(s) == "infinity" || string(s) == "-infinity" {
		return append(dst, v...), nil
	}
	scale := 6 // PostgreSQL's most
	if c != nil && c.Limits && c.Scale >= 0 {
		scale = c.Scale
	}
	// Years 1 and later without a region read as they are.
	simple := (len(s) == 0 || s[0] != '-') && !bytes.HasPrefix(s, []byte("0000-")) && bytes.IndexByte(s, '[') < 0
	if simple && fracDigits(s) <= scale && (kind != fsql.KindTime || c == nil || c.BaseType != "time" || !hasOffset(s)) {
		return append(dst, v...), nil // the usual case, as PostgreSQL reads it
	}
	m, ok := fsql.ParseMoment(s)
	if !ok {
		return dst, fmt.Errorf("%s value %.40s is not in the neutral form", kind, v)
	}
	if digits := m.Trim().Frac; digits > scale {
		return dst, fmt.Errorf("%s value %s has %d fractional digits of seconds; the column keeps %d", kind, v, digits, scale)
	}
	if kind == fsql.KindTime && m.HasOffset && c != nil && c.BaseType == "time" {
		return dst, fmt.Errorf("time value %s has an offset; the column is a time without time zone", v)
	}
	if simple {
		return append(dst, v...), nil
	}
	m.Region = "" // the instant is the offset's: timestamptz keeps nothing else
	dst = append(dst, '"')
	bc := m.HasDate && m.Year < 1
	if bc {
		m.Year = 1 - m.Year
	}
	dst = m.AppendNeutral(dst)
	if bc {
		dst = append(dst, " BC"...)
	}
	return append(dst, '"'), nil
}

// fracDigits counts the digits after a decimal point, trailing zeros too.
func fracDigits(s []byte) int {
	dot := bytes.IndexByte(s, '.')
	if dot < 0 {
		return 0
	}
	n := dot + 1
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n - dot - 1
}

func hasOffset(s []byte) bool { return bytes.IndexAny(s, "+-Z") > 0 }

// decimalFits refuses digits that numeric(p,s) would round away: non-zero
// digits after the point beyond s, or, for a negative s, before it.
func decimalFits(s []byte, c *fsql.Column) error {
	if c == nil || !c.Limits || c.Scale == fsql.NoLimit || bytes.ContainsAny(s, "eE") || len(s) == 0 || !isDigit(s[len(s)-1]) {
		return nil // NaN and the infinities, or no scale: nothing is rounded
	}
	intPart, frac, _ := bytes.Cut(bytes.TrimPrefix(s, []byte("-")), []byte("."))
	frac = bytes.TrimRight(frac, "0")
	if c.Scale >= 0 {
		if len(frac) > c.Scale {
			return fmt.Errorf("decimal value %s has %d digits after the point; the column (%s) keeps %d", s, len(frac), c.Type, c.Scale)
		}
		return nil
	}
	tail := intPart[max(0, len(intPart)+c.Scale):]
	if len(frac) > 0 || len(bytes.TrimLeft(tail, "0")) > 0 {
		return fmt.Errorf("decimal value %s is not a multiple of 1e%d; the column (%s) would round it", s, -c.Scale, c.Type)
	}
	return nil
}

// float32Fits refuses a number that a real column would round: one that
// is not the shortest text of a float32 (the neutral form of a float32 is).
func float32Fits(v []byte) error {
	f, err := strconv.ParseFloat(string(v), 32)
	if err != nil {
		return fmt.Errorf("float value %s does not fit a real", v)
	}
	back, err1 := strconv.ParseFloat(strconv.FormatFloat(f, 'g', -1, 32), 64)
	exact, err2 := strconv.ParseFloat(string(v), 64)
	if err1 != nil || err2 != nil || back != exact {
		return fmt.Errorf("float value %s is not a real's value: a real column would round it", v)
	}
	return nil
}

// intervalFits refuses fractional seconds beyond the interval's precision.
func intervalFits(s []byte, scale int) error {
	dot := bytes.IndexByte(s, '.')
	if dot < 0 {
		return nil
	}
	if frac := bytes.TrimRight(s[dot+1:dot+1+fracDigits(s)], "0"); len(frac) > scale {
		return fmt.Errorf("interval value %s has %d fractional digits of seconds; the column keeps %d", s, len(frac), scale)
	}
	return nil
}

// rowsJSON writes neutral rows as the JSON array of objects that
// json_populate_recordset reads, each value in its input form. A value the
// column cannot hold is a *fsql.ValueError naming the row's key.
func rowsJSON(t *fsql.Table, key, columns []string, rows [][]json.RawMessage) ([]byte, error) {
	cols := make([]*fsql.Column, len(columns))
	names := make([][]byte, len(columns))
	size := 2
	for i, n := range columns {
		c, ok := t.Column(n)
		if !ok {
			return nil, fmt.Errorf("%s has no column %s", t, n)
		}
		cols[i] = &c
		names[i], _ = json.Marshal(n)
		size += len(names[i]) + 2
	}
	for _, r := range rows {
		for _, v := range r {
			size += len(v) + 1
		}
	}
	body := make([]byte, 0, size+size/8)
	body = append(body, '[')
	for ri, r := range rows {
		if len(r) != len(columns) {
			return nil, fmt.Errorf("%s: a row has %d values for %d columns", t, len(r), len(columns))
		}
		if ri > 0 {
			body = append(body, ',')
		}
		body = append(body, '{')
		for i, v := range r {
			if i > 0 {
				body = append(body, ',')
			}
			body = append(body, names[i]...)
			body = append(body, ':')
			var err error
			if body, err = inputValue(body, cols[i], v); err != nil {
				return nil, &fsql.ValueError{Table: t.String(), Column: columns[i], Key: rowKey(key, columns, r), Err: err}
			}
		}
		body = append(body, '}')
	}
	return append(body, ']'), nil
}

// rowKey is a row's key for messages: its key columns' neutral values.
func rowKey(key, columns []string, row []json.RawMessage) string {
	var b []byte
	b = append(b, '{')
	for i, k := range key {
		if i > 0 {
			b = append(b, ',')
		}
		name, _ := json.Marshal(k)
		b = append(append(b, name...), ':')
		v := json.RawMessage("null")
		for j, c := range columns {
			if c == k && j < len(row) && len(row[j]) > 0 {
				v = row[j]
			}
		}
		b = append(b, v...)
	}
	return string(append(b, '}'))
}

var errNullKey = errors.New("a key value cannot be null")
